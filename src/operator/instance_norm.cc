// Gradient of _backward_InstanceNorm: the normalization of nn/batch_norm.cc over
// each (sample, channel) of x (N, C, ...), viewed as (N, C, rest); gamma and
// beta have shape (C,). (InstanceNorm computes in float32 only.)
#include "nn/normalization.h"

namespace mxnet_ho {
namespace op {


namespace {

Expr Reshape(const Expr& e, const std::string& shape) {
  return apply("Reshape", {e}, {{"shape", shape}});
}

}  // namespace

// inputs (g, mean, var, x, gamma) -> (gx, ggamma, gbeta): the normalization's derivative
// on the (N, C, rest) view, the statistics recomputed from x (the saved ones get none)
MXNET_HO_GRADIENT(_backward_InstanceNorm).broadcasting().set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(3), gamma = n.in(4);
  auto rows = [](const Expr& e) { return Reshape(e, "(0,0,-1)"); };
  auto per_channel = [](const Expr& v) { return Reshape(v, "(1,-1,1)"); };
  auto mean = [](const Expr& e) { return apply("mean", {e}, {{"axis", "2"}, {"keepdims", "True"}}); };
  Grads d = NormalizationGrads(rows(g), rows(x), per_channel(gamma), rows(n.head(0)),
                               per_channel(n.head(1, gamma)),
                               per_channel(n.head(2, gamma)), mean, n.scalar("eps", 1e-3));
  return {apply("reshape_like", {d[0], g}), zeros_like(n.in(1)), zeros_like(n.in(2)),
          apply("reshape_like", {d[1], x}), apply("sum", {d[2]}, {{"axis", "(0,2)"}})};
});

}  // namespace op
}  // namespace mxnet_ho
