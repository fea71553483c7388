// Gradient of _backward_dot(g, a, b) = (ga, gb), the backward op of the
// bilinear y = dot(a, b) (any transpose_a / transpose_b, 1-D and N-D): with
// (ga, gb) the partial gradients of <g, dot(a, b)>,
//   <h_a, ga> + <h_b, gb> = <g, dot(h_a, b) + dot(a, h_b)>,
// so d/dg is that sum, and d/da, d/db are the partial gradients of
// <g, dot(a, h_b)> and <g, dot(h_a, b)>: stock's own dot gradient at other
// arguments, itself differentiable by this rule. (batch_dot's stock gradient is
// made of batch_dot nodes, differentiable already.)
#include "../grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kDotAttrs = {"transpose_a", "transpose_b", "forward_stype"};

}  // namespace

// d/dg = dot(h_a, b) + dot(a, h_b);  d/da = grad_a <g, dot(a, h_b)>;  d/db = grad_b <g, dot(h_a, b)>
MXNET_HO_GRADIENT(_backward_dot).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), a = n.in(1), b = n.in(2);
  Expr ha = n.head(0, a), hb = n.head(1, b);
  AttrList attrs = n.attrs(kDotAttrs);
  Expr ha_b = apply("dot", {ha, b}, attrs), a_hb = apply("dot", {a, hb}, attrs);
  return {ha_b + a_hb, stock_gradient_of(a_hb, {g}, 0), stock_gradient_of(ha_b, {g}, 1)};
});

}  // namespace op
}  // namespace mxnet_ho
