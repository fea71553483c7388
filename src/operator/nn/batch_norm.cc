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
// Returns {d/dg, d/dx, d/dgamma}.
Grads TrainingGrad(const BatchNormNode& b) {
  auto mean = [&](const Expr& e) { return ChannelMean(e, b.axis); };
  Expr like = mean(b.x);
  // fix_gamma: y = x^ + b, and the gamma gradient is the constant 0.
  Expr w = AlongChannel(b.fix_gamma ? ones_like(b.gamma) : b.gamma, like);
  Expr hw = AlongChannel(b.fix_gamma ? zeros_like(b.gamma) : b.h_gamma, like);
  Expr hb = AlongChannel(b.h_beta, like);
  Grads d = NormalizationGrads(b.g, b.x, w, b.h_x, hw, hb, mean, b.eps);
  return {d[0], d[1], b.fix_gamma ? zeros_like(b.gamma) : SumToChannel(d[2], b.axis)};
}

// Global statistics: with s = (moving_var + eps)^(-1/2),
// gx = g*w*s, gw = sum(g*(x - moving_mean)*s), gb = sum(g):
//   d/dg = hx*w*s + hw*(x - moving_mean)*s + hb;  d/dx = g*hw*s;  d/dw = sum(hx*g*s)
Grads GlobalStatsGrad(const BatchNormNode& b) {
  Expr like = ChannelMean(b.x, b.axis);
  Expr s = AlongChannel(rsqrt(b.moving_var + b.eps), like);
  Expr w = AlongChannel(b.fix_gamma ? ones_like(b.gamma) : b.gamma, like);
  Expr hw = AlongChannel(b.fix_gamma ? zeros_like(b.gamma) : b.h_gamma, like);
  Expr hb = AlongChannel(b.h_beta, like);
  Expr d_g = (b.h_x * w + hw * (b.x - AlongChannel(b.moving_mean, like))) * s + hb;
  Expr d_gamma = b.fix_gamma ? zeros_like(b.gamma) : SumToChannel(b.h_x * b.g * s, b.axis);
  return {d_g, b.g * hw * s, d_gamma};
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

Grads BatchNormGrads(const BatchNormNode& b) {
  if (b.use_global_stats) return GlobalStatsGrad(b);
  // the mode is known only when the graph runs: both, selected by it
  Grads training = TrainingGrad(b), global = GlobalStatsGrad(b);
  Expr predict = PredictMode(b.gamma);
  Grads grads;
  for (size_t i = 0; i < training.size(); ++i)
    grads.push_back(is_zeros(training[i]) && is_zeros(global[i])
                        ? training[i]
                        : training[i] + predict * (global[i] - training[i]));
  return grads;
}

// inputs (g, mean, invstd, x, gamma, beta, moving_mean, moving_var) -> (gx, ggamma, gbeta).
// Training mode: with a = mean(hx*x^), c = mean(w*g*x^): d/dg = w*s*P(hx) + hw*x^ + hb;
// d/dx = s*P(hw*g - s*(hx*c + w*g*a)) - s^2*x^*(mean(hx*w*g) - mean(hx)*mean(w*g) - a*c); d/dgamma
// = sum(s*g*P(hx)) (0 with fix_gamma, where w = 1 and hw = 0). use_global_stats or predict mode (s
// = (moving_var + eps)^(-1/2)): d/dg = hx*w*s + hw*(x - moving_mean)*s + hb; d/dx = g*hw*s;
// d/dgamma = sum(hx*g*s). Saved statistics and moving statistics (auxiliary states): 0
MXNET_HO_GRADIENT(_backward_BatchNorm).broadcasting().set_rule([](const Backward& n) -> Grads {
  BatchNormNode b(n.in(0), n.in(3), n.in(4), n.in(6), n.in(7), n.head(0), n.head(1, n.in(4)),
                  n.head(2, n.in(5)));
  b.axis = ChannelAxis(n);
  b.fix_gamma = n.flag("fix_gamma", true);
  b.use_global_stats = n.flag("use_global_stats");
  b.eps = n.scalar("eps", 1e-3);
  Grads d = BatchNormGrads(b);
  return {d[0], zeros_like(n.in(1)), zeros_like(n.in(2)),       d[1],
          d[2], zeros_like(n.in(5)), zeros_like(b.moving_mean), zeros_like(b.moving_var)};
});

// The stock backward kernel (native, float64) updates the moving statistics.
Grads MovingStatisticsUpdatedOnce(const Backward& n) {
  Grads grads = n.stock();
  if (!n.differentiated_before()) return grads;
  const Expr moving_mean = n.in(3), moving_var = n.in(4);
  return with_inputs_replaced(grads, {{moving_mean, apply("_copy", {moving_mean})},
                                      {moving_var, apply("_copy", {moving_var})}});
}

// stock's gradient (its native backward kernel updates the moving statistics); in a pass after one
// that created a graph from the same node, that kernel reads copies of them: one forward pass, one
// update
MXNET_HO_GRADIENT(BatchNorm).keeps_stock().set_rule(MovingStatisticsUpdatedOnce);

}  // namespace op
}  // namespace mxnet_ho
