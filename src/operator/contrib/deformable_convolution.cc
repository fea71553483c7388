// Gradient of DeformableConvolution(data, offset, weight[, bias]).
//
// y = W * cols(data, offset) + b (operator/contrib/nn/deformable_im2col.h): a
// grouped product of the weight with bilinear samples of data at the kernel's
// taps moved by the offsets. The op is a stateful legacy op whose backward kernel
// (_backward__contrib_DeformableConvolution) fuses the column buffer, col2im and
// the offsets' coordinate gradient; no forward op computes those pieces. The
// forward op's own gradient is replaced instead (keeps_stock): under
// create_graph, and in any later pass through a node differentiated so, the vjp
// of the op written with forward ops (floor, gather_nd of the neighbours, their
// weights, FullyConnected per group), the bias's the head summed over all but
// the channels. A first-order pass keeps stock's kernel.
#include <optional>
#include <string>
#include <vector>

#include "operator/axes.h"
#include "operator/contrib/nn/deformable_im2col.h"
#include "operator/shape_text.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr Times(const Expr& a, const Expr& b) { return apply("broadcast_mul", {a, b}); }
Expr Plus(const Expr& a, const Expr& b) { return apply("broadcast_add", {a, b}); }
Expr Steps(const Expr& z, int axis) {
  return apply("_contrib_arange_like", {z}, {{"axis", std::to_string(axis)}});
}
// Sampling positions along one axis of the taps (N dg, kh kw, Ho, Wo): the tap's
// base (an exact whole number) plus its offset, as the stock kernel adds them.
Expr Positions(const Expr& moves, const Expr& taps, const Expr& tap_index, int axis, long stride,
               long pad, long dilate) {
  const Expr out = Steps(moves, axis) * (1.0 * stride) - 1.0 * pad;
  const Expr base = Plus(Reshape(tap_index * (1.0 * dilate), "(1, -1, 1, 1)"),
                         Reshape(out, axis == 3 ? "(1, 1, -1, 1)" : "(1, 1, 1, -1)"));
  return Plus(taps, base);
}

}  // namespace

DeformableShape DeformableShapeOf(const std::vector<long>& kernel, const std::vector<long>& stride,
                                  const std::vector<long>& dilate, const std::vector<long>& pad,
                                  long filters, long groups, long deformable_groups,
                                  bool modulated) {
  DeformableShape s;
  s.kernel_h = kernel.at(0);
  s.kernel_w = kernel.at(1);
  if (stride.size() == 2) s.stride_h = stride[0], s.stride_w = stride[1];
  if (dilate.size() == 2) s.dilate_h = dilate[0], s.dilate_w = dilate[1];
  if (pad.size() == 2) s.pad_h = pad[0], s.pad_w = pad[1];
  s.filters = filters;
  s.groups = groups;
  s.deformable_groups = deformable_groups;
  s.modulated = modulated;
  return s;
}

Expr DeformableConvolve(const Expr& data, const Expr& offset, const Expr* mask, const Expr& weight,
                        const Expr* bias, const DeformableShape& s) {
  const std::string dg = Text(s.deformable_groups), taps = Text(s.kernel_h * s.kernel_w);
  // offsets per deformable group (N dg, kh kw, 2, Ho, Wo)
  const Expr moves =
      Reshape(Reshape(offset, "(0, -4, " + dg + ", -1, -2)"), "(-3, -4, " + taps + ", 2, -2)");
  auto along = [&](int a) {
    return apply(
        "squeeze",
        {apply("slice_axis", {moves}, {{"axis", "2"}, {"begin", Text(a)}, {"end", Text(a + 1)}})},
        {{"axis", "2"}});
  };
  const Expr tap = Steps(moves, 1);  // k = i kw + j
  const Expr tap_i = floor(tap / (1.0 * s.kernel_w)), tap_j = tap - tap_i * (1.0 * s.kernel_w);
  const Expr h = Positions(moves, along(0), tap_i, 3, s.stride_h, s.pad_h, s.dilate_h);
  const Expr w = Positions(moves, along(1), tap_j, 4, s.stride_w, s.pad_w, s.dilate_w);
  const Expr last_h = LastIndex(data, 2), last_w = LastIndex(data, 3);
  const Expr h0 = floor(h), w0 = floor(w);
  std::vector<Expr> rows, columns, fh, fw;  // the neighbours and their weights
  std::optional<Expr> valid;
  if (s.modulated) {
    rows = {h0, h0 + 1.0};
    columns = {w0, w0 + 1.0};
    fh = {1.0 - (h - h0), h - h0};
    fw = {1.0 - (w - w0), w - w0};
  } else {
    valid = (h >= 0.0) * apply("broadcast_lesser", {h, last_h + 1.0}) * (w >= 0.0) *
            apply("broadcast_lesser", {w, last_w + 1.0});
    // the last row (column) is sampled with fraction 0
    const Expr lh = (h - h0) * apply("broadcast_lesser", {h0, last_h});
    const Expr lw = (w - w0) * apply("broadcast_lesser", {w0, last_w});
    rows = {h0, apply("broadcast_minimum", {h0 + 1.0, last_h})};
    columns = {w0, apply("broadcast_minimum", {w0 + 1.0, last_w})};
    fh = {1.0 - lh, lh};
    fw = {1.0 - lw, lw};
  }
  // data per deformable group, channels last (N dg, H, W, C / dg)
  const Expr pixels =
      apply("transpose", {Reshape(Reshape(data, "(0, -4, " + dg + ", -1, -2)"), "(-3, -2)")},
            {{"axes", "(0, 2, 3, 1)"}});
  const Expr batch = broadcast_like(Reshape(Steps(h, 0), "(-1, 1, 1, 1)"), h);
  std::optional<Expr> sum;
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 2; ++b) {
      const Expr inside = valid ? *valid : Within(rows[a], last_h) * Within(columns[b], last_w);
      const Expr index = apply("stack", {batch, rows[a] * inside, columns[b] * inside},
                               {{"axis", "0"}, {"num_args", "3"}});
      const Expr weight_ab = s.modulated ? fh[a] * fw[b] * inside : fh[a] * fw[b];
      const Expr term = Times(apply("gather_nd", {pixels, index}),
                              apply("expand_dims", {weight_ab}, {{"axis", "4"}}));
      sum = sum ? *sum + term : term;
    }
  }
  Expr samples = *sum;  // (N dg, K, Ho, Wo, C / dg)
  if (valid) samples = Times(samples, apply("expand_dims", {*valid}, {{"axis", "4"}}));
  if (mask) {
    const Expr m = Reshape(*mask, "(-1, " + taps + ", 0, 0)");  // (N dg, K, Ho, Wo)
    samples = Times(samples, apply("expand_dims", {m}, {{"axis", "4"}}));
  }
  // columns channels last (N, Ho, Wo, C kh kw), channel c tap k at c kh kw + k
  Expr cols = apply("transpose", {samples}, {{"axes", "(0, 2, 3, 4, 1)"}});
  cols = apply("transpose", {Reshape(cols, "(-4, -1, " + dg + ", -2)")},
               {{"axes", "(0, 2, 3, 1, 4, 5)"}});
  cols = Reshape(cols, "(0, 0, 0, -1)");
  // each group's product with its filters: FullyConnected, whose kernel (unlike
  // Convolution's) lets a gradient graph leave its output unread
  const Expr filters = Reshape(weight, "(0, -1)");
  const AttrList product = {
      {"num_hidden", Text(s.filters / s.groups)}, {"no_bias", "True"}, {"flatten", "False"}};
  Expr y = s.groups == 1 ? apply("FullyConnected", {cols, filters}, product) : cols;
  if (s.groups > 1) {
    const AttrList pieces = {{"indices", "()"}, {"sections", Text(s.groups)}, {"axis", "-1"}};
    const Expr parts = apply("_split_v2", {cols}, pieces);
    const Expr banks = apply("_split_v2", {filters}, with_attr(pieces, "axis", "0"));
    std::vector<Expr> outs;
    for (long g = 0; g < s.groups; ++g)
      outs.push_back(apply("FullyConnected", {output(parts, g), output(banks, g)}, product));
    y = apply("Concat", outs, {{"num_args", Text(s.groups)}, {"dim", "3"}});
  }
  y = apply("transpose", {y}, {{"axes", "(0, 3, 1, 2)"}});
  return bias ? Plus(y, Reshape(*bias, "(1, -1, 1, 1)")) : y;
}

Grads DeformableConvolutionGrads(const Backward& n, bool modulated) {
  const bool before = n.differentiated_before();  // (records the node: call it first)
  if (!composing() && !before) return n.stock();
  const DeformableShape s =
      DeformableShapeOf(n.ints("kernel"), n.ints("stride"), n.ints("dilate"), n.ints("pad"),
                        n.integer("num_filter", 1), n.integer("num_group", 1),
                        n.integer("num_deformable_group", 1), modulated);
  const Expr data = n.in(0), offset = n.in(1), weight = n.in(modulated ? 3 : 2);
  std::optional<Expr> mask;
  std::vector<Expr> wrt = {data, offset};
  if (modulated) {
    mask = n.in(2);
    wrt.push_back(*mask);
  }
  wrt.push_back(weight);
  Grads d = vjp(DeformableConvolve(data, offset, mask ? &*mask : nullptr, weight, nullptr, s), wrt,
                n.head(0));
  if (!n.flag("no_bias")) d.push_back(apply("sum", {n.head(0)}, {{"axis", "(0, 2, 3)"}}));
  return d;
}

// y = W * cols(data, offset) + b: (g_data, g_offset, g_weight, g_bias) = grad <g, y> through the
// op's forward-op form; g_bias = sum of g over all axes but 1 (stock kernel at first order)
MXNET_HO_GRADIENT(_contrib_DeformableConvolution).keeps_stock().set_rule([](const Backward& n) {
  return DeformableConvolutionGrads(n, false);
});

}  // namespace op
}  // namespace mxnet_ho
