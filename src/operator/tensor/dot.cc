// Gradient of _backward_dot(g, a, b) = (ga, gb), the backward op of the
// bilinear y = dot(a, b) (any transpose_a / transpose_b, 1-D and N-D): with
// (ga, gb) the partial gradients of <g, dot(a, b)>: the bilinear rule of
// grad_dsl.h (`bilinear_rule`). (batch_dot's stock gradient is made of
// batch_dot nodes, differentiable already.)
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kDotAttrs = {"transpose_a", "transpose_b", "forward_stype"};

}  // namespace

// bilinear dot(a, b) (any transpose, 1-D, N-D): d/dg = dot(h_a, b) + dot(a, h_b);
// d/da = grad_a <g, dot(a, h_b)>; d/db = grad_b <g, dot(h_a, b)>
MXNET_HO_GRADIENT(_backward_dot).set_rule([](const Backward& n) -> Grads {
  return bilinear_rule(n, "dot", kDotAttrs);
});

}  // namespace op
}  // namespace mxnet_ho
