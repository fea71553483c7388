// Gradient of the backward op of BilinearSampler(data, grid).
//
// y = S(data, grid) (operator/bilinear_sampler.h) is linear in data and, between
// the kinks where a point crosses a pixel, smooth in grid. _backward_BilinearSampler
// takes (g, data, tmp, grid), tmp the forward's hidden output (unused on CPU), and
// returns (g_data, g_grid), the gradient of <g, S(data, grid)>. Then
//   <h_data, g_data> + <h_grid, g_grid> = <g, T>,
//   T = S(h_data, grid) + D_grid S(data, grid)[h_grid],
// the derivative of S along (h_data, h_grid): d/dg = T, and d/ddata, d/dgrid are
// the gradients of <g, T>, which vjp takes through T's forward ops (the
// neighbours' indices are constants there, so the kinks carry no term).
#include "operator/bilinear_sampler.h"

#include <optional>
#include <string>
#include <vector>

#include "operator/axes.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr Times(const Expr& a, const Expr& b) { return apply("broadcast_mul", {a, b}); }

// (u + 1) (L - 1) / 2: a normalized coordinate u in pixels, L the length.
Expr Pixels(const Expr& u, const Expr& last) { return Times(u + 1.0, last) / 2.0; }

}  // namespace

BilinearSampling::BilinearSampling(const Expr& data, const Expr& grid)
    : last_x_(LastIndex(data, 3)), last_y_(LastIndex(data, 2)) {
  const Expr x = Pixels(Channel(grid, 0), last_x_), y = Pixels(Channel(grid, 1), last_y_);
  const Expr x0 = floor(x), y0 = floor(y), fx = x - x0, fy = y - y0;
  wx_ = {1.0 - fx, fx};
  wy_ = {1.0 - fy, fy};
  const Expr batch =
      broadcast_like(apply("reshape", {apply("_contrib_arange_like", {grid}, {{"axis", "0"}})},
                           {{"shape", "(-1, 1, 1, 1)"}}),
                     x);
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 2; ++b) {
      const Expr row = y0 + a, column = x0 + b;
      const Expr inside = Within(row, last_y_) * Within(column, last_x_);
      // outside z: the index of its first pixel, masked out
      index_.push_back(apply("squeeze",
                             {apply("stack", {batch, row * inside, column * inside},
                                    {{"axis", "0"}, {"num_args", "3"}})},
                             {{"axis", "2"}}));
      inside_.push_back(inside);
    }
  }
}

Expr BilinearSampling::mix(const Expr& z, const std::vector<Expr>& weights) const {
  const Expr pixels = apply("transpose", {z}, {{"axes", "(0, 2, 3, 1)"}});  // (N, H, W, C)
  std::optional<Expr> sum;
  for (size_t k = 0; k < weights.size(); ++k) {
    const Expr values =
        apply("transpose", {apply("gather_nd", {pixels, index_[k]})}, {{"axes", "(0, 3, 1, 2)"}});
    const Expr term = Times(values, inside_[k] * weights[k]);
    sum = sum ? *sum + term : term;
  }
  return *sum;
}

Expr BilinearSampling::sample(const Expr& z) const {
  return mix(z, {wy_[0] * wx_[0], wy_[0] * wx_[1], wy_[1] * wx_[0], wy_[1] * wx_[1]});
}

Expr BilinearSampling::along_grid(const Expr& z, const Expr& d) const {
  const Expr dx = Times(Channel(d, 0), last_x_) / 2.0, dy = Times(Channel(d, 1), last_y_) / 2.0;
  const Weights dwx = {-dx, dx}, dwy = {-dy, dy};
  std::vector<Expr> weights;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b) weights.push_back(dwy[a] * wx_[b] + wy_[a] * dwx[b]);
  return mix(z, weights);
}

// (g_data, g_grid) = grad <g, S(data, grid)>: T = S(h_data, grid) + D_grid S(data, grid)[h_grid]:
// d/dg = T; (d/ddata, d/dgrid) = grad <g, T> (the neighbours constant); d/dtmp = 0
MXNET_HO_GRADIENT(_backward_BilinearSampler).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), data = n.in(1), tmp = n.in(2), grid = n.in(3);
  const BilinearSampling s(data, grid);
  std::optional<Expr> t;
  std::vector<Expr> xs = {data, grid};
  if (!n.head_is_zero(0)) {
    t = s.sample(n.head(0));
    xs.push_back(n.head(0));
  }
  if (!n.head_is_zero(1)) {
    const Expr along = s.along_grid(data, n.head(1));
    t = t ? *t + along : along;
    xs.push_back(n.head(1));
  }
  // the heads listed too, so that vjp does not differentiate through them into
  // data (a head computed from data, as exp's gradient is)
  const Grads d = vjp(*t, xs, g);
  return {*t, d[0], zeros_like(tmp), d[1]};
});

}  // namespace op
}  // namespace mxnet_ho
