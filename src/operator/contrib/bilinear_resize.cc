// Gradient of the backward op of _contrib_BilinearResize2D.
//
// y = R x resizes each plane of x (N, C, H, W) by bilinear interpolation to a
// size set by the mode (height and width, or scales; odd_scale; the spatial
// size of a second input, mode like; the nearest even or odd size) with or
// without aligned corners. For a given input size R is a fixed linear map, and
// _backward_contrib_BilinearResize2D takes the head gradient g only and
// returns gx = R^T g (and, in mode like, a zero gradient for the second
// input). The gradient of <h, R^T g> with respect to g is R h: the forward op
// at the head, with the same attributes; h has x's shape, so every mode sizes
// it as it sized x, and in mode like g itself has the size to resize to.
#include <string>
#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kResizeKeys = {"height",      "width", "scale_height",
                                              "scale_width", "mode",  "align_corners"};

}  // namespace

// gx = R^T g (mode like: and 0 for like), R the resize: d/dg = BilinearResize2D(h) with the same
// attributes (mode like: resized like g)
MXNET_HO_GRADIENT(_backward_contrib_BilinearResize2D).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0);
  Grads grads;
  if (n.head_is_zero(0)) {
    grads.push_back(zeros_like(g));
  } else {
    std::vector<Expr> inputs = {n.head(0)};
    if (n.attr("mode") == "like") inputs.push_back(g);
    grads.push_back(apply("_contrib_BilinearResize2D", inputs, n.attrs(kResizeKeys)));
  }
  for (size_t i = 1; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
