// Gradients of the backward ops of softmax, softmin, log_softmax and
// softmax_cross_entropy.
//
// _backward_softmax / _softmin / _log_softmax take (g, y), where y is the
// forward output; (g, x, y) when `dtype` is set; softmax also (g, x, length, y)
// when `use_length` is set, and then returns (gx, glength = 0). With T the
// temperature and Σ a sum over `axis` (keepdims):
//   softmax:      gx =  y*(g - Σ g*y)/T
//   softmin:      gx = -y*(g - Σ g*y)/T
//   log_softmax:  gx = (g - e^y * Σ g)/T
// With `use_length`, y is 0 past each length, so the softmax formula holds
// there too. The rules read y only, as the kernels do; x and length get zero.
// Heads have x's type; with `dtype` set, g and y have that type, so heads are
// cast to it.
#include <string>

#include "dsl/grad_dsl.h"
#include "operator/nn/softmax.h"

namespace mxnet_ho {
namespace op {
namespace {

// Attribute `key`, or `fallback` where it is absent or None.
std::string Attr(const Backward& n, const std::string& key, const std::string& fallback) {
  const std::string value = n.attr(key, fallback);
  return value == "None" ? fallback : value;
}

double Temperature(const Backward& n) {
  return Attr(n, "temperature", "").empty() ? 1.0 : n.scalar("temperature", 1.0);
}

// Σ over the node's axis, keepdims: broadcasts against arrays of y's shape.
Expr SumAxis(const Backward& n, const Expr& e) {
  Expr s = apply("sum", {e}, {{"axis", Attr(n, "axis", "-1")}, {"keepdims", "True"}});
  return Expr(s.entry(), true);
}

// e*c, without a node when c = 1.
Expr Scaled(const Expr& e, double c) { return c == 1.0 ? e : e * c; }

// Head 0 in the type of g and y.
Expr HeadInOutputType(const Backward& n) {
  const std::string dtype = Attr(n, "dtype", "");
  return dtype.empty() ? n.head(0) : apply("Cast", {n.head(0)}, {{"dtype", dtype}});
}

// (d/dg, d/dy) completed with zeros for x (and length) when the node has them.
Grads WithZeros(const Backward& n, const Expr& dg, const Expr& dy) {
  if (n.num_inputs() == 2) return {dg, dy};
  if (n.num_inputs() == 3) return {dg, zeros_like(n.in(1)), dy};
  return {dg, zeros_like(n.in(1)), zeros_like(n.in(2)), dy};
}

// gx = sign*y*(g - Σ g*y)/T:
// d/dg = sign*y*(h - Σ h*y)/T;  d/dy = sign*(h*(g - Σ g*y) - g*Σ h*y)/T
Grads SoftmaxGrad(const Backward& n, double sign) {
  Expr g = n.in(0), y = n.in(n.num_inputs() - 1), h = HeadInOutputType(n);
  SoftmaxAdjoint d =
      SoftmaxVjp(g, y, h, [&n](const Expr& e) { return SumAxis(n, e); }, sign / Temperature(n));
  return WithZeros(n, d.dg, d.dy);
}

// gx = (g - e^y*Σ g)/T:  d/dg = (h - Σ h*e^y)/T;  d/dy = -h*e^y*Σ g/T
Grads LogSoftmaxGrad(const Backward& n) {
  Expr g = n.in(0), y = n.in(n.num_inputs() - 1), h = HeadInOutputType(n);
  const double t = Temperature(n);
  Expr e = exp(y);
  return WithZeros(n, Scaled(h - SumAxis(n, h * e), 1.0 / t), h * e * SumAxis(n, g) * (-1.0 / t));
}

// gx = g*(p - onehot(label)), p = softmax(x) over the last axis, g of shape (1,):
// d/dg = Σ h*p - Σ pick(h, label);  d/dx = g*p*(h - Σ_last h*p);  d/dlabel = 0
Grads SoftmaxCrossEntropyGrad(const Backward& n) {
  Expr g = n.in(0), x = n.in(1), label = n.in(2), h = n.head(0);
  Expr p = apply("softmax", {x}, {{"axis", "-1"}});
  Expr hp = Expr(apply("sum", {h * p}, {{"axis", "-1"}, {"keepdims", "True"}}).entry(), true);
  Expr picked = apply("pick", {h, label}, {{"axis", "-1"}});
  Expr dg = apply("sum", {h * p}) - apply("sum", {picked});
  return {dg, g * (p * (h - hp)), zeros_like(label)};
}

}  // namespace

// gx = y*(g - Σ g*y)/T: d/dg = y*(h - Σ h*y)/T; d/dy = (h*(g - Σ g*y) - g*Σ h*y)/T;
// d/dx = d/dlength = 0
MXNET_HO_GRADIENT(_backward_softmax).set_rule([](const Backward& n) {
  return SoftmaxGrad(n, 1.0);
});
// gx = -y*(g - Σ g*y)/T: d/dg = -y*(h - Σ h*y)/T; d/dy = -(h*(g - Σ g*y) - g*Σ h*y)/T
MXNET_HO_GRADIENT(_backward_softmin).set_rule([](const Backward& n) {
  return SoftmaxGrad(n, -1.0);
});
// gx = (g - e^y*Σ g)/T: d/dg = (h - Σ h*e^y)/T; d/dy = -h*e^y*Σ g/T
MXNET_HO_GRADIENT(_backward_log_softmax).set_rule(LogSoftmaxGrad);
// gx = g*(p - onehot(label)), p = softmax(x, -1): d/dg = Σ h*p - Σ pick(h, label);
// d/dx = g*p*(h - Σ_last h*p); d/dlabel = 0
MXNET_HO_GRADIENT(_backward_softmax_cross_entropy).broadcasting().set_rule(SoftmaxCrossEntropyGrad);

}  // namespace op
}  // namespace mxnet_ho
