// Gradients of the backward ops of NumPy binary arithmetic (_npi_add,
// _npi_subtract, _npi_multiply, _npi_true_divide, _npi_power), and of
// np.sum/np.mean, np.dot and np.matmul.
//
// The _npi_* binary backward ops take (g, a, b) and return (ga, gb), each
// summed to its input's shape, like the legacy broadcast_* ones: a rule
// returns the gradient of <h_a, ga> + <h_b, gb> with respect to g, a and b.
// Multiplication, division and power share the legacy rules.
#include "operator/tensor/elemwise_binary_op.h"

namespace mxnet_ho {
namespace op {
namespace {

// (ga, gb) = (g, g)
Grads AddGrad(const Backward& n) {
  Expr a = n.in(1), b = n.in(2);
  return {n.head(0) + n.head(1), zeros_like(a), zeros_like(b)};
}

// (ga, gb) = (g, -g)
Grads SubGrad(const Backward& n) {
  Expr a = n.in(1), b = n.in(2);
  return {n.head(0) - n.head(1), zeros_like(a), zeros_like(b)};
}

// The attributes of a NumPy reduction that shape its result (not `initial`,
// an additive constant of the forward value only).
const std::vector<std::string> kReduceAttrs = {"axis", "keepdims", "dtype"};

}  // namespace

// (ga, gb) = (g, g) summed to a, b: d/dg = h_a + h_b
MXNET_HO_GRADIENT(_backward_npi_broadcast_add).broadcasting().set_rule(AddGrad);

// (ga, gb) = (g, -g) summed to a, b: d/dg = h_a - h_b
MXNET_HO_GRADIENT(_backward_npi_broadcast_sub).broadcasting().set_rule(SubGrad);

// (ga, gb) = (g*b, g*a): d/dg = h_a*b + h_b*a; d/da = sum_to(h_b*g); d/db = sum_to(h_a*g)
MXNET_HO_GRADIENT(_backward_npi_broadcast_mul).broadcasting().set_rule(MulGrad);

// (ga, gb) = (g/b, -g*a/b^2): d/dg = (h_a - h_b*a/b)/b; d/da = -h_b*g/b^2;
// d/db = g/b^2*(2*h_b*a/b - h_a)
MXNET_HO_GRADIENT(_backward_npi_broadcast_div).broadcasting().set_rule(DivGrad);

// (ga, gb) = (g*b*a^(b-1), g*a^b*ln a): d/dg = a^(b-1)*(h_a*b + h_b*a*ln a);
// d/da = g*(h_a*b*(b-1)*a^(b-2) + h_b*a^(b-1)*(b*ln a + 1));
// d/db = g*a^(b-1)*(h_a*(b*ln a + 1) + h_b*a*ln^2 a)
MXNET_HO_GRADIENT(_backward_npi_broadcast_power).broadcasting().set_rule(PowerGrad);

// gx = g broadcast over the summed axes: d/dg = np.sum(h) over the same axis/keepdims/dtype
MXNET_HO_GRADIENT(_backward_np_sum).set_rule([](const Backward& n) -> Grads {
  return {apply("_np_sum", {n.head(0)}, n.attrs(kReduceAttrs))};
});

// gx = g broadcast over the axes / N: d/dg = np.mean(h) over the same axis/keepdims/dtype
MXNET_HO_GRADIENT(_backward_np_mean).set_rule([](const Backward& n) -> Grads {
  return {apply("_npi_mean", {n.head(0)}, n.attrs(kReduceAttrs))};
});

// bilinear: d/dg = dot(h_a, b) + dot(a, h_b); d/da = D_a dot(a, h_b)[g]; d/db = D_b dot(h_a, b)[g]
MXNET_HO_GRADIENT(_backward_np_dot).set_rule([](const Backward& n) -> Grads {
  return bilinear_rule(n, "_np_dot", {});
});

// (ga, gb) = (g @ b^T, a^T @ g), summed over broadcast batch axes, bilinear:
// d/dg = matmul(h_a, b) + matmul(a, h_b); d/da = D_a matmul(a, h_b)[g];
// d/db = D_b matmul(h_a, b)[g]
MXNET_HO_GRADIENT(_backward_np_matmul).set_rule([](const Backward& n) -> Grads {
  return bilinear_rule(n, "_npi_matmul", {});
});

}  // namespace op
}  // namespace mxnet_ho
