// Gradients of the backward ops of tensor-scalar arithmetic (`*_scalar` ops and
// smooth_l1). Each backward op takes the head gradient g and, for most, the
// forward input x (for _rpower_scalar the forward output y = s^x), with the
// scalar s in its attribute `scalar`, and returns gx. A rule returns the
// gradient of <h, gx> with respect to g and x.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {}  // namespace

// gx = g*s: d/dg = h*s
MXNET_HO_GRADIENT(_backward_mul_scalar).set_rule([](const Backward& n) -> Grads {
  return {n.head(0) * n.scalar()};
});

// gx = g/s: d/dg = h/s
MXNET_HO_GRADIENT(_backward_div_scalar).set_rule([](const Backward& n) -> Grads {
  return {n.head(0) / n.scalar()};
});

// gx = -g*s/x^2: d/dg = -h*s/x^2; d/dx = 2*h*g*s/x^3
MXNET_HO_GRADIENT(_backward_rdiv_scalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  const double s = n.scalar();
  return {h * (-s / square(x)), h * g * (2.0 * s / pow(x, 3.0))};
});

// gx = g*p*x^(p-1): d/dg = h*p*x^(p-1); d/dx = h*g*p*(p-1)*x^(p-2)
MXNET_HO_GRADIENT(_backward_power_scalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  const double p = n.scalar();
  return {h * (p * pow(x, p - 1.0)), h * g * (p * (p - 1.0) * pow(x, p - 2.0))};
});

// gx = g*y*ln s, y = s^x: d/dg = h*y*ln s; d/dy = h*g*ln s
MXNET_HO_GRADIENT(_backward_rpower_scalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), y = n.in(1), h = n.head(0);
  const double ln_s = std::log(n.scalar());
  return {h * y * ln_s, h * g * ln_s};
});

// gx = g (x mod s): d/dg = h; d/dx = 0
MXNET_HO_GRADIENT(_backward_mod_scalar).set_rule([](const Backward& n) -> Grads {
  return {n.head(0), zeros_like(n.in(1))};
});

// gx = -g*floor(s/x) (s mod x): d/dg = -h*floor(s/x); d/dx = 0
MXNET_HO_GRADIENT(_backward_rmod_scalar).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  return {-(n.head(0) * floor(n.scalar() / x)), zeros_like(x)};
});

// gx = g*[x>=s]: d/dg = h*[x>=s]; d/dx = 0
MXNET_HO_GRADIENT(_backward_maximum_scalar).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  return {n.head(0) * (x >= n.scalar()), zeros_like(x)};
});

// gx = g*[x<=s]: d/dg = h*[x<=s]; d/dx = 0
MXNET_HO_GRADIENT(_backward_minimum_scalar).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  return {n.head(0) * (x <= n.scalar()), zeros_like(x)};
});

// gx = g*x/r, r = hypot(x, s): d/dg = h*x/r; d/dx = h*g*s^2/r^3
MXNET_HO_GRADIENT(_backward_hypot_scalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  const double s = n.scalar();
  Expr r = hypot(x, s);
  return {h * x / r, h * g * (s * s) / pow(r, 3.0)};
});

// gx = g*f'(x), f'(x) = s^2*x if |x| <= 1/s^2 else sign(x): d/dg = h*f'(x);
// d/dx = h*g*s^2*[|x| <= 1/s^2]
MXNET_HO_GRADIENT(_backward_smooth_l1).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), h = n.head(0);
  const double sigma2 = n.scalar() * n.scalar(), bound = 1.0 / sigma2;
  Expr inside = (x >= -bound) * (x <= bound);
  Expr sign_x = (x > 0.0) - (x < 0.0);
  Expr slope = inside * (sigma2 * x) + (1.0 - inside) * sign_x;
  return {h * slope, h * g * inside * sigma2};
});

}  // namespace op
}  // namespace mxnet_ho
