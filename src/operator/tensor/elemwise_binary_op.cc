// Gradients of the backward ops of binary arithmetic: elemwise_{add,sub,mul,div},
// _mod, _power, _maximum, _minimum, _hypot and their broadcast_* forms.
//
// Each backward op takes the head gradient g and (for most) the forward
// inputs a, b, and returns (ga, gb). A rule returns the gradient of
// <h_a, ga> + <h_b, gb> with respect to every input of the backward op.
// For broadcast_* ops, ga and gb are summed to the shapes of a and b, so the
// rules sum their results back with sum_to(); elementwise, sum_to is a no-op.
#include "operator/tensor/elemwise_binary_op.h"

namespace mxnet_ho {
namespace op {
namespace {

// (ga, gb) = (g, g)
Grads AddGrad(const Backward& n) { return {n.head(0) + n.head(1)}; }

// (ga, gb) = (g, -g)
Grads SubGrad(const Backward& n) { return {n.head(0) - n.head(1)}; }

// (ga, gb) = (g*[a>=b], g*[a<b]), the tie going to a as in the stock kernel
Grads MaximumGrad(const Backward& n) {
  Expr a = n.in(1), b = n.in(2);
  return {n.head(0) * (a >= b) + n.head(1) * (a < b), zeros_like(a), zeros_like(b)};
}

// (ga, gb) = (g*[a<=b], g*[a>b]), the tie going to a as in the stock kernel
Grads MinimumGrad(const Backward& n) {
  Expr a = n.in(1), b = n.in(2);
  return {n.head(0) * (a <= b) + n.head(1) * (a > b), zeros_like(a), zeros_like(b)};
}

}  // namespace

// (ga, gb) = (g, -g*floor(a/b)); floor is piecewise constant
Grads ModGrad(const Backward& n) {
  Expr a = n.in(1), b = n.in(2), ha = n.head(0), hb = n.head(1);
  return {ha - hb * floor(a / b), zeros_like(a), zeros_like(b)};
}

// (ga, gb) = (g*a/r, g*b/r) with r = hypot(a, b); d(a/r)/da = b^2/r^3, d(a/r)/db = -ab/r^3
Grads HypotGrad(const Backward& n) {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), ha = n.head(0), hb = n.head(1);
  Expr r = hypot(a, b);
  Expr g_over_r3 = g / pow(r, 3.0);
  Expr cross = ha * b - hb * a;  // (h_a*b - h_b*a)
  return {(ha * a + hb * b) / r, sum_to(g_over_r3 * b * cross, a),
          sum_to(-(g_over_r3 * a * cross), b)};
}

// (ga, gb) = (g*b, g*a)
Grads MulGrad(const Backward& n) {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), ha = n.head(0), hb = n.head(1);
  return {ha * b + hb * a, sum_to(hb * g, a), sum_to(ha * g, b)};
}

// (ga, gb) = (g/b, -g*a/b^2)
Grads DivGrad(const Backward& n) {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), ha = n.head(0), hb = n.head(1);
  Expr g_over_b2 = g / square(b);
  return {(ha - hb * a / b) / b, sum_to(-(hb * g_over_b2), a),
          sum_to(g_over_b2 * (2.0 * hb * a / b - ha), b)};
}

// (ga, gb) = (g*b*a^(b-1), g*a^b*ln(a))
Grads PowerGrad(const Backward& n) {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), ha = n.head(0), hb = n.head(1);
  Expr a_b1 = pow(a, b - 1.0), ln_a = log(a);
  return {ha * b * a_b1 + hb * a_b1 * a * ln_a,
          sum_to(g * (ha * b * (b - 1.0) * pow(a, b - 2.0) + hb * a_b1 * (b * ln_a + 1.0)), a),
          sum_to(g * a_b1 * (ha * (b * ln_a + 1.0) + hb * a * square(ln_a)), b)};
}

// a + b (gradient accumulation): d/da = d/db = h
MXNET_HO_GRADIENT(_grad_add).set_rule([](const Backward& n) -> Grads {
  return {n.head(0), n.head(0)};
});

// (ga, gb) = (g, g): d/dg = h_a + h_b
MXNET_HO_GRADIENT(_backward_add).set_rule(AddGrad);
// (ga, gb) = (sum_a g, sum_b g): d/dg = h_a + h_b (broadcast)
MXNET_HO_GRADIENT(_backward_broadcast_add).broadcasting().set_rule(AddGrad);

// (ga, gb) = (g, -g): d/dg = h_a - h_b
MXNET_HO_GRADIENT(_backward_sub).set_rule(SubGrad);
// (ga, gb) = (sum_a g, -sum_b g): d/dg = h_a - h_b (broadcast)
MXNET_HO_GRADIENT(_backward_broadcast_sub).broadcasting().set_rule(SubGrad);

// (ga, gb) = (g*b, g*a): d/dg = h_a*b + h_b*a; d/da = h_b*g; d/db = h_a*g
MXNET_HO_GRADIENT(_backward_mul).set_rule(MulGrad);
// as _backward_mul, each result summed to its input's shape
MXNET_HO_GRADIENT(_backward_broadcast_mul).broadcasting().set_rule(MulGrad);

// (ga, gb) = (g/b, -g*a/b^2): d/dg = (h_a - h_b*a/b)/b; d/da = -h_b*g/b^2;
// d/db = g/b^2*(2*h_b*a/b - h_a)
MXNET_HO_GRADIENT(_backward_div).set_rule(DivGrad);
// as _backward_div, each result summed to its input's shape
MXNET_HO_GRADIENT(_backward_broadcast_div).broadcasting().set_rule(DivGrad);

// (ga, gb) = (g, -g*floor(a/b)): d/dg = h_a - h_b*floor(a/b); d/da = d/db = 0
MXNET_HO_GRADIENT(_backward_mod).set_rule(ModGrad);
// as _backward_mod, each result summed to its input's shape
MXNET_HO_GRADIENT(_backward_broadcast_mod).broadcasting().set_rule(ModGrad);

// (ga, gb) = (g*b*a^(b-1), g*a^b*ln a): d/dg = a^(b-1)*(h_a*b + h_b*a*ln a);
// d/da = g*(h_a*b*(b-1)*a^(b-2) + h_b*a^(b-1)*(b*ln a + 1));
// d/db = g*a^(b-1)*(h_a*(b*ln a + 1) + h_b*a*ln^2 a)
MXNET_HO_GRADIENT(_backward_power).set_rule(PowerGrad);
// as _backward_power, each result summed to its input's shape
MXNET_HO_GRADIENT(_backward_broadcast_power).broadcasting().set_rule(PowerGrad);

// (ga, gb) = (g*[a>=b], g*[a<b]): d/dg = h_a*[a>=b] + h_b*[a<b]; d/da = d/db = 0
MXNET_HO_GRADIENT(_backward_maximum).set_rule(MaximumGrad);
// as _backward_maximum, each result summed to its input's shape
MXNET_HO_GRADIENT(_backward_broadcast_maximum).broadcasting().set_rule(MaximumGrad);

// (ga, gb) = (g*[a<=b], g*[a>b]): d/dg = h_a*[a<=b] + h_b*[a>b]; d/da = d/db = 0
MXNET_HO_GRADIENT(_backward_minimum).set_rule(MinimumGrad);
// as _backward_minimum, each result summed to its input's shape
MXNET_HO_GRADIENT(_backward_broadcast_minimum).broadcasting().set_rule(MinimumGrad);

// (ga, gb) = (g*a/r, g*b/r), r = hypot(a, b): d/dg = (h_a*a + h_b*b)/r;
// d/da = g*b*(h_a*b - h_b*a)/r^3; d/db = -g*a*(h_a*b - h_b*a)/r^3
MXNET_HO_GRADIENT(_backward_hypot).set_rule(HypotGrad);
// as _backward_hypot, each result summed to its input's shape
MXNET_HO_GRADIENT(_backward_broadcast_hypot).broadcasting().set_rule(HypotGrad);

}  // namespace op
}  // namespace mxnet_ho
