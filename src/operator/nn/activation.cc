// Gradient of the backward op of Activation.
//
// _backward_Activation takes (g, y) for relu and (g, y, x) for the other
// act_types, y = f(x), and returns gx = g*f'. Like the stock CPU kernel, the
// rules read f' from y (relu, sigmoid, tanh, softrelu) or from x (softsign);
// MKL-DNN's kernel reads x instead, which is the same function once y = f(x).
// A rule returns the gradient of <h, gx> with respect to g, y and x.
#include <stdexcept>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

std::string ActType(const Backward& n) {
  AttrList found = n.attrs({"act_type"});
  return found.empty() ? std::string("relu") : found.front().second;
}

Grads ActivationGrad(const Backward& n) {
  const std::string act = ActType(n);
  Expr g = n.in(0), y = n.in(1), h = n.head(0);
  // relu: gx = g*[y>0]:  d/dg = h*[y>0];  d/dy = 0
  if (act == "relu") return {h * (y > 0.0), zeros_like(y)};
  Expr x = n.in(2);
  // sigmoid: gx = g*y*(1-y):  d/dg = h*y*(1-y);  d/dy = h*g*(1-2y)
  if (act == "sigmoid") return {h * y * (1.0 - y), h * g * (1.0 - 2.0 * y), zeros_like(x)};
  // tanh: gx = g*(1-y^2):  d/dg = h*(1-y^2);  d/dy = -2*h*g*y
  if (act == "tanh") return {h * (1.0 - square(y)), -2.0 * h * g * y, zeros_like(x)};
  // softrelu: gx = g*(1-e^-y):  d/dg = h*(1-e^-y);  d/dy = h*g*e^-y
  if (act == "softrelu") {
    Expr e = exp(-y);
    return {h * (1.0 - e), h * g * e, zeros_like(x)};
  }
  // softsign: gx = g/(1+|x|)^2:  d/dg = h/(1+|x|)^2;  d/dx = -2*h*g*sign(x)/(1+|x|)^3
  if (act == "softsign") {
    Expr d = 1.0 + abs(x);
    return {h / square(d), zeros_like(y), -2.0 * h * g * sign(x) / pow(d, 3.0)};
  }
  throw std::runtime_error("_backward_Activation: no rule for act_type " + act);
}

}  // namespace

// gx = g*f': relu (g,y): d/dg = h*[y>0], d/dy = 0; sigmoid (g,y,x):
// d/dg = h*y(1-y), d/dy = h*g*(1-2y); tanh: d/dg = h*(1-y^2), d/dy = -2*h*g*y; softrelu:
// d/dg = h*(1-e^-y), d/dy = h*g*e^-y; softsign: d/dg = h/(1+|x|)^2, d/dx = -2*h*g*sign(x)/(1+|x|)^3
MXNET_HO_GRADIENT(_backward_Activation).set_rule(ActivationGrad);

}  // namespace op
}  // namespace mxnet_ho
