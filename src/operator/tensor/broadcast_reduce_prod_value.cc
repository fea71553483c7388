// Gradients of the backward ops of prod, nanprod and nansum (stock MXNet
// registers nansum beside sum; its rule lives here with the other NaN-aware
// reduction). Each backward op takes (g, x, y) with y the reduction of x, and
// B broadcasts a reduced array back to x's shape.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kReduceAttrs = {"axis", "keepdims", "exclude"};

Expr sum(const Expr& x, const AttrList& attrs) { return apply("sum", {x}, attrs); }

// [x is a number]: 0 where x is NaN, else 1
Expr is_number(const Expr& x) { return apply("_equal", {x, x}); }

// x where x is a number, 1 where it is NaN
Expr nan_to_one(const Expr& x) { return apply("where", {is_number(x), x, ones_like(x)}); }

}  // namespace

// gx = B(g)*B(y)/x: d/dg = sum(h*B(y)/x); d/dx = -h*B(g)*B(y)/x^2; d/dy = sum(h*B(g)/x)
MXNET_HO_GRADIENT(_backward_prod).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1), h = n.head(0, x);
  AttrList attrs = n.attrs(kReduceAttrs);
  Expr g = unreduce(n.in(0), x, attrs), y = unreduce(n.in(2), x, attrs);
  Expr h_over_x = h / x;
  return {sum(h_over_x * y, attrs), -(h_over_x * g * y / x), sum(h_over_x * g, attrs)};
});

// gx = m*B(g)*B(y)/x1, m = [x is not NaN], x1 = x with NaN as 1: d/dg = sum(m*h*B(y)/x1);
// d/dx = -m*h*B(g)*B(y)/x1^2; d/dy = sum(m*h*B(g)/x1)
MXNET_HO_GRADIENT(_backward_nanprod).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  AttrList attrs = n.attrs(kReduceAttrs);
  Expr g = unreduce(n.in(0), x, attrs), y = unreduce(n.in(2), x, attrs);
  Expr x1 = nan_to_one(x);
  Expr h_over_x = n.head(0, x) * is_number(x) / x1;
  return {sum(h_over_x * y, attrs), -(h_over_x * g * y / x1), sum(h_over_x * g, attrs)};
});

// gx = B(g)*[x is not NaN]: d/dg = sum(h*[x is not NaN]); d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_nansum).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  return {sum(n.head(0, x) * is_number(x), n.attrs(kReduceAttrs)), zeros_like(x),
          zeros_like(n.in(2))};
});

}  // namespace op
}  // namespace mxnet_ho
