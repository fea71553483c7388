// Gradient of _backward_InstanceNorm: the normalization of nn/batch_norm.cc over
// each (sample, channel) of x (N, C, ...), viewed as (N, C, rest); gamma and
// beta have shape (C,). (InstanceNorm computes in float32 only.)
#include "operator/nn/normalization.h"

namespace mxnet_ho {
namespace op {

// inputs (g, mean, var, x, gamma) -> (gx, ggamma, gbeta): the training BatchNorm derivative on the
// (N, C, rest) view of x, gamma of shape (C,); saved mean, var: 0 (float32 only, as the stock op)
MXNET_HO_GRADIENT(_backward_InstanceNorm).broadcasting().set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(3), gamma = n.in(4);
  Grads d = RowNormalizationGrads(n, g, x, gamma, "(0,0,-1)", n.scalar("eps", 1e-3));
  return {d[0], zeros_like(n.in(1)), zeros_like(n.in(2)), d[1], d[2]};
});

}  // namespace op
}  // namespace mxnet_ho
