// Gradients of _backward_BatchNorm, and NormalizationGrads (normalization.h),
// the derivative it shares with LayerNorm, GroupNorm and InstanceNorm.
//
// The backward ops also receive the saved statistics (mean, 1/std or std) as
// inputs, but those are outputs of the forward op that carry no gradient back
// to x. The rules therefore recompute the statistics from x with forward ops,
// so that every order sees their dependence on x, and return zero for them.
#include "operator/nn/normalization.h"
#include "operator/nn/run_mode.h"

namespace mxnet_ho {
namespace op {

// d/dg, d/dx, d/dw of <hx,gx> + <hw,gw> + <hb,gb> (normalization.h)
Grads NormalizationGrads(const Expr& g, const Expr& x, const Expr& w, const Expr& hx,
                         const Expr& hw, const Expr& hb, const GroupMean& mean, double eps) {
  Expr xc = x - mean(x);
  Expr s = rsqrt(mean(square(xc)) + eps);
  Expr xh = xc * s;
  auto project = [&](const Expr& v) { return v - mean(v) - xh * mean(v * xh); };
  Expr wg = w * g;
  Expr a = mean(hx * xh), c = mean(wg * xh);
  Expr p_hx = project(hx);
  Expr u = hw * g - s * (hx * c + wg * a);
  Expr d_x = s * project(u) - square(s) * xh * (mean(hx * wg) - mean(hx) * mean(wg) - a * c);
  return {w * s * p_hx + hw * xh + hb, d_x, s * g * p_hx};
}

Grads RowNormalizationGrads(const Backward& n, const Expr& g, const Expr& x, const Expr& gamma,
                            const std::string& rows, double eps) {
  auto row_view = [&](const Expr& e) { return apply("Reshape", {e}, {{"shape", rows}}); };
  auto per_row = [](const Expr& v) { return apply("Reshape", {v}, {{"shape", "(1,-1,1)"}}); };
  auto mean = [](const Expr& e) {
    return apply("mean", {e}, {{"axis", "2"}, {"keepdims", "True"}});
  };
  Grads d = NormalizationGrads(row_view(g), row_view(x), per_row(gamma), row_view(n.head(0)),
                               per_row(n.head(1, gamma)), per_row(n.head(2, gamma)), mean, eps);
  return {apply("reshape_like", {d[0], g}), apply("reshape_like", {d[1], x}),
          apply("sum", {d[2]}, {{"axis", "(0,2)"}})};
}

namespace {

std::string ChannelAxis(const Backward& n) { return n.attr("axis", "1"); }

// Sum over every axis but the channel axis, to the shape (C,) of gamma.
Expr SumToChannel(const Expr& e, const std::string& axis) {
  return apply("sum", {e}, {{"axis", axis}, {"exclude", "True"}});
}

// Mean over every axis but the channel axis, keeping them (1, .., C, .., 1).
Expr ChannelMean(const Expr& e, const std::string& axis) {
  return apply("mean", {e}, {{"axis", axis}, {"exclude", "True"}, {"keepdims", "True"}});
}

// A (C,) vector laid along the channel axis of `channel_shaped` (1, .., C, .., 1).
Expr AlongChannel(const Expr& v, const Expr& channel_shaped) {
  return apply("reshape_like", {v, channel_shaped});
}

// Batch statistics (training): the normalization over every axis but the channel.
Grads TrainingGrad(const Backward& n) {
  Expr g = n.in(0), x = n.in(3), gamma = n.in(4), beta = n.in(5);
  const std::string axis = ChannelAxis(n);
  const bool fix_gamma = n.flag("fix_gamma", true);
  auto mean = [&](const Expr& e) { return ChannelMean(e, axis); };
  Expr like = mean(x);
  // fix_gamma: y = x^ + b, and the gamma gradient is the constant 0.
  Expr w = AlongChannel(fix_gamma ? ones_like(gamma) : gamma, like);
  Expr hw = AlongChannel(fix_gamma ? zeros_like(gamma) : n.head(1, gamma), like);
  Expr hb = AlongChannel(n.head(2, beta), like);
  Grads d = NormalizationGrads(g, x, w, n.head(0), hw, hb, mean, n.scalar("eps", 1e-3));
  Expr d_gamma = fix_gamma ? zeros_like(gamma) : SumToChannel(d[2], axis);
  return {d[0],    zeros_like(n.in(1)), zeros_like(n.in(2)), d[1],
          d_gamma, zeros_like(beta),    zeros_like(n.in(6)), zeros_like(n.in(7))};
}

// Global statistics: with s = (moving_var + eps)^(-1/2),
// gx = g*w*s, gw = sum(g*(x - moving_mean)*s), gb = sum(g):
//   d/dg = hx*w*s + hw*(x - moving_mean)*s + hb;  d/dx = g*hw*s;  d/dw = sum(hx*g*s)
Grads GlobalStatsGrad(const Backward& n) {
  Expr g = n.in(0), x = n.in(3), gamma = n.in(4), beta = n.in(5);
  Expr moving_mean = n.in(6), moving_var = n.in(7);
  const std::string axis = ChannelAxis(n);
  const bool fix_gamma = n.flag("fix_gamma", true);
  Expr like = ChannelMean(x, axis);
  Expr s = AlongChannel(rsqrt(moving_var + n.scalar("eps", 1e-3)), like);
  Expr w = AlongChannel(fix_gamma ? ones_like(gamma) : gamma, like);
  Expr hw = AlongChannel(fix_gamma ? zeros_like(gamma) : n.head(1, gamma), like);
  Expr hb = AlongChannel(n.head(2, beta), like);
  Expr hx = n.head(0);
  Expr d_g = (hx * w + hw * (x - AlongChannel(moving_mean, like))) * s + hb;
  Expr d_gamma = fix_gamma ? zeros_like(gamma) : SumToChannel(hx * g * s, axis);
  return {d_g,     zeros_like(n.in(1)), zeros_like(n.in(2)),     g * hw * s,
          d_gamma, zeros_like(beta),    zeros_like(moving_mean), zeros_like(moving_var)};
}

}  // namespace

// 1 where the gradient graph runs in predict mode, 0 in training mode, shaped (1,).
// Without use_global_stats the stock kernels pick the statistics by the run-time
// mode, which the node's attributes do not record; so does this probe: a BatchNorm
// over two equal rows gives 0 with their batch statistics and 1/sqrt(1 + eps) with
// moving statistics (0, 1).
Expr PredictMode(const Expr& gamma) {  // run_mode.h
  Expr row = apply("reshape", {ones_like(gamma)}, {{"shape", "(1, -1)"}});
  Expr rows = apply("Concat", {row, row}, {{"num_args", "2"}, {"dim", "0"}});
  Expr normalized = apply(
      "BatchNorm", {rows, ones_like(gamma), zeros_like(gamma), zeros_like(gamma), ones_like(gamma)},
      {{"fix_gamma", "True"}, {"eps", "0.001"}});
  return apply("mean", {normalized}) > 0.5;
}

// inputs (g, mean, invstd, x, gamma, beta, moving_mean, moving_var) -> (gx, ggamma, gbeta).
// Training mode: with a = mean(hx*x^), c = mean(w*g*x^): d/dg = w*s*P(hx) + hw*x^ + hb;
// d/dx = s*P(hw*g - s*(hx*c + w*g*a)) - s^2*x^*(mean(hx*w*g) - mean(hx)*mean(w*g) - a*c); d/dgamma
// = sum(s*g*P(hx)) (0 with fix_gamma, where w = 1 and hw = 0). use_global_stats or predict mode (s
// = (moving_var + eps)^(-1/2)): d/dg = hx*w*s + hw*(x - moving_mean)*s + hb; d/dx = g*hw*s;
// d/dgamma = sum(hx*g*s). Saved statistics and moving statistics (auxiliary states): 0
MXNET_HO_GRADIENT(_backward_BatchNorm).broadcasting().set_rule([](const Backward& n) -> Grads {
  if (n.flag("use_global_stats")) return GlobalStatsGrad(n);
  // the mode is known only when the graph runs: both, selected by it
  Grads training = TrainingGrad(n), global = GlobalStatsGrad(n);
  Expr predict = PredictMode(n.in(4));
  Grads grads;
  for (size_t i = 0; i < training.size(); ++i)
    grads.push_back(is_zeros(training[i]) && is_zeros(global[i])
                        ? training[i]
                        : training[i] + predict * (global[i] - training[i]));
  return grads;
});

// The stock backward kernel (native, float64) updates the moving statistics.

// stock's gradient (its native backward kernel updates the moving statistics); in a pass after one
// that created a graph from the same node, that kernel reads copies of them: one forward pass, one
// update
MXNET_HO_GRADIENT(BatchNorm).keeps_stock().set_rule([](const Backward& n) -> Grads {
  Grads grads = n.stock();
  if (!n.differentiated_before()) return grads;
  const Expr moving_mean = n.in(3), moving_var = n.in(4);
  return with_inputs_replaced(grads, {{moving_mean, apply("_copy", {moving_mean})},
                                      {moving_var, apply("_copy", {moving_var})}});
});

}  // namespace op
}  // namespace mxnet_ho
