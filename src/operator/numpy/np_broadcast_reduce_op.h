// Reductions of the NumPy interface shared by its rules.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// np.sum(x) with the attributes `attrs` (axis, keepdims, dtype).
inline Expr np_sum(const Expr& x, const AttrList& attrs) { return apply("_np_sum", {x}, attrs); }

}  // namespace op
}  // namespace mxnet_ho
