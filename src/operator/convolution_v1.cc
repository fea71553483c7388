// Gradient of _backward_Convolution_v1, the legacy 2-D convolution.
//
// Convolution_v1 computes Convolution's y = conv(x, w) + b (the same attributes),
// so its backward op has Convolution's rule (nn/bilinear_layer.h), with the
// products taken by Convolution. Its node reads only (g, x, w), the bias being
// no input of it, and returns (dx, dw[, db]).
#include "operator/nn/bilinear_layer.h"

namespace mxnet_ho {
namespace op {

// (dx, dw, db) = (Jx(w)^T g, Jw(x)^T g, sum g), y = conv(x, w) + b: d/dg = conv(hx, w) + conv(x,
// hw) + hb; d/dx = Jx(hw)^T g; d/dw = Jw(hx)^T g (inputs g, x, w)
MXNET_HO_GRADIENT(_backward_Convolution_v1).set_rule([](const Backward& n) -> Grads {
  return BilinearLayerGrad(n, "Convolution", ConvolutionKeys(), !n.flag("no_bias"), false);
});

}  // namespace op
}  // namespace mxnet_ho
