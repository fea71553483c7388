// Gradients of the backward ops of the NumPy interface's joining, splitting,
// flipping, padding and contraction ops: np.concatenate, np.vstack, np.hstack,
// np.dstack, np.column_stack, np.hsplit, np.flip, np.pad, np.tensordot; and of
// np.diagonal and np.diagflat, linear like the first group (the gradient of
// each backward op is the forward op, with the same attributes, on the head).
//
// The joining/splitting/flipping/padding backward ops are fixed linear maps
// gx = A^T g of the head gradient g, A the forward op: the gradient of
// <h, A^T g> with respect to g is A h, the forward op applied to the heads.
// The tensordot backward ops are bilinear in (a, b).
#include <functional>
#include <stdexcept>
#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// x reversed along every axis: the reverse of its flattened (C-order) elements.
Expr FlipAll(const Expr& x) {
  Expr flat = apply("reshape", {x}, {{"shape", "(-1,)"}});
  return apply("reshape_like", {apply("reverse", {flat}, {{"axis", "0"}}), x});
}

// How a joining op lays its inputs into its output: each input x_i, reshaped
// by `piece`, is one slice of `space(y)` along `axis`, and y = back(space(y)).
// (np.hstack and np.dstack are not applied themselves: their stock shape
// functions write -1 into their input shapes, which breaks any graph whose
// shapes MXNet infers, as the gradient graph's are.)
struct Join {
  std::function<Expr(const Expr&)> piece;
  std::string axis;
  std::function<Expr(const Expr&)> space = [](const Expr& y) { return y; };
  std::function<Expr(const Expr&, const Expr&)> back = [](const Expr& r, const Expr&) { return r; };
};

Expr AtLeast2d(const Expr& x) { return apply("_npi_vstack", {x}, {{"num_args", "1"}}); }

Expr Concatenate(const std::vector<Expr>& parts, const std::string& axis) {
  return apply("_npi_concatenate", parts,
               {{"num_args", std::to_string(parts.size())}, {"axis", axis}});
}

// d/dg of (gx_0, ..., gx_{k-1}) = the pieces of g that a joining op made of
// x_0, ..., x_{k-1}: the join of the heads, join(h_0, ..., h_{k-1}).
// The node takes g only, and an unused gx_i has a zero head of no known shape
// (MXNet never allocated it), so zero heads must go without their shapes. In
// the joined space, with Z = zeros like g, P = the heads before the zero heads
// and S = those after them: [P | 0] = slice_like(concat(P, Z), g) and [0 | S] is
// the same from the far end (every axis reversed). That needs the zero heads to
// be one contiguous run; two separate runs of unused pieces (only possible with
// three or more pieces) raise an error naming the op.
Grads JoinAdjoint(const Backward& n, const std::string& name, const Join& join) {
  const long k = n.integer("num_args", 1);
  std::vector<long> zero;
  for (long i = 0; i < k; ++i)
    if (n.head_is_zero(i)) zero.push_back(i);
  Expr g = n.in(0);
  if (static_cast<long>(zero.size()) == k) return {zeros_like(g)};
  Expr space = join.space(g);
  auto pieces = [&](long begin, long end) {
    std::vector<Expr> parts;
    for (long i = begin; i < end; ++i) parts.push_back(join.piece(n.head(i)));
    return parts;
  };
  if (zero.empty()) return {join.back(Concatenate(pieces(0, k), join.axis), g)};
  const long first = zero.front(), last = zero.back();
  if (last - first + 1 != static_cast<long>(zero.size()))
    throw std::runtime_error(
        "mxnet-ho: the gradient of " + name +
        "'s backward op with unused pieces that are "
        "not contiguous (their shapes are unknown) is not supported; differentiate with "
        "respect to the inputs together");
  Expr z = zeros_like(space);
  std::vector<Expr> terms;
  if (first > 0) {
    std::vector<Expr> parts = pieces(0, first);
    parts.push_back(z);
    terms.push_back(apply("slice_like", {Concatenate(parts, join.axis), space}));
  }
  if (last + 1 < k) {
    std::vector<Expr> parts = {z};
    for (const Expr& p : pieces(last + 1, k)) parts.push_back(p);
    terms.push_back(FlipAll(apply("slice_like", {FlipAll(Concatenate(parts, join.axis)), space})));
  }
  Expr sum = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) sum = sum + terms[i];
  return {join.back(sum, g)};
}

}  // namespace

// (gx_i) = the slices of g along axis (of the flattened x_i for axis=None):
// d/dg = concatenate(h_0, ..., h_{k-1}, axis); unused pieces (zero heads, one contiguous run) as
// slice_like(concat(P, zeros_like(g)), g) from either end
MXNET_HO_GRADIENT(_backward_np_concat).set_rule([](const Backward& n) -> Grads {
  std::string axis = n.attr("axis", "0");
  Join join;
  if (axis == "None") {
    axis = "0";
    join.piece = [](const Expr& h) { return apply("reshape", {h}, {{"shape", "(-1,)"}}); };
  } else {
    join.piece = [](const Expr& h) { return h; };
  }
  join.axis = axis;
  return JoinAdjoint(n, "np.concatenate", join);
});

// (gx_i) = the rows of g made of atleast_2d(x_i): d/dg = concatenate(atleast_2d(h_i), axis=0)
MXNET_HO_GRADIENT(_backward_np_vstack).set_rule([](const Backward& n) -> Grads {
  return JoinAdjoint(n, "np.vstack", Join{AtLeast2d, "0"});
});

// (gx_i) = the pieces of g along axis 1 (0 for 1-D):
// d/dg = reshape_like(concatenate(atleast_2d(h_i), axis=1), g)
MXNET_HO_GRADIENT(_backward_np_hstack).set_rule([](const Backward& n) -> Grads {
  Join join{AtLeast2d, "1", AtLeast2d,
            [](const Expr& r, const Expr& g) { return apply("reshape_like", {r, g}); }};
  return JoinAdjoint(n, "np.hstack", join);
});

// (gx_i) = the pieces of g along axis 2 made of atleast_3d(x_i):
// d/dg = concatenate(reshape(atleast_2d(h_i), (0, 0, -1, -2)), axis=2)
MXNET_HO_GRADIENT(_backward_np_dstack).set_rule([](const Backward& n) -> Grads {
  Join join{
      [](const Expr& h) { return apply("reshape", {AtLeast2d(h)}, {{"shape", "(0, 0, -1, -2)"}}); },
      "2"};
  return JoinAdjoint(n, "np.dstack", join);
});

// (gx_i) = the columns of g made of x_i (1-D as one column):
// d/dg = concatenate(reshape(h_i, (0, -1)), axis=1)
MXNET_HO_GRADIENT(_backward_np_column_stack).set_rule([](const Backward& n) -> Grads {
  Join join{[](const Expr& h) { return apply("reshape", {h}, {{"shape", "(0, -1)"}}); }, "1"};
  return JoinAdjoint(n, "np.column_stack", join);
});

// gx = hstack(g_0, ..., g_{k-1}): d/dg_i = hsplit(h)_i with the same indices/sections/axis
MXNET_HO_GRADIENT(_npi_hsplit_backward).set_rule([](const Backward& n) -> Grads {
  return split_adjoint(n, "_npi_hsplit", n.attrs({"indices", "axis", "squeeze_axis", "sections"}));
});

// Stock's gradient of y = moveaxis(x, s -> d) is exactly dx = moveaxis(g, d -> s),
// but tied to the forward node by a control dependency, so a forward
// moveaxis that a rule built (a hybridized block's recomputed swapaxes) runs in
// the gradient graph even where nothing reads its output, and the kernel refuses
// to write nowhere ("Moveaxis does not support inplace"); the same node untied
// (bit-identical at first order: the same kernel, attributes and input).

// dx = moveaxis(g, destination -> source): stock's node, untied from the forward node (a recomputed
// forward moveaxis whose output nothing reads would run with req kNullOp, which its kernel refuses)
MXNET_HO_GRADIENT(_np_moveaxis).keeps_stock().set_rule([](const Backward& n) -> Grads {
  return {apply("_np_moveaxis", {n.head(0)},
                {{"source", n.attr("destination")}, {"destination", n.attr("source")}})};
});

// gx = flip(g, axis): d/dg = flip(h, axis)
MXNET_HO_GRADIENT(_backward_npi_flip).set_rule([](const Backward& n) -> Grads {
  return linear_adjoint(n,
                        [&](const Expr& h) { return apply("_npi_flip", {h}, n.attrs({"axis"})); });
});

// gx = g with pad_width cut off (mode=constant, the only mode stock differentiates):
// d/dg = pad(h, pad_width, constant 0)
MXNET_HO_GRADIENT(_backward_npi_pad).set_rule([](const Backward& n) -> Grads {
  AttrList attrs = n.attrs({"pad_width"});
  attrs.push_back({"mode", "constant"});
  attrs.push_back({"constant_value", "0"});
  return linear_adjoint(n, [&](const Expr& h) { return apply("_npi_pad", {h}, attrs); });
});

// bilinear: d/dg = tensordot(h_a, b) + tensordot(a, h_b); d/da = D_a tensordot(a, h_b)[g];
// d/db = D_b tensordot(h_a, b)[g] (same a_axes_summed/b_axes_summed)
MXNET_HO_GRADIENT(_backward_npi_tensordot).set_rule([](const Backward& n) -> Grads {
  return bilinear_rule(n, "_npi_tensordot", {"a_axes_summed", "b_axes_summed"});
});

// bilinear as _backward_npi_tensordot with the same integer axes
MXNET_HO_GRADIENT(_backward_npi_tensordot_int_axes).set_rule([](const Backward& n) -> Grads {
  return bilinear_rule(n, "_npi_tensordot_int_axes", {"axes"});
});

// gx = g written onto the offset diagonal of zeros: d/dg = np.diagonal(h, offset, axis1, axis2)
MXNET_HO_GRADIENT(_backward_np_diagonal).set_rule([](const Backward& n) -> Grads {
  return {apply("_np_diagonal", {n.head(0)}, n.attrs({"offset", "axis1", "axis2"}))};
});

// gx = the k-th diagonal of g in x's shape: d/dg = np.diagflat(h, k)
MXNET_HO_GRADIENT(_backward_np_diagflat).set_rule([](const Backward& n) -> Grads {
  return {apply("_np_diagflat", {n.head(0)}, n.attrs({"k"}))};
});

}  // namespace op
}  // namespace mxnet_ho
