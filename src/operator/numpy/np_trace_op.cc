// Gradient of the backward op of np.trace. The forward op is linear, L; its backward
// op applies the adjoint L^T to g. The adjoint of L^T is L, so the gradient of
// the backward op is the forward op itself, with the same attributes, applied
// to the head.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g placed on the offset diagonal of zeros: d/dg = np.trace(h, offset, axis1, axis2)
MXNET_HO_GRADIENT(_backward_np_trace).set_rule([](const Backward& n) -> Grads {
  return {apply("_np_trace", {n.head(0)}, n.attrs({"offset", "axis1", "axis2"}))};
});

}  // namespace op
}  // namespace mxnet_ho
