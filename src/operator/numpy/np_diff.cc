// Gradient of the backward op of np.diff. The forward op is linear, L; its backward
// op applies the adjoint L^T to g. The adjoint of L^T is L, so the gradient of
// the backward op is the forward op itself, with the same attributes, applied
// to the head.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = the adjoint of the n-th difference along axis: d/dg = np.diff(h, n, axis)
MXNET_HO_GRADIENT(_backward_npi_diff).set_rule([](const Backward& n) -> Grads {
  return {apply("_npi_diff", {n.head(0)}, n.attrs({"n", "axis"}))};
});

}  // namespace op
}  // namespace mxnet_ho
