// Gradients of the regression output layers LinearRegressionOutput,
// LogisticRegressionOutput and MAERegressionOutput (and their _sparse_ aliases).
//
// y = f(x): x (linear, MAE) or sigmoid(x) (logistic). These are loss layers:
// their gradient ignores the head and is the gradient of a loss of y and the
// label l,
//   gx = s*r(y, l),  s = grad_scale/m,  m = l.size/l.shape[0] (a row of l),
// r = y - l (linear, logistic) or sign(y - l) (MAE), l read flat in x's layout;
// gl = 0, built from forward ops of x where it is differentiated again
// (loss_layer.h); the stock backward nodes (_backward_*_reg_out) read (l, y).
#include <functional>

#include "operator/loss_layer.h"

namespace mxnet_ho {
namespace op {
namespace {

using Residual = std::function<Expr(const Expr& x, const Expr& label)>;

// grad_scale/m broadcast against x: m is the size of one row of the label.
Expr Scale(const Backward& n, const Expr& label) {
  Expr row = apply("slice_axis", {ones_like(label)}, {{"axis", "0"}, {"begin", "0"}, {"end", "1"}});
  Expr per_row = apply("sum", {row});
  Expr scale = single_precision(n.scalar("grad_scale", 1.0)) / per_row;
  return Expr(scale.entry(), true);
}

Rule RegressionGrad(Residual residual) {
  return [residual](const Backward& n) -> Grads {
    if (!DifferentiatedAgain()) return n.stock();
    Expr x = n.in(0), label = n.in(1);
    Expr gx = residual(x, apply("reshape_like", {label, x})) * Scale(n, label);
    return {Expr(gx.entry(), false), zeros_like(label)};
  };
}

}  // namespace

// gx = s*(x - l), s = grad_scale/m (l's row size), gl = 0 (ignores the head; forward ops of x under
// create_graph): d/dx <h, gx> = s*h, d/dl = -s*h
MXNET_HO_GRADIENT(LinearRegressionOutput)
    .keeps_stock()
    .keeps_inputs()
    .set_rule(RegressionGrad([](const Expr& x, const Expr& label) { return x - label; }));
// gx = s*(sigmoid(x) - l), s = grad_scale/m, gl = 0: d/dx <h, gx> = s*h*y*(1 - y), d/dl = -s*h
MXNET_HO_GRADIENT(LogisticRegressionOutput)
    .keeps_stock()
    .keeps_inputs()
    .set_rule(RegressionGrad([](const Expr& x, const Expr& label) { return sigmoid(x) - label; }));
// gx = s*sign(x - l), s = grad_scale/m, gl = 0: d/dx <h, gx> = d/dl = 0 (away from x = l)
MXNET_HO_GRADIENT(MAERegressionOutput)
    .keeps_stock()
    .keeps_inputs()
    .set_rule(RegressionGrad([](const Expr& x, const Expr& label) { return sign(x - label); }));

}  // namespace op
}  // namespace mxnet_ho
