// Gradients of the backward ops of np.diagonal and np.diagflat. Both forward
// ops are linear, L, and their backward ops apply the adjoint L^T to g; the
// adjoint of L^T is L, so the gradient of each backward op is the forward op,
// with the same attributes, applied to the head.
#include "../grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g written onto the offset diagonal of zeros:  d/dg = np.diagonal(h; offset, axis1, axis2)
MXNET_HO_GRADIENT(_backward_np_diagonal).set_rule([](const Backward& n) -> Grads {
  return {apply("_np_diagonal", {n.head(0)}, n.attrs({"offset", "axis1", "axis2"}))};
});

// gx = the k-th diagonal of g, reshaped to x's shape:  d/dg = np.diagflat(h; k)
MXNET_HO_GRADIENT(_backward_np_diagflat).set_rule([](const Backward& n) -> Grads {
  return {apply("_np_diagflat", {n.head(0)}, n.attrs({"k"}))};
});

}  // namespace op
}  // namespace mxnet_ho
