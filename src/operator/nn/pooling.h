// The max-pooling selection shared by Pooling's and Pooling_v1's rules; defined
// in pooling.cc.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// J(x) h for max pooling y = pool(x) over the windows of the pooling node `n`
// (its kernel, stride, pad, global_pool, pooling_convention and layout): in each
// window, h at the position the stock kernel routes g to. That is the first
// position (in scan order) where x equals y, or with `every_tie` the sum of h
// over every position where x equals y (none where y is a padding zero).
// Positions outside x (padding, the full convention's overhang) never count.
Expr MaxPoolingSelect(const Backward& n, const Expr& x, const Expr& y, const Expr& h,
                      bool every_tie);

}  // namespace op
}  // namespace mxnet_ho
