// Gradients of the backward ops of max and min (and their aliases max_axis,
// min_axis). _backward_max(g, x, y) = B(g) * [x == B(y)], where B broadcasts a
// reduced array back to x's shape: as in the stock kernel, every element equal
// to the extremum receives the gradient, ties included. The mask is piecewise
// constant, so only the derivative in g survives.
#include "dsl/grad_dsl.h"
#include "operator/tensor/broadcast_reduce_op.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kReduceAttrs = {"axis", "keepdims", "exclude"};
const std::vector<std::string> kAxes = {"axis", "exclude"};

// max/min's rule: y recomputed with the same axis and exclude.
Grads MaxMinGrad(const char* extremum, const Backward& n) {
  return ExtremumGrad(n, extremum, n.attrs(kAxes), "sum", n.attrs(kReduceAttrs));
}

}  // namespace

// gx = B(g)*[x == B(y)] (every tied maximum gets g, as in the stock kernel):
// d/dg = sum(h*[x == B(y)]) over the reduced axes; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_max).set_rule([](const Backward& n) { return MaxMinGrad("max", n); });
// gx = B(g)*[x == B(y)] (every tied minimum gets g, as in the stock kernel):
// d/dg = sum(h*[x == B(y)]) over the reduced axes; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_min).set_rule([](const Backward& n) { return MaxMinGrad("min", n); });

}  // namespace op
}  // namespace mxnet_ho
