// Gradient of the backward op of SwapAxis (swapaxes).
//
// _backward_SwapAxis takes the head gradient g and swaps the same two axes
// back. Swapping is its own inverse and adjoint: the gradient of
// <h, swapaxes(g)> with respect to g is swapaxes(h). SwapAxis itself is a
// stateful (legacy) operator, which MXNet cannot run inside a recorded
// backward pass, so the swap is written as moveaxis((d1, d2) -> (d2, d1)).
#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// `a` with axes d1 and d2 swapped.
Expr SwapAxes(const Expr& a, const std::string& d1, const std::string& d2) {
  if (d1 == d2) return apply("_copy", {a});
  return apply("_np_moveaxis", {a},
               {{"source", "(" + d1 + "," + d2 + ")"}, {"destination", "(" + d2 + "," + d1 + ")"}});
}

}  // namespace

// gx = swapaxes(g, dim1, dim2): d/dg = _np_moveaxis(h, (dim1, dim2) -> (dim2, dim1))
MXNET_HO_GRADIENT(_backward_SwapAxis).set_rule([](const Backward& n) -> Grads {
  const std::string d1 = std::to_string(n.integer("dim1", 0));
  const std::string d2 = std::to_string(n.integer("dim2", 0));
  return linear_adjoint(n, [&](const Expr& h) { return SwapAxes(h, d1, d2); });
});

}  // namespace op
}  // namespace mxnet_ho
