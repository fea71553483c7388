// Gradient of the backward op of diag.
//
// diag either builds a matrix from a vector (1-D input) or extracts a diagonal
// (N-D input); _backward_diag does the other one to g. Extraction and
// construction at the same (k, axis1, axis2) are adjoint to each other, so the
// gradient of the backward op is diag itself applied to the head.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = diag^T(g) (extract a diagonal of g, or embed g as one): d/dg = diag(h, k, axis1, axis2)
MXNET_HO_GRADIENT(_backward_diag).set_rule([](const Backward& n) -> Grads {
  return {apply("diag", {n.head(0)}, n.attrs({"k", "axis1", "axis2"}))};
});

}  // namespace op
}  // namespace mxnet_ho
