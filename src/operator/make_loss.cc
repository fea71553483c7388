// Gradient of the backward op of MakeLoss, a loss layer whose gradient ignores
// the head: gx = grad_scale/v, v = 1 (normalization 'null'), the batch size
// ('batch') or the count of y > valid_thresh ('valid', then reading y). It is
// constant where it is differentiable: every derivative of it is zero.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = grad_scale/v (v = 1, batch size, or count of y > valid_thresh; reads y for 'valid'):
// d/dy = 0
MXNET_HO_GRADIENT(_backward_MakeLoss).set_rule([](const Backward& n) -> Grads {
  Grads grads;
  for (const Expr& input : n.inputs()) grads.push_back(zeros_like(input));
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
