// Deformable convolution written with forward ops: the math of
// DeformableConvolution and ModulatedDeformableConvolution (MXNet's
// contrib/nn/deformable_im2col.h and modulated_deformable_im2col.h), shared by
// their gradients and their stateless twins (imperative/cached_op.cc).
//
// Kernel tap k = (i, j) of output point (ho, wo) samples each channel of
// deformable group d at h = ho s_h - p_h + i dil_h + offset[d, 2k], w likewise
// (offset[d, 2k + 1]). The columns (N, C kh kw, Ho, Wo) are those samples
// (times mask[d, k] for the modulated op), and the output is a grouped 1x1
// convolution of the columns with the weight, plus the bias.
//
// The plain op samples only points with 0 <= h < H, 0 <= w < W (others are 0),
// bilinearly between the neighbours floor(h) and min(floor(h) + 1, H - 1) with
// fraction 0 on the last row (w likewise). The modulated op samples z padded
// with zeros: the neighbours floor(h) and floor(h) + 1, each 0 outside z. The
// neighbours (floor, indices, the masks) are constants of the offsets.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

struct DeformableShape {
  long kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  long dilate_h = 1, dilate_w = 1, filters = 1, groups = 1, deformable_groups = 1;
  bool modulated = false;  // zero-padded sampling, and a mask
};

// The shape from the op's tuples (kernel, stride, dilate, pad; empty ones their
// defaults) and counts.
DeformableShape DeformableShapeOf(const std::vector<long>& kernel, const std::vector<long>& stride,
                                  const std::vector<long>& dilate, const std::vector<long>& pad,
                                  long filters, long groups, long deformable_groups,
                                  bool modulated);

// The op's output at data (N, C, H, W), offset (N, dg 2 kh kw, Ho, Wo), mask
// (N, dg kh kw, Ho, Wo; null for the plain op), weight (F, C / groups, kh, kw)
// and bias (F,; null for none).
Expr DeformableConvolve(const Expr& data, const Expr& offset, const Expr* mask, const Expr& weight,
                        const Expr* bias, const DeformableShape& shape);

// The gradients of a (Modulated)DeformableConvolution node: stock's at first
// order, else the vjp of DeformableConvolve at its inputs (data, offset[, mask],
// weight) and, with a bias, g summed over all axes but the channel.
Grads DeformableConvolutionGrads(const Backward& n, bool modulated);

}  // namespace op
}  // namespace mxnet_ho
