// An array's axes as arrays, for rules and twins that read no shapes: the
// length of an axis, its last index, whether an index lies on it, one entry of
// the channel axis.
#pragma once

#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// The length of z along `axis` (1,), in z's dtype.
inline Expr AxisLength(const Expr& z, int axis) {
  return apply("sum",
               {ones_like(apply("_contrib_arange_like", {z}, {{"axis", std::to_string(axis)}}))});
}

// The last index of z along `axis`, its length - 1 (1,).
inline Expr LastIndex(const Expr& z, int axis) {
  return apply("max", {apply("_contrib_arange_like", {z}, {{"axis", std::to_string(axis)}})});
}

// Whether 0 <= i <= last (last (1,), i any shape).
inline Expr Within(const Expr& i, const Expr& last) {
  return (i >= 0.0) * apply("broadcast_lesser_equal", {i, last});
}

// Channel c of z (N, C, ...) as (N, 1, ...).
inline Expr Channel(const Expr& z, int c) {
  return apply("slice_axis", {z},
               {{"axis", "1"}, {"begin", std::to_string(c)}, {"end", std::to_string(c + 1)}});
}

}  // namespace op
}  // namespace mxnet_ho
