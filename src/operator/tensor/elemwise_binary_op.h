// The binary-arithmetic rules shared by the legacy elemwise_*/broadcast_*
// backward ops (elemwise_binary_op.cc) and the NumPy-interface _npi_* ones
// (numpy/np_elemwise_broadcast_op.cc): each backward op takes (g, a, b) and
// returns (ga, gb), summed to the inputs' shapes when broadcasting.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

Grads MulGrad(const Backward& n);    // (ga, gb) = (g*b, g*a)
Grads DivGrad(const Backward& n);    // (ga, gb) = (g/b, -g*a/b^2)
Grads PowerGrad(const Backward& n);  // (ga, gb) = (g*b*a^(b-1), g*a^b*ln(a))
Grads ModGrad(const Backward& n);    // (ga, gb) = (g, -g*floor(a/b))
Grads HypotGrad(const Backward& n);  // (ga, gb) = (g*a/r, g*b/r), r = hypot(a, b)

}  // namespace op
}  // namespace mxnet_ho
