// Arrays laid over the leading axes of another (one value per matrix of a
// batch, a density's parameters over its samples). MXNet broadcasts trailing
// axes: with every axis reversed, leading axes become trailing ones.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// x with every axis reversed (transpose without axes); its own inverse.
inline Expr reversed(const Expr& x) { return apply("transpose", {x}); }

// c * m, where c has m's leading axes (and is constant over its trailing ones).
inline Expr leading_times(const Expr& c, const Expr& m) {
  return reversed(apply("broadcast_mul", {reversed(c), reversed(m)}));
}

}  // namespace op
}  // namespace mxnet_ho
