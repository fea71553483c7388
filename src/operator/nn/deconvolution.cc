// Gradients of _backward_Deconvolution: y = deconv(x, w) + b (the transposed
// convolution), bilinear in (x, w), so the rule is BilinearLayerGrad
// (bilinear_layer.h) with Deconvolution products. The data and weight parts
// are MXNet's gradients of forward Deconvolution nodes (a plain Convolution
// would need num_filter = channels of x, which a rule cannot know); those
// nodes keep adj and target_shape, so their outputs have y's shape.
#include "operator/nn/bilinear_layer.h"

namespace mxnet_ho {
namespace op {
namespace {

// Every attribute of Deconvolution except no_bias.
const std::vector<std::string> kDeconvKeys = {
    "kernel",     "stride",    "dilate",    "pad",        "adj",       "target_shape",
    "num_filter", "num_group", "workspace", "cudnn_tune", "cudnn_off", "layout"};

}  // namespace

// (dx, dw, db) = (Jx(w)^T g, Jw(x)^T g, sum g), y = deconv(x, w) + b:
// d/dg = deconv(hx, w) + deconv(x, hw) + hb; d/dx = Jx(hw)^T g; d/dw = Jw(hx)^T g; d/db = 0
MXNET_HO_GRADIENT(_backward_Deconvolution).set_rule([](const Backward& n) -> Grads {
  return BilinearLayerGrad(n, "Deconvolution", kDeconvKeys);
});

}  // namespace op
}  // namespace mxnet_ho
