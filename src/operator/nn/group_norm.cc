// Gradient of _backward_GroupNorm: the normalization of nn/batch_norm.cc over
// groups of channels. x (N, C, ...) is viewed as (N, G, C/G * ...) with G =
// num_groups; each (n, group) row is one group, and gamma, beta have shape (G,).
#include "normalization.h"

namespace mxnet_ho {
namespace op {


namespace {

Expr Reshape(const Expr& e, const std::string& shape) {
  return apply("Reshape", {e}, {{"shape", shape}});
}

}  // namespace

// inputs (g, x, gamma, mean, std) -> (gx, ggamma, gbeta): the normalization's derivative
// on the (N, G, rest) view, the statistics recomputed from x (the saved ones get none)
MXNET_HO_GRADIENT(_backward_GroupNorm).broadcasting().set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), gamma = n.in(2);
  AttrList num_groups = n.attrs({"num_groups"});
  const std::string groups = "(0," + (num_groups.empty() ? "1" : num_groups[0].second) + ",-1)";
  auto grouped = [&](const Expr& e) { return Reshape(e, groups); };
  auto per_group = [&](const Expr& v) { return Reshape(v, "(1,-1,1)"); };
  auto mean = [](const Expr& e) { return apply("mean", {e}, {{"axis", "2"}, {"keepdims", "True"}}); };
  Grads d = NormalizationGrads(grouped(g), grouped(x), per_group(gamma), grouped(n.head(0)),
                               per_group(n.head(1, gamma)), per_group(n.head(2, gamma)),
                               mean, n.scalar("eps", 1e-5));
  return {apply("reshape_like", {d[0], g}), apply("reshape_like", {d[1], x}),
          apply("sum", {d[2]}, {{"axis", "(0,2)"}}), zeros_like(n.in(3)), zeros_like(n.in(4))};
});

}  // namespace op
}  // namespace mxnet_ho
