// The rule shape shared by the backward ops of softmax-like layers (softmax,
// softmin, SoftmaxActivation): gx = c*y*(g - S(g*y)), y the softmax output and
// S a sum over its axes, keeping dims (broadcasting against y).
#pragma once

#include <functional>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

struct SoftmaxAdjoint {
  Expr dg, dy;
};

// gx = c*y*(g - S(g*y)):  d/dg = c*y*(h - S(h*y));  d/dy = c*(h*(g - S(g*y)) - g*S(h*y))
inline SoftmaxAdjoint SoftmaxVjp(const Expr& g, const Expr& y, const Expr& h,
                                 const std::function<Expr(const Expr&)>& sum, double c) {
  Expr hy = sum(h * y), gy = sum(g * y);
  Expr dg = y * (h - hy), dy = h * (g - gy) - g * hy;
  return c == 1.0 ? SoftmaxAdjoint{dg, dy} : SoftmaxAdjoint{dg * c, dy * c};
}

}  // namespace op
}  // namespace mxnet_ho
