// Gradient of the backward op of _contrib_quadratic, y = a*x^2 + b*x + c
// (a, b, c float attributes, held in single precision). The backward op takes
// (g, x) and returns gx = g*(2a*x + b).
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g*(2a*x + b): d/dg = h*(2a*x + b); d/dx = 2a*h*g
MXNET_HO_GRADIENT(_contrib_backward_quadratic).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  const double a2 = 2.0 * single_precision(n.scalar("a", 0.0));
  const double b = single_precision(n.scalar("b", 0.0));
  return {h * (x * a2 + b), h * g * a2};
});

}  // namespace op
}  // namespace mxnet_ho
