// The derivative shared by every mean/variance normalization (BatchNorm,
// LayerNorm, GroupNorm, InstanceNorm); defined in batch_norm.cc.
//
// A normalization computes, over groups of elements of x (a channel for
// BatchNorm, a row for LayerNorm, ...), with mean() the mean of each group:
//   x^ = (x - mean(x))*s,   s = (mean((x - mean(x))^2) + eps)^(-1/2),
//   y  = w*x^ + b                                   (w, b broadcast to x)
// and its backward, for the head gradient g, is
//   gx = s*P(w*g),  gw = sum(g*x^),  gb = sum(g),   P(v) = v - mean(v) - x^*mean(v*x^)
// (sums to w's shape). NormalizationGrads returns the gradients of
// <hx,gx> + <hw,gw> + <hb,gb>.
#pragma once

#include <functional>
#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// The mean over each group, keeping dims so that it broadcasts against x.
using GroupMean = std::function<Expr(const Expr&)>;

// With heads hx, hw, hb broadcast to x, a = mean(hx*x^), c = mean(w*g*x^):
//   d/dg = w*s*P(hx) + hw*x^ + hb
//   d/dw = s*g*P(hx)                                   (to be summed to w's shape)
//   d/dx = s*P(u) - s^2*x^*(mean(hx*w*g) - mean(hx)*mean(w*g) - a*c),
//          u = hw*g - s*(hx*c + w*g*a)
// Returns {d/dg, d/dx, d/dw}.
Grads NormalizationGrads(const Expr& g, const Expr& x, const Expr& w, const Expr& hx,
                         const Expr& hw, const Expr& hb, const GroupMean& mean, double eps);

// NormalizationGrads for a normalization over the rows of x viewed as (N, K, rest)
// by the Reshape code `rows` (GroupNorm: K groups; InstanceNorm: K channels), with
// gamma and beta of shape (K,). Inputs g, x, gamma of the backward node; heads
// 0, 1, 2 for (gx, ggamma, gbeta). Returns {d/dg, d/dx, d/dgamma} in their shapes.
Grads RowNormalizationGrads(const Backward& n, const Expr& g, const Expr& x, const Expr& gamma,
                            const std::string& rows, double eps);

// A BatchNorm-like backward node (BatchNorm, BatchNorm_v1, SyncBatchNorm,
// BatchNormWithReLU): g, x, gamma and the moving statistics among its inputs,
// the heads of (gx, ggamma, gbeta), and the attributes that change the math.
struct BatchNormNode {
  BatchNormNode(Expr g, Expr x, Expr gamma, Expr moving_mean, Expr moving_var, Expr h_x,
                Expr h_gamma, Expr h_beta)
      : g(g),
        x(x),
        gamma(gamma),
        moving_mean(moving_mean),
        moving_var(moving_var),
        h_x(h_x),
        h_gamma(h_gamma),
        h_beta(h_beta) {}
  Expr g, x, gamma, moving_mean, moving_var, h_x, h_gamma, h_beta;
  std::string axis = "1";
  bool fix_gamma = true, use_global_stats = false;
  double eps = 1e-3;
};

// The gradient of <hx,gx> + <hgamma,ggamma> + <hbeta,gbeta> for BatchNorm's
// backward: batch statistics in training mode, moving statistics with
// use_global_stats or in predict mode (selected when the graph runs, run_mode.h).
// Returns {d/dg, d/dx, d/dgamma}; the statistics and beta get none.
Grads BatchNormGrads(const BatchNormNode& b);

// The legacy BatchNorm's backward node (BatchNorm_v1, SyncBatchNorm on one
// device): inputs (g, mean, var, x, gamma, moving_mean, moving_var), channel axis
// 1, outputs (gx, ggamma, gbeta). Defined in batch_norm_v1.cc.
Grads LegacyBatchNormGrads(const Backward& n);

// BatchNorm's forward gradient (inputs x, gamma, beta, moving_mean, moving_var):
// stock's, whose kernel updates the moving statistics; in a pass after one that
// created a graph from the same node, that kernel reads copies of them.
Grads MovingStatisticsUpdatedOnce(const Backward& n);

}  // namespace op
}  // namespace mxnet_ho
