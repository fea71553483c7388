// Gradient of the backward op of Cast (alias cast).
//
// y = Cast(x, dtype); _backward_cast casts g (of y's dtype) back to x's dtype.
// Its adjoint casts the head h (of x's dtype) to y's dtype, the forward's
// `dtype` attribute, which the backward node carries.
//
// BlockGrad / stop_gradient need no rule: their gradient is a zero node at
// every order. _copy / identity have _copy as their gradient (a forward op).
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = cast(g to x's dtype): d/dg = Cast(h, dtype of y)
MXNET_HO_GRADIENT(_backward_cast).set_rule([](const Backward& n) -> Grads {
  return {apply("Cast", {n.head(0)}, n.attrs({"dtype"}))};
});

}  // namespace op
}  // namespace mxnet_ho
