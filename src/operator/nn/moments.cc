// Gradient of _backward_moments(gm, gv, x, m, v), the backward op of
// (m, v) = moments(x, axes, keepdims): with N the number of reduced elements,
// B broadcasting a reduced array back to x's shape and c = x - B(m),
//   gx = B(gm)/N + 2*B(gv)*c/N.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// moments' (axes, keepdims) as the (axis, keepdims) of sum and mean
AttrList reduce_attrs(const Backward& n) {
  const std::string axes = n.attr("axes", "");
  return axes.empty() ? n.attrs({"keepdims"}) : with_attr(n.attrs({"keepdims"}), "axis", axes);
}

// y, reduced from x by `reducer` ("sum" or "mean"), spread back over x's shape
// as that reduction's stock gradient does: B(y), or B(y)/N for mean.
Expr unreduce(const char* reducer, const Expr& y, const Expr& x, const AttrList& attrs) {
  Expr reduced = apply(reducer, {x}, attrs);
  return stock_gradient_of(reduced, {y}, 0);
}

Expr mean(const Expr& x, const AttrList& attrs) { return apply("mean", {x}, attrs); }

// Head gradient i, or zeros shaped like `like` where MXNet passed none: the
// DSL's stand-in, zeros_like(input 0), has the reduced shape of g here.
Expr head_like(const Backward& n, size_t i, const Expr& like) {
  Expr h = n.head(i);
  return is_zeros(h) ? zeros_like(like) : h;
}

}  // namespace

// gx = B(gm)/N + 2*B(gv)*(x - B(m))/N: d/dgm = mean(h); d/dgv = 2*mean(h*(x - B(m)));
// d/dx = 2*h*B(gv)/N; d/dm = -2*sum(h*B(gv))/N; d/dv = 0
MXNET_HO_GRADIENT(_backward_moments).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(2), h = head_like(n, 0, x);
  AttrList attrs = reduce_attrs(n);
  Expr c = x - unreduce("sum", n.in(3), x, attrs);
  Expr h_gv = 2.0 * h * unreduce("mean", n.in(1), x, attrs);  // 2*h*B(gv)/N
  return {mean(h, attrs), 2.0 * mean(h * c, attrs), h_gv, -apply("sum", {h_gv}, attrs),
          zeros_like(n.in(4))};
});

}  // namespace op
}  // namespace mxnet_ho
