// Gradients of _backward_BatchNorm_v1, the legacy BatchNorm (channel axis 1).
//
// Its math is BatchNorm's (nn/batch_norm.cc): batch statistics in training mode,
// moving statistics with use_global_stats or in predict mode, gamma read as 1
// with fix_gamma. Its backward node reads (g, mean, var, x, gamma) and, appended
// as a legacy op's auxiliary states, (moving_mean, moving_var); it has no beta
// input, but a gbeta output. The saved mean and var are recomputed from x.
#include "operator/nn/normalization.h"

namespace mxnet_ho {
namespace op {

Grads LegacyBatchNormGrads(const Backward& n) {
  BatchNormNode b(n.in(0), n.in(3), n.in(4), n.in(5), n.in(6), n.head(0), n.head(1, n.in(4)),
                  n.head(2, n.in(4)));
  b.fix_gamma = n.flag("fix_gamma", true);
  b.use_global_stats = n.flag("use_global_stats");
  b.eps = single_precision(n.scalar("eps", 1e-3));  // a float parameter, added in float32
  Grads d = BatchNormGrads(b);
  return {d[0], zeros_like(n.in(1)), zeros_like(n.in(2)), d[1],
          d[2], zeros_like(n.in(5)), zeros_like(n.in(6))};
}

// inputs (g, mean, var, x, gamma, moving_mean, moving_var) -> (gx, ggamma, gbeta): BatchNorm's
// derivative (training mode: batch statistics; use_global_stats or predict mode: moving
// statistics; fix_gamma: w = 1, d/dgamma = 0) with channel axis 1; saved and moving statistics: 0
MXNET_HO_GRADIENT(_backward_BatchNorm_v1).broadcasting().set_rule(LegacyBatchNormGrads);

// stock's gradient (its backward kernel updates the moving statistics); in a pass after one that
// created a graph from the same node, that kernel reads copies of them: one forward pass, one
// update
MXNET_HO_GRADIENT(BatchNorm_v1).keeps_stock().set_rule(MovingStatisticsUpdatedOnce);

}  // namespace op
}  // namespace mxnet_ho
