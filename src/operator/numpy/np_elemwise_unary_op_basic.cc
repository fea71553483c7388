// Gradient of the backward op of np.nan_to_num (_npi_nan_to_num). The forward
// op replaces NaN and infinities by constants and keeps finite x; the backward
// op takes (g, x) and returns gx = g*[x finite], a mask of x that has no
// derivative of its own ([x - x = 0]: NaN for NaN and infinities).
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g*[x finite]: d/dg = h*[x finite] ([x - x = 0]); d/dx = 0
MXNET_HO_GRADIENT(_npi_backward_nan_to_num).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  Expr finite = apply("_equal_scalar", {x - x}, {{"scalar", "0"}});
  return {n.head(0) * finite, zeros_like(x)};
});

}  // namespace op
}  // namespace mxnet_ho
