// Gradient of the backward op of SoftmaxActivation: y = softmax of x over the
// last axis of x laid out 2-D (mode 'instance', the default) or over axis 1
// (mode 'channel'). The backward op takes (g, y) and returns
// gx = y*(g - S(g*y)) with S the sum over axis 1 (keeping it) in both modes, as
// the stock kernel computes: for inputs of 3 or more axes in instance mode that
// is not the derivative of y (a stock bug kept at first order), and the rule
// differentiates what the kernel computes. It reads y only.
#include "dsl/grad_dsl.h"
#include "operator/nn/softmax.h"

namespace mxnet_ho {
namespace op {

// gx = y*(g - S(g*y)), S over axis 1 (both modes, as the kernel): d/dg = y*(h - S(h*y));
// d/dy = h*(g - S(g*y)) - g*S(h*y)
MXNET_HO_GRADIENT(_backward_SoftmaxActivation).broadcasting().set_rule([](const Backward& n) {
  auto sum = [](const Expr& e) { return apply("sum", {e}, {{"axis", "1"}, {"keepdims", "True"}}); };
  SoftmaxAdjoint d = SoftmaxVjp(n.in(0), n.in(1), n.head(0), sum, 1.0);
  return Grads{d.dg, d.dy};
});

}  // namespace op
}  // namespace mxnet_ho
