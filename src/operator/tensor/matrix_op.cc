// Gradients of the backward ops of shape manipulation: Reshape / expand_dims
// (_backward_reshape), squeeze, reverse (flip), tile, repeat, stack and split_v2.
//
// Each of these backward ops is a fixed linear map gx = A^T g of the head
// gradient g, where A is the forward op. The gradient of <h, A^T g> with
// respect to g is A h: the forward op itself, applied to the head h. transpose,
// SwapAxis, depth_to_space and space_to_depth already have forward ops as
// their gradients in stock MXNet.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = reshape(g) to x's shape (Reshape, expand_dims): d/dg = reshape_like(h, g)
MXNET_HO_GRADIENT(_backward_reshape).set_rule([](const Backward& n) -> Grads {
  return linear_adjoint(n, [&](const Expr& h) { return apply("reshape_like", {h, n.in(0)}); });
});

// gx = g with x's unit axes restored: d/dg = reshape_like(h, g)
MXNET_HO_GRADIENT(_backward_squeeze).set_rule([](const Backward& n) -> Grads {
  return linear_adjoint(n, [&](const Expr& h) { return apply("reshape_like", {h, n.in(0)}); });
});

// gx = reverse(g, axis): d/dg = reverse(h, axis)
MXNET_HO_GRADIENT(_backward_reverse).set_rule([](const Backward& n) -> Grads {
  return linear_adjoint(n, [&](const Expr& h) { return apply("reverse", {h}, n.attrs({"axis"})); });
});

// gx = sum of g over the tiles: d/dg = tile(h, reps)
MXNET_HO_GRADIENT(_backward_tile).set_rule([](const Backward& n) -> Grads {
  return linear_adjoint(n, [&](const Expr& h) { return apply("tile", {h}, n.attrs({"reps"})); });
});

// gx = sum of g over the repeats: d/dg = repeat(h, repeats, axis)
MXNET_HO_GRADIENT(_backward_repeat).set_rule([](const Backward& n) -> Grads {
  return linear_adjoint(
      n, [&](const Expr& h) { return apply("repeat", {h}, n.attrs({"repeats", "axis"})); });
});

// (gx_0..gx_{k-1}) = slices of g along axis:
// d/dg = stack(h_0..h_{k-1}, axis), unused outputs as zeros
MXNET_HO_GRADIENT(_backward_stack).set_rule([](const Backward& n) -> Grads {
  const long k = n.integer("num_args", 1);
  std::vector<Expr> heads;
  const Expr* shape = nullptr;  // a nonzero head: every x_i has its shape
  for (long i = 0; i < k; ++i) heads.push_back(n.head(i));
  for (const Expr& h : heads)
    if (!is_zeros(h)) shape = &h;
  if (shape == nullptr) return {zeros_like(n.in(0))};
  std::vector<Expr> parts;
  for (const Expr& h : heads) parts.push_back(is_zeros(h) ? zeros_like(*shape) : h);
  return {apply("stack", parts, n.attrs({"axis", "num_args"}))};
});

// gx = concat(g_0..g_{k-1}, axis): d/dg_i = split_v2(h, indices, axis, squeeze_axis)_i
MXNET_HO_GRADIENT(_split_v2_backward).set_rule([](const Backward& n) -> Grads {
  return split_adjoint(n, "_split_v2", n.attrs({"indices", "axis", "squeeze_axis", "sections"}));
});

}  // namespace op
}  // namespace mxnet_ho
