// The sampling grids of GridGenerator written with forward ops, shared by its
// rule, SpatialTransformer's gradient and the stateless twins
// (imperative/cached_op.cc). Grids are in BilinearSampler's convention: channel
// 0 is x, 1 is y, -1 and 1 the first and the last pixel.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// The target points of an affine grid (3, H*W), in the dtype of `like`: row 0 is
// each point's x, row 1 its y (row-major over the H x W target), row 2 ones.
Expr TargetPoints(const Expr& like, long height, long width);

// The affine grid theta (N, 6) makes: theta as (N, 2, 3) times the target points
// (from TargetPoints), (N, 2, H, W).
Expr AffineGrid(const Expr& theta, const Expr& points, long height, long width);

// The half extent ((W - 1)/2, (H - 1)/2) of z (N, 2, H, W) in pixels, (1, 2, 1, 1).
Expr HalfExtent(const Expr& z);

// The warp grid of a flow (N, 2, H, W) in pixels: (flow + each pixel's (x, y)) / HalfExtent - 1.
Expr WarpGrid(const Expr& flow);

}  // namespace op
}  // namespace mxnet_ho
