// Gradient of np.polyval's backward op: y = P(x) = sum_i p_i x^(N-1-i) for 1-D
// coefficients p (N of them), elementwise in x. Its backward op gives gp = V^T g
// (V_ji = x_j^(N-1-i), so <h_p, gp> = <g, polyval(h_p, x)>) and gx = g*P'(x),
// P' = polyval(p', x) with p' = roll((N-1-i)*p_i, 1) (the weights N-1-i are
// reverse(cumsum(ones_like(p))) - 1; the roll puts the last, 0, first). The gx
// part is differentiated by vjp of that formula; the gp part is <g, polyval(h_p, x)>, whose
// x-derivative is g*polyval(h_p', x) (not polyval's stock gradient: its kernel writes gx only where
// gp is asked for too, with gp's request).
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// The coefficients of P' for those of P, as N of them: (N-1-i)*p_i moved one
// place on (np.roll by 1; the last, 0, becomes a leading 0), so that a
// polynomial of one coefficient has the derivative [0], never an empty array.
Expr DerivativeCoefficients(const Expr& p) {
  Expr weights = apply("reverse", {apply("_np_cumsum", {ones_like(p)})}, {{"axis", "0"}}) - 1.0;
  return apply("_np_roll", {p * weights}, {{"shift", "1"}, {"axis", "0"}});
}

}  // namespace

// (gp, gx) = (V^T g, g*P'(x)), V_ji = x_j^(N-1-i): d/dg = polyval(h_p, x) + h_x*P'(x);
// d/dp = vjp of g*polyval(p', x) in p at h_x; d/dx = h_x*g*P''(x) + g*polyval(h_p', x)
MXNET_HO_GRADIENT(_npi_backward_polyval).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), p = n.in(1), x = n.in(2);
  Grads grads = {zeros_like(g), zeros_like(p), zeros_like(x)};
  if (!n.head_is_zero(1))
    grads = vjp(g * apply("_npi_polyval", {DerivativeCoefficients(p), x}), {g, p, x}, n.head(1, x));
  if (!n.head_is_zero(0)) {
    Expr hp = n.head(0, p);
    grads[0] = add_skipping_zeros(grads[0], apply("_npi_polyval", {hp, x}));
    grads[2] =
        add_skipping_zeros(grads[2], g * apply("_npi_polyval", {DerivativeCoefficients(hp), x}));
  }
  return grads;
});

// y = polyval(p, x): (gp, gx) = (V^T g, g*polyval(p', x)) (first order: stock's)
MXNET_HO_GRADIENT(_npi_polyval).keeps_stock().set_rule([](const Backward& n) -> Grads {
  if (!composing()) return n.stock();
  Expr p = n.in(0), x = n.in(1);
  return {n.stock()[0], n.head(0) * apply("_npi_polyval", {DerivativeCoefficients(p), x})};
});

}  // namespace op
}  // namespace mxnet_ho
