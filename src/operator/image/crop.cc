// Gradient of the backward op of _image_crop(data; x, y, width, height), the
// window of rows y..y+height and columns x..x+width of an (H, W, C) or
// (N, H, W, C) image. _backward_image_crop takes (g) and places it at that
// window in zeros shaped like data: linear in g, so its gradient in g is the
// same crop of the head.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// g_data = g placed at the window of zeros like data: d/dg = crop(h_data) (the same window)
MXNET_HO_GRADIENT(_backward_image_crop).set_rule([](const Backward& n) {
  const AttrList window = n.attrs({"x", "y", "width", "height"});
  return linear_adjoint(n, [&](const Expr& h) { return apply("_image_crop", {h}, window); });
});

}  // namespace op
}  // namespace mxnet_ho
