// Gradient of the backward op of Crop(data[, crop_like]).
//
// Crop takes a window of data's height and width (h_w, or crop_like's; at
// offset, or centred): a fixed selection. _backward_Crop takes g only and returns
// (g placed in zeros shaped like data at the window[, 0 for crop_like]), linear
// in g: its gradient in g is the same window of the head h_data. The window's
// start along each axis is an index tensor (offset, or half the difference of
// the lengths, from arange_like), so no shape is read in the rule.
#include "operator/crop.h"

#include <string>

#include "operator/axes.h"

namespace mxnet_ho {
namespace op {
namespace {

// z's entries start..start + n - 1 along `axis`, n the length of `like` there.
Expr TakeWindow(const Expr& z, const Expr& like, int axis, const CropStart& start, long offset) {
  const std::string a = std::to_string(axis);
  const Expr steps = apply("_contrib_arange_like", {like}, {{"axis", a}});
  const Expr index =
      start.center ? apply("broadcast_add",
                           {steps, floor((AxisLength(z, axis) - AxisLength(like, axis)) / 2.0)})
                   : steps + offset;
  return apply("take", {z, index}, {{"axis", a}});
}

}  // namespace

Expr CropTo(const Expr& z, const Expr& like, const CropStart& start) {
  return TakeWindow(TakeWindow(z, like, 2, start, start.offset.at(0)), like, 3, start,
                    start.offset.at(1));
}

// (g_data[, g_crop_like]) = (g placed at the window of zeros like data[, 0]):
// d/dg = the same window of h_data
MXNET_HO_GRADIENT(_backward_Crop).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0);
  if (n.head_is_zero(0)) return {zeros_like(g)};
  CropStart start;
  start.center = n.flag("center_crop");
  const std::vector<long> offset = n.ints("offset");
  if (offset.size() == 2) start.offset = offset;
  return {CropTo(n.head(0), g, start)};
});

}  // namespace op
}  // namespace mxnet_ho
