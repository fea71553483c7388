// Gradient of Correlation(data1, data2).
//
// y = K(P1, P2) (operator/correlation.h), P1, P2 the inputs zero-padded by
// pad_size: for each displacement, window sums of the channel sum of P1 times
// P2 shifted (or of |P1 - P2 shifted|). The forward op keeps P1 and P2 (channels
// last) as hidden outputs tmp1 and tmp2, and _backward_Correlation reads only
// them and g, so what a higher-order pass sends into them would reach the
// forward node's hidden outputs, whose heads stock's gradient drops. The forward
// op's own gradient is replaced instead (under create_graph, and in any later
// pass through a node differentiated so): the vjp of K at (P1, P2), plus the
// heads of tmp1 and tmp2, cropped back to the inputs. A first-order pass keeps
// stock's kernel.
#include "operator/correlation.h"

#include <optional>
#include <string>
#include <vector>

#include "operator/axes.h"
#include "operator/shape_text.h"

namespace mxnet_ho {
namespace op {
namespace {

// `end` from the end of an axis, "None" for 0.
std::string FromEnd(long end) { return end == 0 ? "None" : Text(-end); }

// z without its first `top` and last `bottom` rows, first `left` and last `right` columns.
Expr Window(const Expr& z, long top, long bottom, long left, long right) {
  return apply("slice", {z},
               {{"begin", "(None, None, " + Text(top) + ", " + Text(left) + ")"},
                {"end", "(None, None, " + FromEnd(bottom) + ", " + FromEnd(right) + ")"}});
}

// Channels last (the hidden outputs' layout) as channels second, or back.
Expr ChannelsSecond(const Expr& z) { return apply("transpose", {z}, {{"axes", "(0, 3, 1, 2)"}}); }

CorrelationShape ShapeOf(const Backward& n) {
  CorrelationShape s;
  s.kernel = n.integer("kernel_size", 1);
  s.max_displacement = n.integer("max_displacement", 1);
  s.stride1 = n.integer("stride1", 1);
  s.stride2 = n.integer("stride2", 1);
  s.pad = n.integer("pad_size", 0);
  s.multiply = n.flag("is_multiply", true);
  return s;
}

}  // namespace

Expr PadSpace(const Expr& z, long pad) {
  Expr padded = z;
  for (int axis = 2; axis < 4; ++axis) {
    if (pad == 0) break;
    const std::string a = std::to_string(axis);
    const Expr edge =
        apply("slice_axis", {zeros_like(padded)}, {{"axis", a}, {"begin", "0"}, {"end", "1"}});
    const Expr zeros = apply("repeat", {edge}, {{"repeats", Text(pad)}, {"axis", a}});
    padded = apply("Concat", {zeros, padded, zeros}, {{"num_args", "3"}, {"dim", a}});
  }
  return padded;
}

Expr Correlate(const Expr& p1, const Expr& p2, const CorrelationShape& s) {
  const long md = s.max_displacement, r = s.max_displacement / s.stride2;
  const Expr a = Window(p1, md, md, md, md);
  std::vector<Expr> maps;
  for (long dy = -r; dy <= r; ++dy) {
    for (long dx = -r; dx <= r; ++dx) {
      const long y = dy * s.stride2, x = dx * s.stride2;
      const Expr b = Window(p2, md + y, md - y, md + x, md - x);
      const Expr term = s.multiply ? a * b : abs(a - b);
      maps.push_back(apply("sum", {term}, {{"axis", "1"}, {"keepdims", "True"}}));
    }
  }
  const Expr joined =
      maps.size() == 1
          ? maps[0]
          : apply("Concat", maps, {{"num_args", std::to_string(maps.size())}, {"dim", "1"}});
  const std::string k = Text(s.kernel), stride = Text(s.stride1);
  const Expr sums = apply("Pooling", {joined},
                          {{"kernel", "(" + k + ", " + k + ")"},
                           {"stride", "(" + stride + ", " + stride + ")"},
                           {"pool_type", "sum"}});
  const Expr channels = AxisLength(p1, 1);
  return apply("broadcast_div", {sums, channels * (1.0 * s.kernel * s.kernel)});
}

// y = K(P1, P2), P = the inputs padded (tmp1, tmp2 channels last): (g1, g2) = crop(grad <g, K(P1,
// P2)> + h_tmp) (stock kernel at first order)
MXNET_HO_GRADIENT(Correlation).keeps_stock().set_rule([](const Backward& n) -> Grads {
  const bool before = n.differentiated_before();
  if (!creating_graph() && !before) return n.stock();
  const CorrelationShape s = ShapeOf(n);
  const Expr p1 = ChannelsSecond(n.out(1)), p2 = ChannelsSecond(n.out(2));
  std::optional<Expr> g1, g2;
  if (!n.head_is_zero(0)) {
    const Grads d = vjp(Correlate(p1, p2, s), {p1, p2}, n.head(0));
    g1 = d[0];
    g2 = d[1];
  }
  auto plus_head = [&](std::optional<Expr>& g, size_t i) {
    if (n.head_is_zero(i)) return;
    const Expr h = ChannelsSecond(n.head(i));
    g = g ? add_skipping_zeros(*g, h) : h;
  };
  plus_head(g1, 1);
  plus_head(g2, 2);
  auto inside = [&](const std::optional<Expr>& g, const Expr& p) {
    return Window(g ? *g : zeros_like(p), s.pad, s.pad, s.pad, s.pad);
  };
  return {inside(g1, p1), inside(g2, p2)};
});

}  // namespace op
}  // namespace mxnet_ho
