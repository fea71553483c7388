// Gradient of _backward_Dropout. In training (or mode='always') Dropout draws a
// mask m, already scaled by 1/(1-p) and broadcast along `axes`, and returns it
// as its second output: y = x*m. The backward op takes (g, m) and returns
// gx = g*m, linear in g with the same mask at every order. The mask is a random
// constant: its own gradient is zero (the forward op discards it anyway).
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g*m:  d/dg = h*m;  d/dm = 0
MXNET_HO_GRADIENT(_backward_Dropout).broadcasting().set_rule([](const Backward& n) -> Grads {
  Expr mask = n.in(1);
  return {n.head(0) * mask, zeros_like(mask)};
});

}  // namespace op
}  // namespace mxnet_ho
