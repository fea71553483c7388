// Bilinear sampling written with forward ops: the math of BilinearSampler, shared
// by its rule, SpatialTransformer's gradient and their stateless twins
// (imperative/cached_op.cc).
//
// S(z, grid) samples z (N, C, H, W) at the points of grid (N, 2, Ho, Wo): channel
// 0 is x, 1 is y, -1 and 1 the first and the last pixel. At pixel coordinates
// (x, y) = ((grid + 1) (W - 1, H - 1) / 2), with x0 = floor(x), fx = x - x0 (y
// likewise), S is the sum over the four neighbours (x0 + b, y0 + a), a, b in
// {0, 1}, of z there (0 outside z) times wy_a wx_b, wx = (1 - fx, fx). The
// neighbours (floor, indices, the outside mask) are constants of the grid;
// S is linear in z and bilinear in (fx, fy) between them.
#pragma once

#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

class BilinearSampling {
 public:
  using Weights = std::vector<Expr>;  // one per neighbour along an axis
  // The sampling of arrays shaped like `data` (N, C, H, W) at `grid` (N, 2, Ho, Wo).
  BilinearSampling(const Expr& data, const Expr& grid);
  // S(z, grid) (N, C, Ho, Wo).
  Expr sample(const Expr& z) const;
  // d/dt S(z, grid + t d): the neighbours of S(z) with the weights' derivatives
  // along d (N, 2, Ho, Wo).
  Expr along_grid(const Expr& z, const Expr& d) const;

 private:
  // sum over the neighbours k = 2a + b of z there (0 outside) times weights[k].
  Expr mix(const Expr& z, const std::vector<Expr>& weights) const;

  Expr last_x_, last_y_;      // W - 1, H - 1 (1,)
  Weights wx_, wy_;           // (1 - fx, fx), (1 - fy, fy), (N, 1, Ho, Wo)
  std::vector<Expr> index_;   // each neighbour's (sample, row, column) (3, N, Ho, Wo)
  std::vector<Expr> inside_;  // whether it lies in z (N, 1, Ho, Wo)
};

}  // namespace op
}  // namespace mxnet_ho
