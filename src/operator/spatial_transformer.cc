// Gradient of SpatialTransformer(data, loc) (affine, bilinear).
//
// y = S(data, G(loc)): the affine grid G(loc) = loc (N, 2, 3) times the target
// points P (GridGenerator's), sampled bilinearly (BilinearSampler's S). The
// forward op keeps P and the grid G(loc) as hidden outputs grid_dst and grid_src,
// and stock's backward kernel writes the grid's gradient over grid_src, so a rule
// on _backward_SpatialTransformer would read a clobbered grid. The forward op's
// own gradient is replaced instead (under create_graph, and in any later pass
// through a node differentiated so): with (g_data, g_grid) = grad <g, S(data,
// grid)> at grid = grid_src, g_loc = (g_grid + h_src) P^T, h_src the head of
// grid_src (where a higher-order pass sends what flows into the grid). A
// first-order pass keeps stock's kernel.
#include <string>
#include <vector>

#include "operator/bilinear_sampler.h"
#include "operator/shape_text.h"

namespace mxnet_ho {
namespace op {
namespace {

// The grid grid_src (N, 2, H*W) as BilinearSampler's (N, 2, H, W).
Expr SamplingGrid(const Expr& grid_src, const std::vector<long>& target) {
  return apply("reshape", {grid_src},
               {{"shape", "(0, 2, " + Text(target.at(0)) + ", " + Text(target.at(1)) + ")"}});
}

// g_loc = g_grid P^T (N, 6), g_grid (N, 2, H*W), P the target points (3, H*W).
Expr LocGradient(const Expr& g_grid, const Expr& points) {
  const Expr rows = apply("reshape", {g_grid}, {{"shape", "(-3, -1)"}});
  const Expr g_loc = apply("dot", {rows, points}, {{"transpose_b", "True"}});
  return apply("reshape", {g_loc}, {{"shape", "(-1, 6)"}});
}

}  // namespace

// y = S(data, grid), grid = loc P (P: the target points, grid_dst; grid: grid_src): (g_data,
// g_grid) = grad <g, S(data, grid)>, g_loc = (g_grid + h_grid_src) P^T (stock kernel at first
// order)
MXNET_HO_GRADIENT(SpatialTransformer).keeps_stock().set_rule([](const Backward& n) -> Grads {
  const bool before = n.differentiated_before();
  if (!creating_graph() && !before) return n.stock();
  Expr data = n.in(0), points = n.out(1), grid_src = n.out(2);
  const Expr grid = SamplingGrid(grid_src, n.ints("target_shape"));
  Expr g_data = zeros_like(data), g_grid = zeros_like(grid_src);
  if (!n.head_is_zero(0)) {
    const Grads d = vjp(BilinearSampling(data, grid).sample(data), {data, grid}, n.head(0));
    g_data = d[0];
    g_grid = apply("reshape_like", {d[1], grid_src});
  }
  if (!n.head_is_zero(2)) g_grid = add_skipping_zeros(g_grid, n.head(2));
  return {g_data, LocGradient(g_grid, points)};
});

}  // namespace op
}  // namespace mxnet_ho
