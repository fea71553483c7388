// Gradient of the backward op of GridGenerator.
//
// Both transforms are affine in their input: `affine` maps theta (N, 6) to
// theta (N, 2, 3) times the fixed target points P (3, H*W), and `warp` maps a
// flow (N, 2, H, W) to (flow + pixel coordinates) / E - 1, E the half extent
// ((W - 1)/2, (H - 1)/2). _backward_GridGenerator is the adjoint of the linear
// part, applied to g: affine (g, P) -> g P^T, warp (g) -> g / E. Its gradient in
// g is that linear part at the head h; P (the forward's hidden output grid_dst)
// is a constant of target_shape and gets zero.
#include "operator/grid_generator.h"

#include <string>
#include <vector>

#include "operator/axes.h"
#include "operator/shape_text.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr Join(const std::vector<Expr>& parts, int axis) {
  return apply("Concat", parts, {{"num_args", std::to_string(parts.size())}, {"dim", Text(axis)}});
}

// The target shape (H, W) of a GridGenerator node.
std::vector<long> TargetShape(const Backward& n) {
  std::vector<long> shape = n.ints("target_shape");
  if (shape.size() != 2) shape = {0, 0};
  return shape;
}

}  // namespace

Expr TargetPoints(const Expr& like, long height, long width) {
  const Expr count =
      apply("tile", {apply("sum", {like})}, {{"reps", "(" + Text(height * width) + ",)"}});
  const Expr i = apply("_contrib_arange_like", {count});
  const Expr column = apply("_mod_scalar", {i}, {{"scalar", Text(width)}});
  const Expr row = apply("_div_scalar", {i - column}, {{"scalar", Text(width)}});
  const Expr x = column * (2.0 / (width - 1)) + -1.0, y = row * (2.0 / (height - 1)) + -1.0;
  return apply("stack", {x, y, ones_like(i)}, {{"axis", "0"}, {"num_args", "3"}});
}

Expr AffineGrid(const Expr& theta, const Expr& points, long height, long width) {
  const Expr rows = apply("dot", {apply("reshape", {theta}, {{"shape", "(-1, 3)"}}), points});
  return apply("reshape", {rows},
               {{"shape", "(-1, 2, " + Text(height) + ", " + Text(width) + ")"}});
}

Expr HalfExtent(const Expr& z) {
  const Expr extent = Join({LastIndex(z, 3), LastIndex(z, 2)}, 0) / 2.0;
  return apply("reshape", {extent}, {{"shape", "(1, 2, 1, 1)"}});
}

Expr WarpGrid(const Expr& flow) {
  const Expr columns = apply("reshape", {apply("_contrib_arange_like", {flow}, {{"axis", "3"}})},
                             {{"shape", "(1, 1, 1, -1)"}});
  const Expr rows = apply("reshape", {apply("_contrib_arange_like", {flow}, {{"axis", "2"}})},
                          {{"shape", "(1, 1, -1, 1)"}});
  const Expr moved = Join({apply("broadcast_add", {Channel(flow, 0), columns}),
                           apply("broadcast_add", {Channel(flow, 1), rows})},
                          1);
  return apply("broadcast_div", {moved, HalfExtent(flow)}) - 1.0;
}

// affine (g, P) -> g P^T: d/dg = h (N, 2, 3) times P, d/dP = 0; warp (g) -> g / E: d/dg = h / E
MXNET_HO_GRADIENT(_backward_GridGenerator).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0);
  if (n.attr("transform_type") == "warp") {
    return linear_adjoint(
        n, [&](const Expr& h) { return apply("broadcast_div", {h, HalfExtent(g)}); });
  }
  const std::vector<long> shape = TargetShape(n);
  Expr points = n.in(1);
  if (n.head_is_zero(0)) return {zeros_like(g), zeros_like(points)};
  return {AffineGrid(n.head(0), points, shape[0], shape[1]), zeros_like(points)};
});

}  // namespace op
}  // namespace mxnet_ho
