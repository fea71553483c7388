// Gradients of _backward_norm(g, x, y), y = norm(x, ord, axis, keepdims), B
// broadcasting a reduced array back to x's shape:
//   ord=1: gx = B(g)*sign(x)      (sign is piecewise constant)
//   ord=2: gx = B(g)*x/B(y)
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kNormAxes = {"axis", "keepdims"};

Expr sum(const Expr& x, const AttrList& attrs) { return apply("sum", {x}, attrs); }

}  // namespace

// ord=1: gx = B(g)*sign(x): d/dg = sum(h*sign(x)), d/dx = d/dy = 0; ord=2: gx = B(g)*x/B(y):
// d/dg = sum(h*x/B(y)), d/dx = h*B(g)/B(y), d/dy = -sum(h*B(g)*x/B(y)^2)
MXNET_HO_GRADIENT(_backward_norm).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1), h = n.head(0, x);
  AttrList attrs = n.attrs(kNormAxes);
  if (n.scalar("ord", 2.0) == 1.0)
    return {sum(h * sign(x), attrs), zeros_like(x), zeros_like(n.in(2))};
  Expr g = unreduce(n.in(0), x, attrs), y = unreduce(n.in(2), x, attrs);
  Expr h_g_over_y = h * g / y;
  return {sum(h * x / y, attrs), h_g_over_y, -sum(h_g_over_y * x / y, attrs)};
});

}  // namespace op
}  // namespace mxnet_ho
