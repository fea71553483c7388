// Gradients of L2Normalization and of its backward op.
//
// y = x / n with n = sqrt(Σ x^2 + eps) over each group of the mode (instance:
// all but axis 0; channel: axis 1; spatial: all but axes 0 and 1); n is the
// op's hidden second output, shaped (N), (N, spatial) or (N, C). The backward
// op gets (g, y, n) and returns gx = (g - y*Σ g*y)/n, i.e. J^T g with
// J = (I - y y^T)/n. Its gradient sends parts to y and to n; the stock gradient
// of the forward op drops the part for n, so the forward op's gradient is
// replaced to add it: dn/dx = x/n = y.
#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// Σ over each group of the mode, keeping dims: shaped (N, 1, ...),
// (N, 1, spatial...) or (N, C, 1, ...).
Expr GroupSum(const Backward& n, const Expr& t) {
  const AttrList mode = n.attrs({"mode"});
  const std::string m = mode.empty() ? "instance" : mode.front().second;
  if (m == "channel") return apply("sum", {t}, {{"axis", "1"}, {"keepdims", "True"}});
  const std::string axes = m == "spatial" ? "(0, 1)" : "0";
  return apply("sum", {t}, {{"axis", axes}, {"exclude", "True"}, {"keepdims", "True"}});
}

// A norm-shaped array laid out like GroupSum's result, to broadcast against y.
Expr Grouped(const Backward& n, const Expr& per_group, const Expr& y) {
  return apply("reshape_like", {per_group, GroupSum(n, y)});
}

}  // namespace

// dx = stock(g_y) + g_n*y (n = sqrt(Σx^2 + eps) is the hidden output, dn/dx = x/n = y; stock drops
// g_n)
MXNET_HO_GRADIENT(L2Normalization)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      Grads dx = n.stock();
      if (n.head_is_zero(1)) return dx;
      Expr y = n.out(0);
      return {dx[0] + Grouped(n, n.head(1), y) * y};
    });

// (g, y, n) -> gx = (g - y*S(g*y))/n, S the sum over each group of the mode:
// d/dg = (h - y*S(h*y))/n, d/dy = -(g*S(h*y) + h*S(g*y))/n, d/dn = -S(h*gx)/n
MXNET_HO_GRADIENT(_backward_L2Normalization)
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      Expr g = n.in(0), y = n.in(1), norm = n.in(2), h = n.head(0);
      Expr group_norm = Grouped(n, norm, y);
      Expr hy = GroupSum(n, h * y), gy = GroupSum(n, g * y);
      Expr gx = (g - y * gy) / group_norm;
      Expr dnorm = -GroupSum(n, h * gx) / group_norm;
      return {(h - y * hy) / group_norm, -(g * hy + h * gy) / group_norm,
              apply("reshape_like", {dnorm, norm})};
    });

}  // namespace op
}  // namespace mxnet_ho
