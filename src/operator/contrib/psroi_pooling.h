// PSROIPooling written with forward ops: its rule's map (it is linear in data)
// and its stateless twin (imperative/cached_op.cc).
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// The position-sensitive pooling's attributes: output channels, bins per side,
// channel groups per side.
struct PsRoiShape {
  double spatial_scale;
  long output_dim, pooled, group;
};

// PSROIPooling(z, rois): bin (i, j) of output channel d the average of z's
// channel (d G + gh(i)) G + gw(j) over the bin (0 for an empty bin), gh(i) =
// floor(i G / pooled) (gw likewise), bins as the stock kernel makes them.
Expr PsRoiAverage(const Expr& z, const Expr& rois, const PsRoiShape& shape);

}  // namespace op
}  // namespace mxnet_ho
