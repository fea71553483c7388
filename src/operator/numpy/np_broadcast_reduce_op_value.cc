// Gradients of the backward ops of np.max/np.min (np.amax/np.amin), np.prod and
// np.broadcast_to. The reductions' backward ops take (g, x, y), y the reduction
// of x over `axis` (keepdims as given); B broadcasts a reduced array back to x's
// shape (the stock _backward_np_sum of an np.sum over the same axes, itself
// differentiable).
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// The attributes that fix a NumPy reduction's result shape.
const std::vector<std::string> kAxes = {"axis", "keepdims"};

Expr np_sum(const Expr& x, const AttrList& attrs) { return apply("_np_sum", {x}, attrs); }

// [x == B(y)]: the elements that attain the extremum, as the stock kernel
// (mshadow_op::eq against the output) selects them: every tied element. y is
// recomputed with keepdims=True (same kernel, same `initial`, same value) so
// that it broadcasts; the indicator passes no gradient.
Expr attains(const char* extremum, const Expr& x, const Backward& n) {
  AttrList attrs = n.attrs({"axis", "initial"});
  attrs.emplace_back("keepdims", "1");
  return apply("broadcast_equal", {x, apply(extremum, {x}, attrs)});
}

// gx = B(g)*[x == B(y)]:  d/dg = sum(h*[x == B(y)]);  d/dx = d/dy = 0
Grads ExtremumGrad(const char* extremum, const Backward& n) {
  Expr x = n.in(1), h = n.head(0, x);
  return {np_sum(h * attains(extremum, x, n), n.attrs(kAxes)), zeros_like(x), zeros_like(n.in(2))};
}

}  // namespace

// gx = B(g)*[x == B(y)] (every tied maximum gets g, as in the stock kernel):
// d/dg = np.sum(h*[x == B(y)]) over axis; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_np_max).set_rule([](const Backward& n) {
  return ExtremumGrad("_np_max", n);
});

// gx = B(g)*[x == B(y)] (every tied minimum gets g, as in the stock kernel):
// d/dg = np.sum(h*[x == B(y)]) over axis; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_np_min).set_rule([](const Backward& n) {
  return ExtremumGrad("_np_min", n);
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
