// Gradient of _backward_GroupNorm: the normalization of nn/batch_norm.cc over
// groups of channels. x (N, C, ...) is viewed as (N, G, C/G * ...) with G =
// num_groups; each (n, group) row is one group, and gamma, beta have shape (G,).
#include "operator/nn/normalization.h"

namespace mxnet_ho {
namespace op {

// inputs (g, x, gamma, mean, std) -> (gx, ggamma, gbeta): the training BatchNorm derivative on the
// (N, num_groups, rest) view of x, gamma of shape (num_groups,); saved mean, std: 0
MXNET_HO_GRADIENT(_backward_GroupNorm).broadcasting().set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), gamma = n.in(2);
  AttrList num_groups = n.attrs({"num_groups"});
  const std::string groups = "(0," + (num_groups.empty() ? "1" : num_groups[0].second) + ",-1)";
  Grads d = RowNormalizationGrads(n, g, x, gamma, groups, n.scalar("eps", 1e-5));
  return {d[0], d[1], d[2], zeros_like(n.in(3)), zeros_like(n.in(4))};
});

}  // namespace op
}  // namespace mxnet_ho
