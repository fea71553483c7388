// Gradients of the backward ops of amp_cast and amp_multicast, the casts of
// automatic mixed precision (between float16, bfloat16 and float32; other
// types pass unchanged). _backward_amp_cast takes (g), g of the cast type, and
// casts it back to x's type; _backward_amp_multicast takes (g_0, ..., g_{n-1}),
// all of the common type, and casts each back to its input's type. Both are
// linear in g: their adjoint casts the heads (of the inputs' types) forward
// again, with the node's own attributes.
#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = cast(g, type of x): d/dg = amp_cast(h, dtype)
MXNET_HO_GRADIENT(_backward_amp_cast).set_rule([](const Backward& n) {
  return linear_adjoint(n,
                        [&n](const Expr& h) { return apply("amp_cast", {h}, n.attrs({"dtype"})); });
});

// gx_i = cast(g_i, type of x_i): d/dg_i = amp_multicast(h_0, ..., h_{n-1})_i (the heads are of the
// inputs' types, which give the common type again)
MXNET_HO_GRADIENT(_backward_amp_multicast).set_rule([](const Backward& n) -> Grads {
  // a zero head stands in as zeros of g_i, already of the common type
  std::vector<Expr> heads;
  for (size_t i = 0; i < n.num_inputs(); ++i) heads.push_back(n.head(i, n.in(i)));
  Expr cast = apply("amp_multicast", heads, n.attrs({"num_outputs", "cast_narrow"}));
  Grads grads;
  for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(output(cast, i));
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
