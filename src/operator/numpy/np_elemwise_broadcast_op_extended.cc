// Gradients of the backward ops of NumPy's extended binary math: np.arctan2,
// np.hypot, np.ldexp, np.copysign and np.mod (np.remainder), with broadcasting,
// and the scalar forms that have backward ops of their own. (np.copysign with a
// scalar has no first-order gradient in stock MXNet 1.9.1: its backward ops are
// declared with one input but given two, so the forward ops' own gradients are
// replaced here by forward ops; see patches/numpy_binary.toml.)
//
// The broadcast backward ops take (g, a, b) and return (ga, gb), each summed to
// its input's shape: a rule returns the gradient of <h_a, ga> + <h_b, gb> with
// respect to g, a and b, summed back with sum_to(). The scalar backward ops take
// (g, x), with the scalar s in the attribute `scalar`, and return gx.
//
// Every rule differentiates what the stock kernel computes, so that derivatives
// of every order agree with MXNet's first-order gradient (see
// _backward_npi_rarctan2_scalar, whose stock kernel is not d/dx atan2(s, x)).
#include <cmath>

#include "operator/tensor/elemwise_binary_op.h"

namespace mxnet_ho {
namespace op {
namespace {

// ln 2 as the stock ldexp kernels use it: computed in single precision
// (log(2.0f)), also for float64 data. The derivative of 2^b uses the exact ln 2.
const double kStockLn2 = static_cast<double>(std::log(2.0f));
const double kLn2 = std::log(2.0);

// The stock copysign kernels' slope of copysign(a, b) in a: +1 where a and b
// have the same sign (zero counting as positive), -1 otherwise.
Expr CopysignSlope(const Expr& a, const Expr& b) {
  return (2.0 * (a >= 0.0) - 1.0) * (2.0 * (b >= 0.0) - 1.0);
}

// (ga, gb) = (g*b/r2, -g*a/r2) with r2 = a^2 + b^2
Grads Arctan2Grad(const Backward& n) {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), ha = n.head(0), hb = n.head(1);
  Expr r2 = square(a) + square(b);
  Expr g_over_r4 = g / square(r2);
  Expr diff = square(a) - square(b);  // a^2 - b^2
  Expr ab2 = 2.0 * a * b;
  return {(ha * b - hb * a) / r2, sum_to(g_over_r4 * (hb * diff - ha * ab2), a),
          sum_to(g_over_r4 * (ha * diff + hb * ab2), b)};
}

// (ga, gb) = (g*2^b, g*a*2^b*ln2)
Grads LdexpGrad(const Backward& n) {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), ha = n.head(0), hb = n.head(1);
  Expr p = pow(2.0, b);
  Expr inner = ha + hb * a * kStockLn2;  // h_a + h_b*a*ln2
  return {p * inner, sum_to(hb * g * p * kStockLn2, a), sum_to(g * p * kLn2 * inner, b)};
}

// (ga, gb) = (g*c(a, b), 0) with c the slope of copysign in a (+-1)
Grads CopysignGrad(const Backward& n) {
  Expr a = n.in(1), b = n.in(2);
  return {n.head(0) * CopysignSlope(a, b), zeros_like(a), zeros_like(b)};
}

}  // namespace

// (ga, gb) = (g*b/r2, -g*a/r2), r2 = a^2+b^2: d/dg = (h_a*b - h_b*a)/r2;
// d/da = g*(h_b*(a^2-b^2) - 2ab*h_a)/r2^2; d/db = g*(h_a*(a^2-b^2) + 2ab*h_b)/r2^2
MXNET_HO_GRADIENT(_backward_npi_arctan2).broadcasting().set_rule(Arctan2Grad);

// (ga, gb) = (g*a/r, g*b/r), r = hypot(a, b): d/dg = (h_a*a + h_b*b)/r;
// d/da = g*b*(h_a*b - h_b*a)/r^3; d/db = -g*a*(h_a*b - h_b*a)/r^3
MXNET_HO_GRADIENT(_backward_npi_hypot).broadcasting().set_rule(HypotGrad);

// (ga, gb) = (g*2^b, g*a*2^b*ln2): d/dg = 2^b*(h_a + h_b*a*ln2); d/da = h_b*g*2^b*ln2;
// d/db = g*2^b*ln2*(h_a + h_b*a*ln2) (the kernel's own ln2 factor is log(2.0f), single precision)
MXNET_HO_GRADIENT(_backward_npi_ldexp).broadcasting().set_rule(LdexpGrad);

// (ga, gb) = (g*c, 0), c = +1 where a, b have the same sign (0 counting as +), else -1:
// d/dg = h_a*c; d/da = d/db = 0
MXNET_HO_GRADIENT(_backward_npi_copysign).broadcasting().set_rule(CopysignGrad);

// (ga, gb) = (g, -g*floor(a/b)): d/dg = h_a - h_b*floor(a/b);
// d/da = d/db = 0 (floor piecewise constant)
MXNET_HO_GRADIENT(_backward_npi_broadcast_mod).broadcasting().set_rule(ModGrad);

// arctan2(x, s): gx = g*s/r2, r2 = x^2+s^2: d/dg = h*s/r2; d/dx = -2*h*g*s*x/r2^2
MXNET_HO_GRADIENT(_backward_npi_arctan2_scalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  const double s = n.scalar();
  Expr r2 = square(x) + s * s;
  return {h * s / r2, h * g * x * (-2.0 * s) / square(r2)};
});

// arctan2(s, x): the stock kernel gives gx = -g*x/r2 (not -g*s/r2, a stock bug kept at first
// order): d/dg = -h*x/r2; d/dx = h*g*(x^2-s^2)/r2^2
MXNET_HO_GRADIENT(_backward_npi_rarctan2_scalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  const double s = n.scalar();
  Expr r2 = square(x) + s * s;
  return {-(h * x / r2), h * g * (square(x) - s * s) / square(r2)};
});

// ldexp(x, s) = x*2^s: gx = g*2^s: d/dg = h*2^s; d/dx = 0
MXNET_HO_GRADIENT(_backward_npi_ldexp_scalar).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  return {n.head(0) * std::pow(2.0, n.scalar()), zeros_like(x)};
});

// ldexp(s, x) = s*2^x: gx = g*s*2^x*ln2: d/dg = h*s*2^x*ln2; d/dx = h*g*s*2^x*ln2^2
MXNET_HO_GRADIENT(_backward_npi_rldexp_scalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  Expr y = pow(2.0, x) * (n.scalar() * kStockLn2);
  return {h * y, h * g * y * kLn2};
});

// The forward ops' own gradients, in place of stock's (which fail).

// y = copysign(x, s): gx = g*c, c = +1 where x and s have the same sign (x = 0 counting as +, s by
// its sign bit), else -1
MXNET_HO_GRADIENT(_npi_copysign_scalar).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(0);
  const double sign_of_s = std::signbit(n.scalar()) ? -1.0 : 1.0;
  return {n.head(0) * (2.0 * (x >= 0.0) - 1.0) * sign_of_s};
});

// y = copysign(s, x) = |s|*(+-1): gx = 0
MXNET_HO_GRADIENT(_npi_rcopysign_scalar).set_rule([](const Backward& n) -> Grads {
  return {zeros_like(n.in(0))};
});

}  // namespace op
}  // namespace mxnet_ho
