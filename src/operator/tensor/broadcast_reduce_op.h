// The rule shared by the max and min reductions of both interfaces (max, min,
// _np_max, _np_min).
#pragma once

#include <string>
#include <utility>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// The backward op of y = extremum(x) takes (g, x, y) and returns
// gx = B(g)*[x == B(y)]: every tied element gets g, as in the stock kernels
// (mshadow_op::eq against the output). Its rule:
//   d/dg = sum(h*[x == B(y)]) over the reduced axes;  d/dx = d/dy = 0
// y is recomputed by `extremum` with `extremum_attrs` and keepdims (the same
// kernel, so the same value) to compare by broadcasting; the comparison passes
// no gradient. `sum_op` with `sum_attrs` reduces back to g's shape.
inline Grads ExtremumGrad(const Backward& n, const std::string& extremum, AttrList extremum_attrs,
                          const std::string& sum_op, const AttrList& sum_attrs) {
  Expr x = n.in(1), h = n.head(0, x);
  Expr y = apply(extremum, {x}, with_attr(std::move(extremum_attrs), "keepdims", "1"));
  Expr attains = apply("broadcast_equal", {x, y});
  return {apply(sum_op, {h * attains}, sum_attrs), zeros_like(x), zeros_like(n.in(2))};
}

}  // namespace op
}  // namespace mxnet_ho
