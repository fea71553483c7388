// Gradient of _backward_Dropout. When Dropout drops (training mode, or
// mode='always', with p > 0) it draws a mask m, already scaled by 1/(1-p) and
// shaped like x with the `axes` reduced to 1, and returns it as its second
// output: y = x*m. The backward op takes (g, m) and returns gx = g*m, linear in
// g with the same mask at every order. The mask is a random constant: its own
// gradient is zero (the forward op discards it anyway).
//
// Otherwise (predict mode, or p = 0) Dropout is the identity and never writes
// its mask output, which then holds whatever the memory held: gx = g, and the
// rule must not read m. The node's attributes do not record the mode it ran
// in, so the rule selects by the run-time mode of the gradient graph
// (run_mode.h), as the stock kernels of BatchNorm do: a forward and its
// gradients are taken in one mode (autograd.record(train_mode=...) and
// grad/backward(train_mode=...) alike; mxnet_ho.functional's train_mode).
#include "dsl/grad_dsl.h"
#include "operator/nn/run_mode.h"

namespace mxnet_ho {
namespace op {

namespace {

// g times what Dropout multiplied its input by: the mask m where it dropped, 1
// in predict mode (where m was never written) or with p = 0
Expr Dropped(const Backward& n, const Expr& g, const Expr& mask) {
  if (n.scalar("p", 0.5) <= 0) return g;
  if (n.attr("mode", "training") == "always") return g * mask;
  // (1, .., 1), then m's shape: 1 in predict mode
  Expr corner = apply("sum", {mask}, {{"keepdims", "True"}});
  Expr predict = apply("reshape_like",
                       {PredictMode(apply("reshape", {corner}, {{"shape", "(-1,)"}})), corner});
  // a select, not arithmetic: the unwritten m may hold NaN or infinities
  return g * apply("where", {broadcast_like(predict, mask), ones_like(mask), mask});
}

}  // namespace

// gx = g*m: d/dg = h*m; d/dm = 0 (a random constant)
MXNET_HO_GRADIENT(_backward_Dropout).broadcasting().set_rule([](const Backward& n) -> Grads {
  return {Dropped(n, n.head(0), n.in(1)), zeros_like(n.in(1))};
});

// Stock's backward kernel multiplies by m in the
// first backward after a forward only, then passes g through (its op state), so
// under create_graph, and in any later pass through this node, gx is built from
// forward ops instead; a first-order pass keeps stock's kernel. Where only m got
// a gradient (a constant: none flows on), stock's kernel makes gx's zeros: the
// node keeps m, not x, so zeros like x cannot be built from x.

// y = x*m: gx = g*m (stock kernel at first order; forward ops under create_graph and after)
MXNET_HO_GRADIENT(Dropout).broadcasting().keeps_stock().runs_on_zero_heads().set_rule(
    [](const Backward& n) -> Grads {
      const bool before = n.differentiated_before();
      if ((!creating_graph() && !before) || n.head_is_zero(0)) return n.stock();
      return {Dropped(n, n.head(0), n.out(1))};
    });

}  // namespace op
}  // namespace mxnet_ho
