// DeformablePSROIPooling written with forward ops: its gradient's form and its
// stateless twin (imperative/cached_op.cc).
#pragma once

#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

struct DeformablePsRoiShape {
  double spatial_scale = 1, trans_std = 0;
  long output_dim = 1, group = 1, pooled = 1, part = 1, samples = 1;
};

// (output, top_count) of DeformablePSROIPooling(data, rois[, trans]) (trans null
// for no_trans): bin (i, j) of output channel d of each roi the average of the
// bilinear samples, at S x S points of the bin moved by trans (times trans_std
// and the roi's size), of data's channel (d G + gh) G + gw; points more than
// half a pixel outside data are left out (count: how many are not), the others
// clamped to data (a clamped point's neighbours coincide: no derivative in
// trans there, in stock's kernel too).
std::vector<Expr> DeformablePsRoiPool(const Expr& data, const Expr& rois, const Expr* trans,
                                      const DeformablePsRoiShape& shape);

}  // namespace op
}  // namespace mxnet_ho
