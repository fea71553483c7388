// Gradient of the backward op of FullyConnected.
//
// _backward_FullyConnected takes (g, x, W) and returns (dx, dW[, db]):
//   dx = g·W (shaped like x),  dW = gᵀ·X,  db = Σ_rows g,
// where X is x seen as rows the way the forward op sees it (flatten=True: one
// row per sample; flatten=False: the last axis holds the features). A rule
// returns the gradient of <h_x, dx> + <h_W, dW> + <h_b, db>.
//
// All three are bilinear, so each derivative is again a FullyConnected
// product: d/dg is a forward FullyConnected, and d/dx, d/dW are the data and
// weight gradients of such a product at head g, which MXNet builds itself
// (tied to its forward node, so its shapes and `flatten` follow). This replaces
// the stock rule, whose _backward_backward_FullyConnected returns zeros for g.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// (dx, dW, db) = (g·W, gᵀ·X, Σ_rows g), bilinear in (x, W) plus the bias:
// d/dg = FC(h_x, W, h_b) + FC(x, h_W);  d/dx = g·h_W;  d/dW = gᵀ·H_x
Grads FullyConnectedGrad(const Backward& n) {
  Expr g = n.in(0), x = n.in(1), w = n.in(2);
  // FullyConnected(data, weight[, bias]) with the node's num_hidden and flatten;
  // h_b rides in the product by W.
  Bilinear dense;
  dense.product = [&](const Expr& data, const Expr& weight, const Expr* bias) {
    AttrList attrs = n.attrs({"num_hidden", "flatten"});
    attrs.emplace_back("no_bias", bias ? "False" : "True");
    if (bias) return apply("FullyConnected", {data, weight, *bias}, attrs);
    return apply("FullyConnected", {data, weight}, attrs);
  };
  dense.bias_with = 0;
  // Unused heads (dW and db do not have g's shape) drop their terms.
  const bool has_bias = !n.flag("no_bias");
  Expr hb = has_bias ? n.head(2, g) : g;
  BilinearGrads d = bilinear(dense, g, x, w, n.head(0, x), n.head(1, w), has_bias ? &hb : nullptr);
  return {d.dg, d.da, d.db};
}

}  // namespace

// (dx, dW, db) = (g·W, gᵀ·X, Σ_rows g): d/dg = FC(h_x, W, h_b) + FC(x, h_W);
// d/dx = g·h_W (x's shape); d/dW = gᵀ·H_x
MXNET_HO_GRADIENT(_backward_FullyConnected).set_rule(FullyConnectedGrad);

}  // namespace op
}  // namespace mxnet_ho
