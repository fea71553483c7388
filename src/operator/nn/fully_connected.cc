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
#include "../grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

bool Flag(const Backward& n, const std::string& key) {
  AttrList found = n.attrs({key});
  if (found.empty()) return false;
  const std::string& v = found.front().second;
  return v == "True" || v == "true" || v == "1";
}

// FullyConnected(data, weight[, bias]) with the node's num_hidden and flatten.
AttrList DenseAttrs(const Backward& n, bool bias) {
  AttrList attrs = n.attrs({"num_hidden", "flatten"});
  attrs.emplace_back("no_bias", bias ? "False" : "True");
  return attrs;
}
Expr Dense(const Backward& n, const Expr& data, const Expr& weight) {
  return apply("FullyConnected", {data, weight}, DenseAttrs(n, false));
}
Expr Dense(const Backward& n, const Expr& data, const Expr& weight, const Expr& bias) {
  return apply("FullyConnected", {data, weight, bias}, DenseAttrs(n, true));
}

// Input `i`'s gradient of the product `dense` at head g: i = 0 gives g·weight
// (shaped like data), i = 1 gives gᵀ·data.
Expr DenseGrad(const Expr& dense, const Expr& g, size_t i) {
  return stock_gradient_of(dense, {g}, i);
}

// (dx, dW, db) = (g·W, gᵀ·X, Σ_rows g):
// d/dg = FC(h_x, W, h_b) + FC(x, h_W);  d/dx = g·h_W;  d/dW = gᵀ·H_x
Grads FullyConnectedGrad(const Backward& n) {
  Expr g = n.in(0), x = n.in(1), w = n.in(2);
  // Unused heads (dW and db do not have g's shape) drop their terms.
  const bool use_hx = !n.head_is_zero(0), use_hw = !n.head_is_zero(1);
  const bool use_hb = !Flag(n, "no_bias") && !n.head_is_zero(2);

  std::vector<Expr> dg_terms;
  Expr dx = zeros_like(x), dw = zeros_like(w);
  if (use_hx || use_hb) {
    Expr data = n.head(0, x);
    Expr by_w = use_hb ? Dense(n, data, w, n.head(2)) : Dense(n, data, w);
    dg_terms.push_back(by_w);
    if (use_hx) dw = DenseGrad(by_w, g, 1);
  }
  if (use_hw) {
    Expr by_x = Dense(n, x, n.head(1));
    dg_terms.push_back(by_x);
    dx = DenseGrad(by_x, g, 0);
  }
  Expr dg = dg_terms.empty() ? zeros_like(g)
            : dg_terms.size() == 1 ? dg_terms[0] : dg_terms[0] + dg_terms[1];
  return {dg, dx, dw};
}

}  // namespace

// d/dg = FC(h_x, W, h_b) + FC(x, h_W);  d/dx = g·h_W;  d/dW = gᵀ·H_x
MXNET_HO_GRADIENT(_backward_FullyConnected).set_rule(FullyConnectedGrad);

}  // namespace op
}  // namespace mxnet_ho
