// Gradient of the backward op of ROIAlign(data, rois).
//
// ROIAlign averages bilinear samples of data within each bin of each roi: for
// fixed rois it is linear in data, y = A data, and _backward_ROIAlign takes
// (g, rois) and returns (A^T g, 0): stock's gradient treats rois as constants.
// The gradient of <h_data, A^T g> in g is A h_data, a forward ROIAlign of the
// head with the same rois and attributes; rois get zero.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// (g_data, g_rois) = (A^T g, 0), A = ROIAlign(., rois): d/dg = ROIAlign(h_data, rois); d/drois = 0
MXNET_HO_GRADIENT(_backward_ROIAlign).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), rois = n.in(1);
  if (n.head_is_zero(0)) return {zeros_like(g), zeros_like(rois)};
  const AttrList attrs =
      n.attrs({"pooled_size", "spatial_scale", "sample_ratio", "position_sensitive", "aligned"});
  return {apply("_contrib_ROIAlign", {n.head(0), rois}, attrs), zeros_like(rois)};
});

}  // namespace op
}  // namespace mxnet_ho
