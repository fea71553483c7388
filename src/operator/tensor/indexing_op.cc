// Gradients of the backward ops of gathering by index: take and pick.
//
// Each backward op scatter-adds the head gradient g into zeros of the data's
// shape at the (clipped or wrapped) indices; it is linear in g, and its adjoint
// gathers the incoming head h at the same indices with the same mode. Indices
// get zero gradients.
//
// _scatter_set_nd (lhs with the positions at indices set to rhs) has no
// FGradient in stock MXNet; its rule is on the forward op.
//
// gather_nd / scatter_nd need no rule here: _backward_gather_nd's stock
// gradient is gather_nd, a forward op, so their chain already closes.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// (ga, gidx) = (scatter-add of g at idx along axis, 0), idx clipped or wrapped by mode:
// d/dg = take(h_a, idx, axis, mode); d/didx = 0
MXNET_HO_GRADIENT(_backward_take).set_rule([](const Backward& n) -> Grads {
  Expr idx = n.in(1);
  return {apply("take", {n.head(0), idx}, n.attrs({"axis", "mode"})), zeros_like(idx)};
});

// gx = scatter-add of g at idx along axis: d/dg = pick(h, idx, axis, keepdims, mode); d/didx = 0
MXNET_HO_GRADIENT(_backward_pick).set_rule([](const Backward& n) -> Grads {
  Expr idx = n.in(1);
  return {apply("pick", {n.head(0), idx}, n.attrs({"axis", "keepdims", "mode"})), zeros_like(idx)};
});

// y = lhs with the positions at idx set to rhs:
// d/dlhs = h*[scatter_nd(ones_like(rhs), idx) < 1/2] (h zeroed where written);
// d/drhs = gather_nd(h, idx); d/didx = 0 (a position written twice keeps one write, unspecified
// which: d/dlhs stays exact, d/drhs gives h there to every rhs entry written to it, where the
// derivative of the write kept gives it to one)
MXNET_HO_GRADIENT(_scatter_set_nd).set_rule([](const Backward& n) -> Grads {
  Expr h = n.head(0), rhs = n.in(1), idx = n.in(2);
  // _scatter_set_nd itself cannot stand in a gradient: its kernel requires its
  // output to be its lhs's memory, which no node of a gradient graph is given.
  Expr written = apply("scatter_nd", {ones_like(rhs), idx}, n.attrs({"shape"}));
  return {h * (written < 0.5), apply("gather_nd", {h, idx}), zeros_like(idx)};
});

}  // namespace op
}  // namespace mxnet_ho
