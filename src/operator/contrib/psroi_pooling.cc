// Gradient of the backward op of PSROIPooling(data, rois).
//
// Each output bin averages one channel of data (chosen by the bin's position)
// over integer bins of each roi: for fixed rois a linear map, y = A data.
// _backward__contrib_PSROIPooling takes (g, rois) and returns (A^T g, 0) (stock
// treats rois as constants); its gradient in g is A at the head h_data. PSROIPooling
// itself is a stateful legacy op, so A is written with forward ops: each bin a
// row mask times a column mask (operator/roi_pooling.h), the channel picked with
// take, the average a masked sum over the bin's count.
#include "operator/contrib/psroi_pooling.h"

#include <string>

#include "operator/roi_pooling.h"
#include "operator/shape_text.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr Expand(const Expr& z, int axis) { return apply("expand_dims", {z}, {{"axis", Text(axis)}}); }

// The rows (axis 2) or columns (axis 3) of each bin: a roi from round(a1) s to
// (round(a2) + 1) s, at least 0.1 long, in `count` equal bins, each
// [floor(i b + start), ceil((i + 1) b + start)), b = length / count.
Expr AverageBins(const Expr& z, const Expr& rois, int axis, double scale, long count) {
  const int first = axis == 3 ? 1 : 2;  // x1 for columns, y1 for rows
  const Expr from = apply("round", {RoiColumn(rois, first)}) * scale;
  const Expr to = (apply("round", {RoiColumn(rois, first + 2)}) + 1.0) * scale;
  const Expr bin = apply("_maximum_scalar", {to - from}, {{"scalar", "0.1"}}) / (1.0 * count);
  const Expr i = Steps(rois, count);
  const Expr start = floor(apply("broadcast_add", {apply("broadcast_mul", {i, bin}), from}));
  const Expr end =
      apply("ceil", {apply("broadcast_add", {apply("broadcast_mul", {i + 1.0, bin}), from})});
  return BinMask(start, end, z, axis);
}

// The channel group of each bin along one side: clip(floor(i G / pooled), 0, G - 1) (pooled,).
Expr Groups(const Expr& like, const PsRoiShape& s) {
  const Expr i = apply("reshape", {Steps(like, s.pooled)}, {{"shape", "(-1,)"}});
  const Expr group = floor(i * (1.0 * s.group) / (1.0 * s.pooled));
  return apply("clip", {group}, {{"a_min", "0"}, {"a_max", Text(s.group - 1)}});
}

}  // namespace

Expr PsRoiAverage(const Expr& z, const Expr& rois, const PsRoiShape& s) {
  const Expr rows = AverageBins(z, rois, 2, s.spatial_scale, s.pooled);     // (R, P, H)
  const Expr columns = AverageBins(z, rois, 3, s.spatial_scale, s.pooled);  // (R, P, W)
  const Expr inside = apply("broadcast_mul", {Expand(Expand(Expand(rows, 1), 3), 5),
                                              Expand(Expand(Expand(columns, 1), 2), 4)});
  // each roi's sample (R, D, G, G, H, W), then each bin's channel (R, D, P, P, H, W)
  const Expr batch = apply("reshape", {RoiColumn(rois, 0)}, {{"shape", "(-1,)"}});
  Expr sample = apply("take", {z, batch});
  sample = apply("reshape", {sample}, {{"shape", "(0, -4, " + Text(s.output_dim) + ", -1, -2)"}});
  sample = apply("reshape", {sample}, {{"shape", "(0, 0, -4, " + Text(s.group) + ", -1, -2)"}});
  const Expr groups = Groups(rois, s);
  sample =
      apply("take", {apply("take", {sample, groups}, {{"axis", "2"}}), groups}, {{"axis", "3"}});
  const AttrList space = {{"axis", "(4, 5)"}};
  const Expr sum = apply("sum", {apply("broadcast_mul", {sample, inside})}, space);
  const Expr count = apply("_maximum_scalar", {apply("sum", {inside}, space)}, {{"scalar", "1"}});
  return apply("broadcast_div", {sum, count});
}

// (g_data, g_rois) = (A^T g, 0), A = PSROIPooling(., rois):
// d/dg = A h_data (masked bin averages of the bins' channels); d/drois = 0
MXNET_HO_GRADIENT(_backward__contrib_PSROIPooling).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), rois = n.in(1);
  if (n.head_is_zero(0)) return {zeros_like(g), zeros_like(rois)};
  PsRoiShape s;
  s.spatial_scale = single_precision(n.scalar("spatial_scale", 1.0));
  s.output_dim = n.integer("output_dim", 1);
  s.pooled = n.integer("pooled_size", 1);
  s.group = n.integer("group_size", 0);
  if (s.group == 0) s.group = s.pooled;
  return {PsRoiAverage(n.head(0), rois, s), zeros_like(rois)};
});

}  // namespace op
}  // namespace mxnet_ho
