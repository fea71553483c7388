// Gradient of the backward op of Activation.
//
// _backward_Activation takes (g, y) for relu and (g, y, x) for the other
// act_types, y = f(x), and returns gx = g*f'. Like the stock CPU kernel, the
// rules read f' from y (relu, sigmoid, tanh, softrelu) or from x (softsign);
// MKL-DNN's kernel reads x instead, which is the same function once y = f(x).
// A rule returns the gradient of <h, gx> with respect to g, y and x: the slope
// rule of operator/elemwise_slopes.h, with the unary ops' named slopes.
#include <stdexcept>

#include "dsl/grad_dsl.h"
#include "operator/elemwise_slopes.h"

namespace mxnet_ho {
namespace op {
namespace {

std::string ActType(const Backward& n) { return n.attr("act_type", "relu"); }

// Input 1 is y, input 2 (absent for relu) x.
Grads ActivationGrad(const Backward& n) {
  const std::string act = ActType(n);
  Expr y = n.in(1);
  if (act == "relu") return ConstantSlopeGrads(n);
  if (act == "sigmoid") return SlopeGrads(n, 1, SigmoidSlope(y));
  if (act == "tanh") return SlopeGrads(n, 1, TanhSlope(y));
  if (act == "softrelu") return SlopeGrads(n, 1, SoftreluSlope(y));
  if (act == "softsign") return SlopeGrads(n, 2, SoftsignSlope(n.in(2)));
  throw std::runtime_error("_backward_Activation: no rule for act_type " + act);
}

}  // namespace

// gx = g*f': relu (g,y): d/dg = h*[y>0], d/dy = 0; sigmoid (g,y,x):
// d/dg = h*y(1-y), d/dy = h*g*(1-2y); tanh: d/dg = h*(1-y^2), d/dy = -2*h*g*y; softrelu:
// d/dg = h*(1-e^-y), d/dy = h*g*e^-y; softsign: d/dg = h/(1+|x|)^2, d/dx = -2*h*g*sign(x)/(1+|x|)^3
MXNET_HO_GRADIENT(_backward_Activation).set_rule(ActivationGrad);

}  // namespace op
}  // namespace mxnet_ho
