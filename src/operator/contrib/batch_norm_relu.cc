// Gradient of _backward_contrib_BatchNormWithReLU (MKL-DNN only, float32).
//
// The op is y = relu(z), z = BatchNorm(x, gamma, beta) (BatchNorm's attributes and
// run-time choice of statistics), and its backward node, reading (g, mean, var,
// x, gamma, beta, moving_mean, moving_var, workspace), returns BatchNorm's
// backward at the head g*m, m = 1[z > 0] (the ReLU mask the forward pass keeps in
// its workspace). m is locally constant in x, so the gradient is BatchNorm's
// derivative (nn/normalization.h) at g*m, its d/dg masked by m. The rule
// recomputes z with BatchNorm from copies of the moving statistics (a forward
// kernel may update them).
#include "operator/nn/normalization.h"

namespace mxnet_ho {
namespace op {

// gx, ggamma, gbeta = BatchNorm's backward at g*m, m = 1[BatchNorm(x) > 0]: d/dg = m * (BatchNorm's
// d/dg at g*m); d/dx, d/dgamma = BatchNorm's at g*m; statistics, beta, workspace: 0
MXNET_HO_GRADIENT(_backward_contrib_BatchNormWithReLU)
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      const AttrList attrs =
          n.attrs({"eps", "momentum", "fix_gamma", "use_global_stats", "axis", "cudnn_off"});
      Expr x = n.in(3), gamma = n.in(4), beta = n.in(5);
      Expr z = apply("BatchNorm",
                     {x, gamma, beta, apply("_copy", {n.in(6)}), apply("_copy", {n.in(7)})}, attrs);
      Expr mask = z > 0.0;
      BatchNormNode b(n.in(0) * mask, x, gamma, n.in(6), n.in(7), n.head(0), n.head(1, gamma),
                      n.head(2, beta));
      b.axis = n.attr("axis", "1");
      b.fix_gamma = n.flag("fix_gamma", true);
      b.use_global_stats = n.flag("use_global_stats");
      b.eps = n.scalar("eps", 1e-3);
      Grads d = BatchNormGrads(b);
      return {d[0] * mask,
              zeros_like(n.in(1)),
              zeros_like(n.in(2)),
              d[1],
              d[2],
              zeros_like(beta),
              zeros_like(n.in(6)),
              zeros_like(n.in(7)),
              zeros_like(n.in(8))};
    });

}  // namespace op
}  // namespace mxnet_ho
