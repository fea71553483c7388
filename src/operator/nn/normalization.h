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

}  // namespace op
}  // namespace mxnet_ho
