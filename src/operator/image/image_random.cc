// Gradient of the backward op of _image_normalize(data; mean, std), per channel
// c of a (C, H, W) or (N, C, H, W) image (x - mean_c) / std_c.
// _backward_image_normalize takes (g, data) and returns g / std_c: linear in g
// and diagonal, so its gradient in g is the head divided the same way, which is
// _image_normalize of the head with mean 0 and the node's std; data, read for
// its shape only, gets zero. (The random augmentations and adjust_lighting take
// stock's gradient, a _copy of the head, differentiable as it is.)
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// g_data = g/std_c: d/dg = h/std_c (_image_normalize(h, mean=0, std)); d/ddata = 0
MXNET_HO_GRADIENT(_backward_image_normalize).set_rule([](const Backward& n) {
  const AttrList scale = with_attr(n.attrs({"std"}), "mean", "(0.0,)");
  return linear_adjoint(n, [&](const Expr& h) { return apply("_image_normalize", {h}, scale); });
});

}  // namespace op
}  // namespace mxnet_ho
