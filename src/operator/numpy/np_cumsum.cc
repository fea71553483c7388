// Gradient of the backward op of np.cumsum. The forward op is linear, L; its backward
// op applies the adjoint L^T to g. The adjoint of L^T is L, so the gradient of
// the backward op is the forward op itself, with the same attributes, applied
// to the head.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = reverse cumulative sum of g along axis: d/dg = np.cumsum(h, axis, dtype)
MXNET_HO_GRADIENT(_backward_np_cumsum).set_rule([](const Backward& n) -> Grads {
  return {apply("_np_cumsum", {n.head(0)}, n.attrs({"axis", "dtype"}))};
});

}  // namespace op
}  // namespace mxnet_ho
