// Gradient of the backward op of _contrib_AdaptiveAvgPooling2D.
//
// Adaptive average pooling, y = P x, averages x (N, C, H, W) over a window of
// rows [floor(i H / h), ceil((i + 1) H / h)) and columns likewise for every
// output pixel (i, j) of the h x w output (output_size: one number for both,
// a pair, or none for 1 x 1). P is a fixed linear map of x, and
// _backward_contrib_AdaptiveAvgPooling2D takes only the head gradient g and
// returns gx = P^T g. The gradient of <h, P^T g> with respect to g is P h: the
// forward op, with the same output_size, applied to the head.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = P^T g, P the pooling: d/dg = AdaptiveAvgPooling2D(h, output_size)
MXNET_HO_GRADIENT(_backward_contrib_AdaptiveAvgPooling2D).set_rule([](const Backward& n) -> Grads {
  return linear_adjoint(n, [&](const Expr& h) {
    return apply("_contrib_AdaptiveAvgPooling2D", {h}, n.attrs({"output_size"}));
  });
});

}  // namespace op
}  // namespace mxnet_ho
