// Gradients of the backward ops of unary elementwise functions (MXNet's
// elemwise_unary_op_{basic,logexp,pow,trig}.cc).
//
// Every backward op here but _backward_copy takes (g, u) and returns
// gx = g * d(u), where u is the forward input x (ElemwiseGradUseIn) or the
// forward output y = f(x) (ElemwiseGradUseOut: relu, sigmoid, erfinv, sqrt,
// cbrt, tan, tanh): the rule shape of operator/elemwise_slopes.h, so each rule
// below is the pair (d, d'), written as a formula of forward ops; none divides
// by g. The slopes Activation shares (relu, sigmoid, tanh, softsign) are
// named there.
//
// Constants follow the stock kernels, which take pi in single precision.
#include <cmath>

#include "dsl/grad_dsl.h"
#include "operator/elemwise_slopes.h"

namespace mxnet_ho {
namespace op {
namespace {

// pi as the stock kernels hold it (mshadow_op::PI is a float).
const float kStockPi = 3.14159265358979323846;
// sqrt(pi) as erf_grad / erfinv_grad compute it, in single precision.
const float kStockSqrtPi = std::sqrt(kStockPi);

// Trigamma psi'(x) as forward ops: the recurrence
// psi'(x) = sum_{k<N} 1/(x+k)^2 + psi'(x+N), then the asymptotic series at
// z = x+N >= N-|x|: 1/z + 1/(2z^2) + sum_k B_2k / z^(2k+1).
// Relative error below 1e-12 for x > -1; for x < -1 (away from the poles) it
// grows slowly as z nears 0, e.g. ~1e-10 at x = -5.
Expr trigamma(const Expr& x) {
  const int kShift = 10;
  Expr sum = 1.0 / square(x);
  for (int k = 1; k < kShift; ++k) sum = sum + 1.0 / square(x + k);
  Expr z = x + kShift, w = 1.0 / z, w2 = square(w);
  // sum_k B_2k w^(2k): B2..B12 = 1/6, -1/30, 1/42, -1/30, 5/66, -691/2730, by Horner in w^2
  const double bernoulli[] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730};
  Expr series = w2 * bernoulli[5];
  for (int k = 4; k >= 0; --k) series = (series + bernoulli[k]) * w2;
  return sum + w + 0.5 * w2 + w * series;
}

}  // namespace

// ---- basic --------------------------------------------------------------------

// gx = g reshaped to x's shape (Flatten, reshape_like and identity use it):
// d/dg = reshape_like(h, g)
MXNET_HO_GRADIENT(_backward_copy).set_rule([](const Backward& n) -> Grads {
  return {apply("reshape_like", {n.head(0), n.in(0)})};
});

// gx = g*[y>0], y = relu(x): d/dg = h*[y>0]; d/dy = 0
MXNET_HO_GRADIENT(_backward_relu).set_rule(ConstantSlopeGrads);

// gx = g*y*(1-y), y = sigmoid(x): d/dg = h*y*(1-y); d/dy = h*g*(1-2y)
MXNET_HO_GRADIENT(_backward_sigmoid).set_rule(Chain(SigmoidSlope));

// gx = g*alpha*[0 < alpha*x+beta < 1]: d/dg = h*alpha*[0 < alpha*x+beta < 1]; d/dx = 0
MXNET_HO_GRADIENT(_backward_hard_sigmoid).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  const double alpha = single_precision(n.scalar("alpha", 0.2)),
               beta = single_precision(n.scalar("beta", 0.5));
  Expr z = alpha * x + beta;
  return {n.head(0) * ((z > 0.0) * (z < 1.0)) * alpha, zeros_like(x)};
});

// gx = g/(1+|x|)^2: d/dg = h/(1+|x|)^2; d/dx = -2*h*g*sign(x)/(1+|x|)^3
MXNET_HO_GRADIENT(_backward_softsign).set_rule(Chain(SoftsignSlope));

// gx = g*sign(x): d/dg = h*sign(x); d/dx = 0
MXNET_HO_GRADIENT(_backward_abs).set_rule(Chain([](const Expr& x) { return Constant(sign(x)); }));

// gx = 0: d/dg = 0; d/dx = 0
MXNET_HO_GRADIENT(_backward_sign).set_rule([](const Backward& n) -> Grads {
  return {zeros_like(n.in(0)), zeros_like(n.in(1))};
});

// gx = g*2/sqrt(pi)*exp(-x^2): d/dg = h*2/sqrt(pi)*exp(-x^2); d/dx = -2x*h*g*2/sqrt(pi)*exp(-x^2)
MXNET_HO_GRADIENT(_backward_erf).set_rule(Chain([](const Expr& x) {
  Expr d = (2.0 / kStockSqrtPi) * exp(-square(x));
  return Of(d, -2.0 * x * d);
}));

// gx = g*sqrt(pi)/2*exp(y^2), y = erfinv(x): d/dg = h*sqrt(pi)/2*exp(y^2);
// d/dy = 2y*h*g*sqrt(pi)/2*exp(y^2)
MXNET_HO_GRADIENT(_backward_erfinv).set_rule(Chain([](const Expr& y) {
  Expr d = (0.5 * kStockSqrtPi) * exp(square(y));
  return Of(d, 2.0 * y * d);
}));

// gx = g*Gamma(x)*psi(x): d/dg = h*Gamma(x)*psi(x) (stock kernel);
// d/dx = h*g*Gamma(x)*(psi(x)^2 + psi'(x)); psi from the stock gammaln backward, psi' from forward
// ops (recurrence to x+10, asymptotic series; relative error < 1e-12 for x > -1)
MXNET_HO_GRADIENT(_backward_gamma).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  Expr psi = stock_gradient("gammaln", {x}, {ones_like(x)});
  return {stock_gradient("gamma", {x}, {h}), h * g * gamma(x) * (square(psi) + trigamma(x))};
});

// gx = g*psi(x): d/dg = h*psi(x) (stock kernel); d/dx = h*g*psi'(x), psi' as for _backward_gamma
MXNET_HO_GRADIENT(_backward_gammaln).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  return {stock_gradient("gammaln", {x}, {h}), h * g * trigamma(x)};
});

// ---- exp and log ------------------------------------------------------------

// gx = g/x: d/dg = h/x; d/dx = -h*g/x^2
MXNET_HO_GRADIENT(_backward_log).set_rule(Chain([](const Expr& x) {
  return Of(1.0 / x, -1.0 / square(x));
}));

// gx = g/(x ln 10): d/dg = h/(x ln 10); d/dx = -h*g/(x^2 ln 10)
MXNET_HO_GRADIENT(_backward_log10).set_rule(Chain([](const Expr& x) {
  const double c = 1.0 / std::log(10.0);
  return Of(c / x, -c / square(x));
}));

// gx = g/(x ln 2): d/dg = h/(x ln 2); d/dx = -h*g/(x^2 ln 2)
MXNET_HO_GRADIENT(_backward_log2).set_rule(Chain([](const Expr& x) {
  const double c = 1.0 / std::log(2.0);
  return Of(c / x, -c / square(x));
}));

// gx = g/(1+x): d/dg = h/(1+x); d/dx = -h*g/(1+x)^2
MXNET_HO_GRADIENT(_backward_log1p).set_rule(Chain([](const Expr& x) {
  return Of(1.0 / (x + 1.0), -1.0 / square(x + 1.0));
}));

// gx = g*exp(x): d/dg = h*exp(x); d/dx = h*g*exp(x)
MXNET_HO_GRADIENT(_backward_expm1).set_rule(Chain([](const Expr& x) {
  Expr e = exp(x);
  return Of(e, e);
}));

// ---- powers -------------------------------------------------------------------

// gx = -g/x^2: d/dg = -h/x^2; d/dx = 2*h*g/x^3
MXNET_HO_GRADIENT(_backward_reciprocal).set_rule(Chain([](const Expr& x) {
  return Of(-1.0 / square(x), 2.0 / pow(x, 3.0));
}));

// gx = 2*g*x: d/dg = 2*h*x; d/dx = 2*h*g
MXNET_HO_GRADIENT(_backward_square).set_rule(Chain([](const Expr& x) {
  return Of(2.0 * x, 2.0 * ones_like(x));
}));

// gx = g/(2y), y = sqrt(x): d/dg = h/(2y); d/dy = -h*g/(2y^2)
MXNET_HO_GRADIENT(_backward_sqrt).set_rule(Chain([](const Expr& y) {
  return Of(0.5 / y, -0.5 / square(y));
}));

// gx = -g*x^(-3/2)/2: d/dg = -h*rsqrt(x)/(2x); d/dx = 3*h*g*rsqrt(x)/(4x^2)
MXNET_HO_GRADIENT(_backward_rsqrt).set_rule(Chain([](const Expr& x) {
  Expr r = rsqrt(x);
  return Of(-0.5 * r / x, 0.75 * r / square(x));
}));

// gx = g/(3y^2), y = cbrt(x): d/dg = h/(3y^2); d/dy = -2*h*g/(3y^3)
MXNET_HO_GRADIENT(_backward_cbrt).set_rule(Chain([](const Expr& y) {
  return Of((1.0 / 3) / square(y), (-2.0 / 3) / pow(y, 3.0));
}));

// gx = -g*x^(-4/3)/3: d/dg = -h*rcbrt(x)/(3x); d/dx = 4*h*g*rcbrt(x)/(9x^2)
MXNET_HO_GRADIENT(_backward_rcbrt).set_rule(Chain([](const Expr& x) {
  Expr r = rcbrt(x);
  return Of((-1.0 / 3) * r / x, (4.0 / 9) * r / square(x));
}));

// ---- trigonometric ------------------------------------------------------------

// gx = g*cos x: d/dg = h*cos x; d/dx = -h*g*sin x
MXNET_HO_GRADIENT(_backward_sin).set_rule(Chain([](const Expr& x) { return Of(cos(x), -sin(x)); }));

// gx = -g*sin x: d/dg = -h*sin x; d/dx = -h*g*cos x
MXNET_HO_GRADIENT(_backward_cos).set_rule(Chain([](const Expr& x) {
  return Of(-sin(x), -cos(x));
}));

// gx = g*(1+y^2), y = tan(x): d/dg = h*(1+y^2); d/dy = 2*h*g*y
MXNET_HO_GRADIENT(_backward_tan).set_rule(Chain([](const Expr& y) {
  return Of(square(y) + 1.0, 2.0 * y);
}));

// gx = g/sqrt(1-x^2): d/dg = h/sqrt(1-x^2); d/dx = h*g*x/(1-x^2)^(3/2)
MXNET_HO_GRADIENT(_backward_arcsin).set_rule(Chain([](const Expr& x) {
  Expr r = rsqrt(1.0 - square(x));
  return Of(r, x * pow(r, 3.0));
}));

// gx = -g/sqrt(1-x^2): d/dg = -h/sqrt(1-x^2); d/dx = -h*g*x/(1-x^2)^(3/2)
MXNET_HO_GRADIENT(_backward_arccos).set_rule(Chain([](const Expr& x) {
  Expr r = rsqrt(1.0 - square(x));
  return Of(-r, -x * pow(r, 3.0));
}));

// gx = g/(1+x^2): d/dg = h/(1+x^2); d/dx = -2*h*g*x/(1+x^2)^2
MXNET_HO_GRADIENT(_backward_arctan).set_rule(Chain([](const Expr& x) {
  Expr r = 1.0 / (square(x) + 1.0);
  return Of(r, -2.0 * x * square(r));
}));

// gx = g*180/pi: d/dg = h*180/pi; d/dx = 0
MXNET_HO_GRADIENT(_backward_degrees).set_rule(Chain([](const Expr& x) {
  const float c = 180.0f / kStockPi;
  return Constant(c * ones_like(x));
}));

// gx = g*pi/180: d/dg = h*pi/180; d/dx = 0
MXNET_HO_GRADIENT(_backward_radians).set_rule(Chain([](const Expr& x) {
  const float c = kStockPi / 180.0f;
  return Constant(c * ones_like(x));
}));

// ---- hyperbolic ---------------------------------------------------------------

// gx = g*cosh x: d/dg = h*cosh x; d/dx = h*g*sinh x
MXNET_HO_GRADIENT(_backward_sinh).set_rule(Chain([](const Expr& x) {
  return Of(cosh(x), sinh(x));
}));

// gx = g*sinh x: d/dg = h*sinh x; d/dx = h*g*cosh x
MXNET_HO_GRADIENT(_backward_cosh).set_rule(Chain([](const Expr& x) {
  return Of(sinh(x), cosh(x));
}));

// gx = g*(1-y^2), y = tanh(x): d/dg = h*(1-y^2); d/dy = -2*h*g*y
MXNET_HO_GRADIENT(_backward_tanh).set_rule(Chain(TanhSlope));

// gx = g/sqrt(x^2+1): d/dg = h/sqrt(x^2+1); d/dx = -h*g*x/(x^2+1)^(3/2)
MXNET_HO_GRADIENT(_backward_arcsinh).set_rule(Chain([](const Expr& x) {
  Expr r = rsqrt(square(x) + 1.0);
  return Of(r, -x * pow(r, 3.0));
}));

// gx = g/sqrt(x^2-1): d/dg = h/sqrt(x^2-1); d/dx = -h*g*x/(x^2-1)^(3/2)
MXNET_HO_GRADIENT(_backward_arccosh).set_rule(Chain([](const Expr& x) {
  Expr r = rsqrt(square(x) - 1.0);
  return Of(r, -x * pow(r, 3.0));
}));

// gx = g/(1-x^2): d/dg = h/(1-x^2); d/dx = 2*h*g*x/(1-x^2)^2
MXNET_HO_GRADIENT(_backward_arctanh).set_rule(Chain([](const Expr& x) {
  Expr r = 1.0 / (1.0 - square(x));
  return Of(r, 2.0 * x * square(r));
}));

}  // namespace op
}  // namespace mxnet_ho
