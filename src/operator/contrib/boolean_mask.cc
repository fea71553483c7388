// Gradient of the backward op of boolean_mask(data, mask, axis): the slices of
// data along axis where mask is nonzero. The backward op (g, data, mask) ->
// (g_data, g_mask) scatters g back to those positions (zeros elsewhere); it is
// linear in g, and its adjoint takes the same slices of the head. boolean_mask
// itself cannot stand in a recorded gradient graph (its output's shape is known
// only once it has run), so the slices are taken at the positions of the
// mask's nonzeros, computed with static shapes.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// The positions of mask's nonzeros in order, as many as g has along axis: the
// first of the positions sorted by (mask == 0) + i/n (i the position, n the length).
Expr NonzeroPositions(const Expr& mask, const Expr& g, const std::string& axis) {
  const Expr m = apply("Cast", {mask}, {{"dtype", "float64"}});
  const Expr i = apply("_contrib_arange_like", {m});
  const Expr order = apply("_equal_scalar", {m}, {{"scalar", "0"}}) +
                     apply("broadcast_div", {i, apply("sum", {ones_like(m)})});
  const Expr sorted = apply("argsort", {order}, {{"axis", "0"}, {"dtype", "float64"}});
  return apply("slice_like", {sorted, apply("_contrib_arange_like", {g}, {{"axis", axis}})},
               {{"axes", "(0,)"}});
}

}  // namespace

// (g_data, g_mask) = (g scattered to the slices where mask != 0, 0): d/dg = take(h_data,
// positions of mask's nonzeros, axis); d/ddata = d/dmask = 0
MXNET_HO_GRADIENT(_backward_contrib_boolean_mask).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), data = n.in(1), mask = n.in(2);
  const std::string axis = n.attr("axis", "0");
  return {apply("take", {n.head(0, data), NonzeroPositions(mask, g, axis)}, {{"axis", axis}}),
          zeros_like(data), zeros_like(mask)};
});

}  // namespace op
}  // namespace mxnet_ho
