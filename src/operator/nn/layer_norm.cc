// Gradient of _backward_LayerNorm: the normalization of nn/batch_norm.cc over
// one axis, with gamma and beta laid along that axis (so w varies inside a group).
#include "operator/nn/normalization.h"

namespace mxnet_ho {
namespace op {

// inputs (g, x, gamma, mean, std) -> (gx, ggamma, gbeta): the training BatchNorm derivative with
// groups along `axis` and w = gamma laid along that axis (varying inside a group);
// saved mean, std: 0
MXNET_HO_GRADIENT(_backward_LayerNorm).broadcasting().set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), gamma = n.in(2);
  const std::string axis = n.attr("axis", "-1");
  auto mean = [&](const Expr& e) {
    return apply("mean", {e}, {{"axis", axis}, {"keepdims", "True"}});
  };
  // (1, .., C, .., 1): the shape of gamma laid along the normalized axis.
  Expr like = apply("sum", {x}, {{"axis", axis}, {"exclude", "True"}, {"keepdims", "True"}});
  auto along_axis = [&](const Expr& v) { return apply("reshape_like", {v, like}); };
  Grads d = NormalizationGrads(g, x, along_axis(gamma), n.head(0), along_axis(n.head(1, gamma)),
                               along_axis(n.head(2, gamma)), mean, n.scalar("eps", 1e-5));
  Expr d_gamma = apply("sum", {d[2]}, {{"axis", axis}, {"exclude", "True"}});
  return {d[0], d[1], d_gamma, zeros_like(n.in(3)), zeros_like(n.in(4))};
});

}  // namespace op
}  // namespace mxnet_ho
