// Gradient of the backward op of where(cond, x, y).
//
// _backward_where(g, cond) = (g*[cond != 0], g*[cond == 0]) routes g to x or y;
// its adjoint routes the heads back the same way. The condition gets zero.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// (gx, gy) = (g*[cond != 0], g*[cond == 0]): d/dg = where(cond, h_x, h_y); d/dcond = 0
MXNET_HO_GRADIENT(_backward_where).set_rule([](const Backward& n) -> Grads {
  Expr cond = n.in(1);
  return {apply("where", {cond, n.head(0), n.head(1)}), zeros_like(cond)};
});

}  // namespace op
}  // namespace mxnet_ho
