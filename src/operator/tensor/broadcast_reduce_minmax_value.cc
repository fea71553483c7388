// Gradients of the backward ops of max and min (and their aliases max_axis,
// min_axis). _backward_max(g, x, y) = B(g) * [x == B(y)], where B broadcasts a
// reduced array back to x's shape: as in the stock kernel, every element equal
// to the extremum receives the gradient, ties included. The mask is piecewise
// constant, so only the derivative in g survives.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kReduceAttrs = {"axis", "keepdims", "exclude"};
const std::vector<std::string> kAxes = {"axis", "exclude"};

// [x == B(y)]: the elements that attain the extremum. y is recomputed with
// keepdims (the same kernel, so the same value) to compare by broadcasting;
// the comparison passes no gradient.
Expr attains(const char* extremum, const Expr& x, AttrList attrs) {
  attrs.emplace_back("keepdims", "1");
  return apply("broadcast_equal", {x, apply(extremum, {x}, attrs)});
}

// gx = B(g)*[x == B(y)]:  d/dg = sum(h*[x == B(y)]);  d/dx = d/dy = 0
Grads ExtremumGrad(const char* extremum, const Backward& n) {
  Expr x = n.in(1), h = n.head(0, x);
  Expr mask = attains(extremum, x, n.attrs(kAxes));
  return {apply("sum", {h * mask}, n.attrs(kReduceAttrs)), zeros_like(x), zeros_like(n.in(2))};
}

}  // namespace

// gx = B(g)*[x == B(y)] (every tied maximum gets g, as in the stock kernel):
// d/dg = sum(h*[x == B(y)]) over the reduced axes; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_max).set_rule([](const Backward& n) { return ExtremumGrad("max", n); });
// gx = B(g)*[x == B(y)] (every tied minimum gets g, as in the stock kernel):
// d/dg = sum(h*[x == B(y)]) over the reduced axes; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_min).set_rule([](const Backward& n) { return ExtremumGrad("min", n); });

}  // namespace op
}  // namespace mxnet_ho
