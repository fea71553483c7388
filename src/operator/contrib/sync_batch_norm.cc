// Gradients of _backward__contrib_SyncBatchNorm.
//
// SyncBatchNorm is the legacy BatchNorm (channel axis 1) whose batch statistics
// in training mode, and whose backward's per-channel sums of g and g*(x - mean),
// are averaged over `ndev` devices through state shared by `key` outside the
// graph. On one device (ndev = 1), and with use_global_stats (which exchanges
// nothing), it is BatchNorm, and its backward node (g, mean, var, x, gamma,
// moving_mean, moving_var) has BatchNorm_v1's rule. With ndev > 1 and batch
// statistics each device's gx depends on the other devices' x and g, which reach
// it through that hidden exchange and not through the node's inputs: no rule on
// one node can differentiate it, and the rule refuses it by name (also in predict
// mode, which the node's attributes do not record).
#include <stdexcept>

#include "operator/nn/normalization.h"

namespace mxnet_ho {
namespace op {

// ndev = 1 or use_global_stats, inputs (g, mean, var, x, gamma, moving_mean, moving_var) -> (gx,
// ggamma, gbeta): BatchNorm's derivative (training mode: batch statistics; use_global_stats or
// predict mode: moving statistics; fix_gamma: w = 1, d/dgamma = 0) with channel axis 1;
// statistics: 0. ndev > 1 without use_global_stats: refused (the cross-device averages are not
// inputs of the node)
MXNET_HO_GRADIENT(_backward__contrib_SyncBatchNorm)
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      if (n.integer("ndev", 1) != 1 && !n.flag("use_global_stats"))
        throw std::runtime_error(
            "mxnet-ho: _backward__contrib_SyncBatchNorm with ndev > 1 (without use_global_stats) "
            "cannot be differentiated again: each device's gradient depends on the other "
            "devices' data and head gradients through the statistics it exchanges with them "
            "outside the graph; use ndev=1, use_global_stats=True or BatchNorm for higher "
            "orders");
      return LegacyBatchNormGrads(n);
    });

// stock's gradient (its backward kernel updates the moving statistics); in a pass after one that
// created a graph from the same node, that kernel reads copies of them: one forward pass, one
// update
MXNET_HO_GRADIENT(_contrib_SyncBatchNorm).keeps_stock().set_rule(MovingStatisticsUpdatedOnce);

}  // namespace op
}  // namespace mxnet_ho
