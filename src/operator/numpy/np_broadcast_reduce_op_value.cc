// Gradients of the backward ops of np.max/np.min (np.amax/np.amin), np.prod and
// np.broadcast_to. The reductions' backward ops take (g, x, y), y the reduction
// of x over `axis` (keepdims as given); B broadcasts a reduced array back to x's
// shape (the stock _backward_np_sum of an np.sum over the same axes, itself
// differentiable).
#include "dsl/grad_dsl.h"
#include "operator/numpy/np_broadcast_reduce_op.h"
#include "operator/tensor/broadcast_reduce_op.h"

namespace mxnet_ho {
namespace op {
namespace {

// The attributes that fix a NumPy reduction's result shape.
const std::vector<std::string> kAxes = {"axis", "keepdims"};

// np.max/np.min's rule: y recomputed with the same axis and `initial`.
Grads NpMaxMinGrad(const char* extremum, const Backward& n) {
  return ExtremumGrad(n, extremum, n.attrs({"axis", "initial"}), "_np_sum", n.attrs(kAxes));
}

}  // namespace

// gx = B(g)*[x == B(y)] (every tied maximum gets g, as in the stock kernel):
// d/dg = np.sum(h*[x == B(y)]) over axis; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_np_max).set_rule([](const Backward& n) {
  return NpMaxMinGrad("_np_max", n);
});

// gx = B(g)*[x == B(y)] (every tied minimum gets g, as in the stock kernel):
// d/dg = np.sum(h*[x == B(y)]) over axis; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_np_min).set_rule([](const Backward& n) {
  return NpMaxMinGrad("_np_min", n);
});

// gx = B(g)*B(y)/x: d/dg = sum(h*B(y)/x); d/dx = -h*B(g)*B(y)/x^2; d/dy = sum(h*B(g)/x)
MXNET_HO_GRADIENT(_backward_np_prod).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1), h = n.head(0, x);
  AttrList attrs = n.attrs(kAxes);
  Expr g = unreduce(n.in(0), x, attrs, "_np_sum"), y = unreduce(n.in(2), x, attrs, "_np_sum");
  Expr h_over_x = h / x;
  return {np_sum(h_over_x * y, attrs), -(h_over_x * g * y / x), np_sum(h_over_x * g, attrs)};
});

// gx = g summed to x's shape: d/dg = broadcast_to(h, shape)
MXNET_HO_GRADIENT(_backward_np_broadcast_to).set_rule([](const Backward& n) -> Grads {
  return {apply("_npi_broadcast_to", {n.head(0)}, n.attrs({"shape"}))};
});

}  // namespace op
}  // namespace mxnet_ho
