// The rule shape of an elementwise backward op gx = g*d(u), and the named slopes
// d shared by the families that differentiate the same function (the unary ops
// of tensor/elemwise_unary_op.cc, Activation, LeakyReLU).
//
// u is what the backward node receives: the forward input x, or the output
// y = f(x). For the head h of gx,
//     d/dg = h*d(u)        d/du = h*g*d'(u)
// with d' the derivative with respect to u; when u = y the chain through
// y = f(x) continues in f's own gradient. Every other input of the node gets 0.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// d(u) and its derivative d'(u); d_prime is empty where d' is identically zero.
struct Slope {
  Expr d;
  std::vector<Expr> d_prime;
};
inline Slope Of(Expr d, Expr d_prime) { return {std::move(d), {std::move(d_prime)}}; }
inline Slope Constant(Expr d) { return {std::move(d), {}}; }

// The gradients of gx = g*d(u) for a node whose input 0 is g and input `u` is u:
// d/dg = h*d(u);  d/du = h*g*d'(u);  0 for every other input.
inline Grads SlopeGrads(const Backward& n, size_t u, const Slope& s) {
  Expr g = n.in(0), h = n.head(0);
  Grads grads = {h * s.d};
  for (size_t i = 1; i < n.num_inputs(); ++i)
    grads.push_back(i == u && !s.d_prime.empty() ? h * g * s.d_prime[0] : zeros_like(n.in(i)));
  return grads;
}

// The gradients of gx = g*d(u) where d' = 0 (relu): d/dg = h*d(u) is the node's
// own kernel at h (one fused pass, where h*[u > 0] takes two), 0 for every other
// input. For ops that infer their own shapes (elementwise backward ops).
inline Grads ConstantSlopeGrads(const Backward& n) {
  Grads grads = {*n.same_kernel({n.head(0)}, 0, "")};
  for (size_t i = 1; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  return grads;
}

// The rule of a node (g, u) computing gx = g*d(u), d given by `slope_of`.
inline Rule Chain(std::function<Slope(const Expr& u)> slope_of) {
  return [slope_of](const Backward& n) -> Grads { return SlopeGrads(n, 1, slope_of(n.in(1))); };
}

// ---- named slopes ----------------------------------------------------------------

// sigmoid, at y:  d = y(1-y);  d' = 1-2y
inline Slope SigmoidSlope(const Expr& y) { return Of(y * (1.0 - y), 1.0 - 2.0 * y); }

// tanh, at y:  d = 1-y^2;  d' = -2y
inline Slope TanhSlope(const Expr& y) { return Of(1.0 - square(y), -2.0 * y); }

// softsign, at x:  d = 1/(1+|x|)^2;  d' = -2*sign(x)/(1+|x|)^3
inline Slope SoftsignSlope(const Expr& x) {
  Expr r = 1.0 / (abs(x) + 1.0);
  return Of(square(r), -2.0 * sign(x) * pow(r, 3.0));
}

// softrelu (log(1+e^x)), at y:  d = 1-e^-y;  d' = e^-y
inline Slope SoftreluSlope(const Expr& y) {
  Expr e = exp(-y);
  return Of(1.0 - e, e);
}

}  // namespace op
}  // namespace mxnet_ho
