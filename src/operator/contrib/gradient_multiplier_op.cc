// Gradient of the backward op of _contrib_gradientmultiplier: the identity in
// the forward pass, its gradient scaled by the attribute `scalar` s. The
// backward op takes (g) and returns gx = s*g, linear in g.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = s*g: d/dg = s*h
MXNET_HO_GRADIENT(_contrib_backward_gradientmultiplier).set_rule([](const Backward& n) {
  const double s = n.scalar();
  return linear_adjoint(n, [s](const Expr& h) { return h * s; });
});

}  // namespace op
}  // namespace mxnet_ho
