// Gradients of LeakyReLU and of its backward op.
//
// _backward_LeakyReLU takes the head gradients, then the forward inputs, then
// the forward outputs (ElemwiseGradUseInOut):
//   leaky, elu, selu, gelu:  (g, x, y)             -> gx
//   prelu:                   (g, x, gamma, y)      -> (gx, dgamma)
//   rrelu:                   (g, g_mask, x, y, mask) -> gx
// Each rule is the derivative of what the stock CPU kernel computes, which
// reads f' from y (leaky, elu, selu), from x (prelu, gelu), or, for rrelu, from
// (x, y) as the kernel actually indexes them. Two of those first-order kernels
// are not f' for x <= 0 (see patches/nn_activation.toml). selu's computes
// lambda*(alpha + y) where f' = y + lambda*alpha: LeakyReLU's own gradient is
// replaced for act_type=selu, so selu never reaches that kernel. rrelu's uses
// y instead of the slope; it is left as it is (the rule differentiates it).
#include <stdexcept>

#include "dsl/grad_dsl.h"
#include "operator/elemwise_slopes.h"

namespace mxnet_ho {
namespace op {
namespace {

// The kernels hold slope, lambda and alpha as single-precision floats.
const double kSeluLambda = single_precision(1.0507009873554804934193349852946);
const double kSeluAlpha = single_precision(1.6732632423543772848170429916717);
const double kSqrt2 = 1.4142135623730950488016887242097;
const double kInvSqrt2Pi = 0.39894228040143267793994605993438;

std::string ActType(const Backward& n) { return n.attr("act_type", "leaky"); }

const AttrList kPReLU = {{"act_type", "prelu"}};

// q*(x > 0 ? 1 : a), a broadcast over x the way PReLU broadcasts gamma: the
// data gradient of LeakyReLU(x, a, prelu) at head q.
Expr PReLUScale(const Expr& q, const Expr& x, const Expr& a) {
  Expr node = apply("LeakyReLU", {x, a}, kPReLU);
  return stock_gradient_of(node, {q}, 0);
}

// Σ q*[x <= 0] reduced to a's shape the way PReLU reduces gamma's gradient:
// with m = -[x <= 0] (never positive), the gamma gradient of
// LeakyReLU(m, a, prelu) at head q is Σ q*m.
Expr PReLUReduce(const Expr& q, const Expr& x, const Expr& a) {
  Expr node = apply("LeakyReLU", {-(x <= 0.0), a}, kPReLU);
  return -stock_gradient_of(node, {q}, 1);
}

// (gx, dgamma) = (g*(x>0 ? 1 : gamma), Σ g*x*[x<=0]):
// d/dg = h_x*(x>0 ? 1 : gamma) + h_gamma*x*[x<=0];  d/dx = h_gamma*g*[x<=0];
// d/dgamma = Σ h_x*g*[x<=0];  d/dy = 0
Grads PReLUGrad(const Backward& n) {
  Expr g = n.in(0), x = n.in(1), gamma = n.in(2), y = n.in(3);
  Expr hx = n.head(0);
  Expr dg = PReLUScale(hx, x, gamma);
  Expr dx = zeros_like(x);
  if (!n.head_is_zero(1)) {
    Expr hgamma = n.head(1);
    dg = dg + PReLUScale(x * (x <= 0.0), x, hgamma);
    dx = PReLUScale(g * (x <= 0.0), x, hgamma);
  }
  return {dg, dx, PReLUReduce(hx * g, x, gamma), zeros_like(y)};
}

// Standard normal density and distribution function.
Expr NormalPdf(const Expr& x) { return kInvSqrt2Pi * exp(-0.5 * square(x)); }
Expr NormalCdf(const Expr& x) { return 0.5 * (1.0 + erf(x / kSqrt2)); }

Grads LeakyReLUGrad(const Backward& n) {
  const std::string act = ActType(n);
  if (act == "prelu") return PReLUGrad(n);
  Expr h = n.head(0), g = n.in(0);
  if (act == "rrelu") {
    // gx = g*(x>0 ? 1 : y):  d/dg = h*(x>0 ? 1 : y);  d/dy = h*g*[x<=0]
    Expr x = n.in(2), y = n.in(3), neg = x <= 0.0;
    return {h * ((x > 0.0) + y * neg), zeros_like(g), zeros_like(x), h * g * neg, zeros_like(g)};
  }
  Expr x = n.in(1), y = n.in(2);
  // leaky: gx = g*(y>0 ? 1 : s) is linear and diagonal in g, so d/dg = h*(y>0 ? 1 : s) is the
  // same kernel at h (one fused pass, not three; LeakyReLU recomputed on x where the node has no
  // forward node to tie to); d/dy = 0
  if (act == "leaky") {
    const std::optional<Expr> same = n.same_kernel({h}, 2, "LeakyReLU");
    const Expr dg =
        same ? *same : stock_gradient("LeakyReLU", {x}, {h}, 0, n.attrs({"act_type", "slope"}));
    return {dg, zeros_like(x), zeros_like(y)};
  }
  Expr pos = y > 0.0, neg = y <= 0.0;
  const double slope = single_precision(n.scalar("slope", 0.25));
  // elu, at y (input 2):  d = y>0 ? 1 : y+s;  d' = [y<=0]
  if (act == "elu") return SlopeGrads(n, 2, Of(pos + (y + slope) * neg, neg));
  // selu, at y:  d = lambda*(y>0 ? 1 : alpha+y);  d' = lambda*[y<=0]
  if (act == "selu")
    return SlopeGrads(n, 2, Of(kSeluLambda * (pos + (y + kSeluAlpha) * neg), kSeluLambda * neg));
  // gelu, at x (input 1):  d = Phi(x) + x*phi(x);  d' = phi(x)*(2 - x^2)
  if (act == "gelu") {
    Expr pdf = NormalPdf(x);
    return SlopeGrads(n, 1, Of(NormalCdf(x) + x * pdf, pdf * (2.0 - square(x))));
  }
  throw std::runtime_error("_backward_LeakyReLU: no rule for act_type " + act);
}

// selu(x) = lambda*(x > 0 ? x : alpha*(e^x - 1)), so selu'(x) = y > 0 ? lambda :
// y + lambda*alpha; every other act_type keeps the stock gradient.
Grads LeakyReLUForwardGrad(const Backward& n) {
  if (ActType(n) != "selu") return n.stock();
  Expr y = n.out(0);
  return {n.head(0) * (kSeluLambda * (y > 0.0) + (y + kSeluLambda * kSeluAlpha) * (y <= 0.0))};
}

}  // namespace

// selu only (other act_types keep the stock gradient): d/dx = g*(y>0 ? lambda : y + lambda*alpha)
MXNET_HO_GRADIENT(LeakyReLU).keeps_stock().set_rule(LeakyReLUForwardGrad);

// leaky (g,x,y): d/dg = h*(y>0 ? 1 : s); elu: d/dg = h*(y>0 ? 1 : y+s), d/dy = h*g*[y<=0];
// selu (stock kernel lambda*(y>0 ? 1 : alpha+y)): d/dg = h*that, d/dy = h*g*lambda*[y<=0]; gelu:
// d/dg = h*(Phi(x) + x*phi(x)), d/dx = h*g*phi(x)*(2 - x^2);
// prelu (g,x,gamma,y) -> (g*(x>0 ? 1 : gamma), Σ g*x*[x<=0]): d/dg = h_x*(x>0 ? 1 : gamma) +
// h_gamma*x*[x<=0], d/dx = h_gamma*g*[x<=0], d/dgamma = Σ h_x*g*[x<=0];
// rrelu (g,g_mask,x,y,mask), stock kernel g*(x>0 ? 1 : y):
// d/dg = h*(x>0 ? 1 : y), d/dy = h*g*[x<=0]
MXNET_HO_GRADIENT(_backward_LeakyReLU).set_rule(LeakyReLUGrad);

}  // namespace op
}  // namespace mxnet_ho
