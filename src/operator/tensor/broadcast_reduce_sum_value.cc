// Gradients of the backward ops of sum, mean and broadcasting.
// _backward_sum / _backward_mean broadcast the head gradient g back to the
// shape of the reduced input; _broadcast_backward sums g to the shape of the
// broadcast input. Each is linear in g, so its gradient is its adjoint.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kReduceAttrs = {"axis", "keepdims", "exclude"};

}  // namespace

// gx = broadcast(g) to x's shape: d/dg = sum(h) over the same axis/keepdims/exclude
MXNET_HO_GRADIENT(_backward_sum).set_rule([](const Backward& n) -> Grads {
  return {apply("sum", {n.head(0)}, n.attrs(kReduceAttrs))};
});

// gx = broadcast(g)/N: d/dg = mean(h) over the same axis/keepdims/exclude
MXNET_HO_GRADIENT(_backward_mean).set_rule([](const Backward& n) -> Grads {
  return {apply("mean", {n.head(0)}, n.attrs(kReduceAttrs))};
});

// gx = sum of g to x's shape: d/dg = broadcast_like(h, g)
MXNET_HO_GRADIENT(_broadcast_backward).set_rule([](const Backward& n) -> Grads {
  return {broadcast_like(n.head(0), n.in(0))};
});

}  // namespace op
}  // namespace mxnet_ho
