// Gradient of the backward op of np.tril. The forward op is linear, L; its backward
// op applies the adjoint L^T to g. The adjoint of L^T is L, so the gradient of
// the backward op is the forward op itself, with the same attributes, applied
// to the head.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g with the entries above diagonal k zeroed (1-D x: its column sums): d/dg = np.tril(h, k)
MXNET_HO_GRADIENT(_backward_tril).set_rule([](const Backward& n) -> Grads {
  return {apply("_npi_tril", {n.head(0)}, n.attrs({"k"}))};
});

}  // namespace op
}  // namespace mxnet_ho
