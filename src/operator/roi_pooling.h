// Region-of-interest bins written with forward ops: ROIPooling's forward (the
// stateless twin in imperative/cached_op.cc) and PSROIPooling's rule.
//
// A roi's bins along one axis are integer intervals [start, end) of rows (or
// columns), computed from the roi's coordinates as the stock kernels compute
// them (round, floor, ceil, clipped to the data); a bin is then the 0/1 mask of
// the positions inside it, (R, bins, length), the product of a row and a column
// mask selecting a bin's pixels.
#pragma once

#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// Column k of rois (R, 5): [batch, x1, y1, x2, y2], as (R, 1).
Expr RoiColumn(const Expr& rois, int k);

// 0, 1, ..., count - 1 as (1, count), in the dtype of `like`.
Expr Steps(const Expr& like, long count);

// The masks (R, bins, L) of bins [start, end) (R, bins) over the positions 0..L-1
// of z along `axis`, the bounds first clipped to [0, L].
Expr BinMask(const Expr& start, const Expr& end, const Expr& z, int axis);

// ROIPooling(data, rois): each bin's largest entry of data (0 for an empty bin or a
// roi whose batch index lies outside data), bins as the stock kernel makes them.
Expr RoiMaxPooling(const Expr& data, const Expr& rois, double spatial_scale,
                   const std::vector<long>& pooled);

}  // namespace op
}  // namespace mxnet_ho
