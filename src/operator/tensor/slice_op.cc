// Gradients of the backward ops of slicing and clipping: slice, slice_axis,
// slice_like and clip; and of the forward ops that assign into a slice,
// _slice_assign and _slice_assign_scalar (_crop_assign, _crop_assign_scalar),
// which have no FGradient in stock MXNet.
//
// The backward op of a slice scatters the head gradient g into zeros of the
// input's shape; it is linear in g, and its adjoint is the same slice taken of
// the incoming head h. A rule returns the gradient of <h, gx> with respect to
// every input of the backward op.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g padded into zeros at [begin:end:step]: d/dg = slice(h, begin, end, step)
MXNET_HO_GRADIENT(_backward_slice).set_rule([](const Backward& n) -> Grads {
  return {apply("slice", {n.head(0)}, n.attrs({"begin", "end", "step"}))};
});

// gx = g padded into zeros along axis at [begin:end]: d/dg = slice_axis(h, axis, begin, end)
MXNET_HO_GRADIENT(_backward_slice_axis).set_rule([](const Backward& n) -> Grads {
  return {apply("slice_axis", {n.head(0)}, n.attrs({"axis", "begin", "end"}))};
});

// (gx, g_like) = (g padded into zeros of x's shape, 0): d/dg = slice_like(h_x, g, axes)
MXNET_HO_GRADIENT(_backward_slice_like).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0);
  return {apply("slice_like", {n.head(0), g}, n.attrs({"axes"}))};
});

// gx = g*[a_min <= x <= a_max]: d/dg = h*[a_min <= x <= a_max];
// d/dx = 0 (replaces MXNet's rule, which returns zero for g too and loses every term past order 2)
MXNET_HO_GRADIENT(_backward_clip).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(1);
  // The bounds are float parameters of clip; compare against the same floats.
  const float a_min = n.scalar("a_min", 0.0), a_max = n.scalar("a_max", 0.0);
  return {n.head(0) * ((x >= a_min) * (x <= a_max)), zeros_like(x)};
});

// y = lhs with [begin:end:step] replaced by rhs:
// d/dlhs = _slice_assign_scalar(h, 0, begin, end, step); d/drhs = slice(h, begin, end, step)
MXNET_HO_GRADIENT(_slice_assign).set_rule([](const Backward& n) -> Grads {
  const AttrList slice = n.attrs({"begin", "end", "step"});
  Expr h = n.head(0);
  return {apply("_slice_assign_scalar", {h}, with_attr(slice, "scalar", "0")),
          apply("slice", {h}, slice)};
});

// y = x with [begin:end:step] set to scalar: d/dx = _slice_assign_scalar(h, 0, begin, end, step)
MXNET_HO_GRADIENT(_slice_assign_scalar).set_rule([](const Backward& n) -> Grads {
  const AttrList slice = n.attrs({"begin", "end", "step"});
  return {apply("_slice_assign_scalar", {n.head(0)}, with_attr(slice, "scalar", "0"))};
});

}  // namespace op
}  // namespace mxnet_ho
