// Gradients of the backward ops of np.where(cond, x, y) and of its forms with a
// scalar operand. Each takes (g, cond) and routes g, summed to the operand's
// shape where it broadcast, to x where cond != 0 and to y elsewhere; the
// adjoint routes the heads back to g's (broadcast) shape the same way. The
// condition gets zero.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// (gx, gy) = (sum_to(where(c, g, 0), x), sum_to(where(c, 0, g), y)): d/dg = where(c, h_x, h_y);
// d/dc = 0
MXNET_HO_GRADIENT(_backward_np_where).set_rule([](const Backward& n) -> Grads {
  Expr cond = n.in(1);
  Expr hx = n.head_is_zero(0) ? zeros_like(n.in(0)) : n.head(0);
  Expr hy = n.head_is_zero(1) ? zeros_like(n.in(0)) : n.head(1);
  return {apply("_npi_where", {cond, hx, hy}), zeros_like(cond)};
});

namespace {

// where(cond, h, 0) and where(cond, 0, h), built with the three-array where: the
// scalar forms' own (stock) gradients are wrong, see below.
Expr keep_where(const Expr& cond, const Expr& h) {
  return apply("_npi_where", {cond, h, zeros_like(h)});
}
Expr keep_elsewhere(const Expr& cond, const Expr& h) {
  return apply("_npi_where", {cond, zeros_like(h), h});
}

}  // namespace

// The scalar forms, as Python's np.where maps them: where(cond, s, y) is
// _npi_where_lscalar(cond, y) and where(cond, x, s) is _npi_where_rscalar(cond, x).
// Their stock backward kernels route g by the wrong side of the condition (a
// stock bug, kept at first order and matched here at every order):
//   lscalar: gy = sum_to(where(cond, g, 0), y) (y is taken where cond == 0);
//   rscalar: gx = where(cond, 0, g) where x has g's shape (x is taken where
//            cond != 0), but sum_to(where(cond, g, 0), x) where x broadcasts.

// where(c, s, y): stock gives gy = sum_to(where(c, g, 0), y) (the wrong side of c, kept):
// d/dg = where(c, h, 0); d/dc = 0
MXNET_HO_GRADIENT(_backward_np_where_lscalar).set_rule([](const Backward& n) -> Grads {
  Expr cond = n.in(1);
  return {keep_where(cond, n.head(0)), zeros_like(cond)};
});

// where(c, x, s): stock gives gx = where(c, 0, g) if x has g's size (the wrong side of c, kept),
// else sum_to(where(c, g, 0), x): d/dg = where(c, 0, h) resp. where(c, h, 0); d/dc = 0
MXNET_HO_GRADIENT(_backward_np_where_rscalar).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), cond = n.in(1), h = n.head(0);
  Expr same_size =
      apply("_npi_equal", {apply("_np_sum", {ones_like(h)}), apply("_np_sum", {ones_like(g)})});
  Expr routed = apply("_npi_where", {same_size, keep_elsewhere(cond, h), keep_where(cond, h)});
  return {routed, zeros_like(cond)};
});

}  // namespace op
}  // namespace mxnet_ho
