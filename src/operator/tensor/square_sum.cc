// Gradient of the backward op of _square_sum, y = Σ x^2 over `axis` (with
// `keepdims` and `exclude` as sum's). The backward op takes (g, x), g shaped
// like y, and returns gx = 2*x*g, g broadcast back over the summed axes.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = 2*x*g (g broadcast over the axes): d/dg = Σ 2*x*h (the same axes); d/dx = 2*h*g
MXNET_HO_GRADIENT(_backward_square_sum).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0, x);
  const AttrList axes = n.attrs({"axis", "keepdims", "exclude"});
  return {apply("sum", {h * x * 2.0}, axes), h * unreduce(g, x, axes) * 2.0};
});

}  // namespace op
}  // namespace mxnet_ho
