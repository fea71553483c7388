// Gradients of the backward op of sorting: _backward_topk, which topk (ret_typ
// "value" or "both") and sort (alias _npi_sort) share.
//
// The forward op picks k entries of x along an axis (all of them for sort), and
// its backward op scatters the head gradient g of the values into zeros of x's
// shape at the positions the indices name. That is linear in g; its adjoint
// gathers the incoming head h at the same positions. The indices are locally
// constant (ties aside) and the values are read for nothing but their place, so
// both get zero gradients. topk's "indices" and "mask" outputs, argsort and
// _npi_argsort have MXNet's zero gradient, which stands.
#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// x with its axis `from` moved to position `to`.
Expr moveaxis(const Expr& x, long from, long to) {
  return apply("_np_moveaxis", {x},
               {{"source", std::to_string(from)}, {"destination", std::to_string(to)}});
}

// take_along_axis(h, idx, axis): out[.., j, ..] = h[.., idx[.., j, ..], ..], idx
// shaped like h but along `axis`. With that axis moved to the front and the others
// flattened, h is a matrix H (n, R), idx a matrix J (k, R) and
// out[j, r] = H[J[j, r], r]: one gather_nd at the pairs (J, r).
Expr take_along_axis(const Expr& h, const Expr& idx, long axis) {
  Expr front = moveaxis(idx, axis, 0);
  Expr H = apply("Flatten", {moveaxis(h, axis, 0)});
  Expr J = apply("Cast", {apply("Flatten", {front})}, {{"dtype", "int64"}});
  Expr r = apply("_contrib_arange_like", {J}, {{"axis", "1"}});
  Expr pairs = apply("stack", {J, broadcast_like(apply("expand_dims", {r}, {{"axis", "0"}}), J)},
                     {{"num_args", "2"}, {"axis", "0"}});
  Expr out = apply("reshape_like", {apply("gather_nd", {H, pairs}), front});
  return moveaxis(out, 0, axis);
}

}  // namespace

// gx = g scattered into zeros of x's shape at idx along axis (x flattened for axis=None):
// d/dg = take_along_axis(h, idx, axis); d/dvalue = 0; d/didx = 0
MXNET_HO_GRADIENT(_backward_topk).set_rule([](const Backward& n) -> Grads {
  Expr idx = n.in(2);
  const bool flattened = n.attr("axis", "-1") == "None";
  const long axis = flattened ? 0 : n.integer("axis", -1);
  return linear_adjoint(n, [&](const Expr& h) {
    return take_along_axis(flattened ? apply("reshape", {h}, {{"shape", "(-1,)"}}) : h, idx, axis);
  });
});

}  // namespace op
}  // namespace mxnet_ho
