// Gradient of the backward op of ROIPooling(data, rois).
//
// Each output bin is the largest entry of data within the bin; the forward op
// keeps the position of that entry (its flat index into data, -1 for an empty
// bin) as its hidden output maxidx. _backward_ROIPooling takes (g, rois,
// maxidx) and sends each g to data at its maxidx: g_data = A^T g with A h = h
// at maxidx, a selection that is locally constant in data. Its gradient in g is
// A at the head (h_data at each bin's maxidx, 0 for an empty bin); rois and
// maxidx get zero, as stock's gradient gives rois.
#include "operator/roi_pooling.h"

#include <string>

#include "operator/axes.h"
#include "operator/shape_text.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr Expand(const Expr& z, int axis) { return apply("expand_dims", {z}, {{"axis", Text(axis)}}); }

// The rows (axis 2) or columns (axis 3) of each of ROIPooling's bins: a roi from
// round(a1 s) to round(a2 s), at least one pixel, in `count` equal bins, each
// [floor(i b), ceil((i + 1) b)) from the roi's start, b = length / count.
Expr MaxPoolingBins(const Expr& data, const Expr& rois, int axis, double scale, long count) {
  const int first = axis == 3 ? 1 : 2;  // x1 for columns, y1 for rows
  const Expr from = apply("round", {RoiColumn(rois, first) * scale});
  const Expr to = apply("round", {RoiColumn(rois, first + 2) * scale});
  const Expr bin = apply("_maximum_scalar", {to - from + 1.0}, {{"scalar", "1"}}) / (1.0 * count);
  const Expr i = Steps(rois, count);
  const Expr start = apply("broadcast_add", {floor(apply("broadcast_mul", {i, bin})), from});
  const Expr end =
      apply("broadcast_add", {apply("ceil", {apply("broadcast_mul", {i + 1.0, bin})}), from});
  return BinMask(start, end, data, axis);
}

}  // namespace

Expr RoiColumn(const Expr& rois, int k) {
  return apply("slice_axis", {rois}, {{"axis", "1"}, {"begin", Text(k)}, {"end", Text(k + 1)}});
}

Expr Steps(const Expr& like, long count) {
  const Expr copies = apply("tile", {apply("sum", {like})}, {{"reps", "(" + Text(count) + ",)"}});
  return Reshape(apply("_contrib_arange_like", {copies}), "(1, -1)");
}

Expr BinMask(const Expr& start, const Expr& end, const Expr& z, int axis) {
  const Expr length = AxisLength(z, axis);
  auto clip = [&](const Expr& bound) {
    return apply("broadcast_minimum",
                 {apply("_maximum_scalar", {bound}, {{"scalar", "0"}}), length});
  };
  const Expr positions =
      Reshape(apply("_contrib_arange_like", {z}, {{"axis", Text(axis)}}), "(1, 1, -1)");
  const Expr from = apply("expand_dims", {clip(start)}, {{"axis", "2"}});
  const Expr to = apply("expand_dims", {clip(end)}, {{"axis", "2"}});
  return apply("broadcast_greater_equal", {positions, from}) *
         apply("broadcast_lesser", {positions, to});
}

Expr RoiMaxPooling(const Expr& data, const Expr& rois, double spatial_scale,
                   const std::vector<long>& pooled) {
  const Expr batch = RoiColumn(rois, 0);
  const Expr valid = (batch >= 0.0) * apply("broadcast_lesser", {batch, AxisLength(data, 0)});
  const Expr rows = MaxPoolingBins(data, rois, 2, spatial_scale, pooled.at(0));     // (R, ph, H)
  const Expr columns = MaxPoolingBins(data, rois, 3, spatial_scale, pooled.at(1));  // (R, pw, W)
  const Expr inside = apply("broadcast_mul", {Expand(Expand(Expand(rows, 1), 3), 5),
                                              Expand(Expand(Expand(columns, 1), 2), 4)});
  // each roi's sample (R, C, 1, 1, H, W), lowered far below its values outside the bin
  const Expr sample = apply("take", {data, Reshape(batch, "(-1,)")});
  const Expr lowered =
      apply("broadcast_add", {Expand(Expand(sample, 2), 2), (inside - 1.0) * 1e30});
  const AttrList space = {{"axis", "(4, 5)"}};
  const Expr nonempty = apply("max", {inside}, space);
  const Expr largest = apply("max", {lowered}, space);
  const Expr kept = apply("broadcast_mul", {nonempty, Reshape(valid, "(-1, 1, 1, 1)")});
  return apply("broadcast_mul", {largest, kept});
}

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
