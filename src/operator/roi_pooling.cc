// Gradient of the backward op of ROIPooling(data, rois).
//
// Each output bin is the largest entry of data within the bin; the forward op
// keeps the position of that entry (its flat index into data, -1 for an empty
// bin) as its hidden output maxidx. _backward_ROIPooling takes (g, rois,
// maxidx) and sends each g to data at its maxidx: g_data = A^T g with A h = h
// at maxidx, a selection that is locally constant in data. Its gradient in g is
// A at the head (h_data at each bin's maxidx, 0 for an empty bin); rois and
// maxidx get zero, as stock's gradient gives rois.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// g_data = g sent to data at maxidx: d/dg = h_data at maxidx (0 where maxidx = -1);
// d/drois = d/dmaxidx = 0
MXNET_HO_GRADIENT(_backward_ROIPooling).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), rois = n.in(1), maxidx = n.in(2);
  if (n.head_is_zero(0)) return {zeros_like(g), zeros_like(rois), zeros_like(maxidx)};
  const Expr picked = apply("take", {apply("reshape", {n.head(0)}, {{"shape", "(-1,)"}}), maxidx});
  const Expr selected = apply("where", {maxidx >= 0.0, picked, zeros_like(picked)});
  return {selected, zeros_like(rois), zeros_like(maxidx)};
});

}  // namespace op
}  // namespace mxnet_ho
