// Pieces of the linear-algebra gradients shared by the linalg_* and np.linalg
// rules: matrix products, triangles, and inputs MXNet passes as zero nodes.
#pragma once

#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// alpha*op(a)*op(b), batched over leading axes (attrs: transpose_a/b, alpha, axis).
inline Expr gemm2(const Expr& a, const Expr& b, const AttrList& attrs) {
  return apply("_linalg_gemm2", {a, b}, attrs);
}

// Each matrix of x (its last two axes) transposed.
inline Expr matrix_transpose(const Expr& x) {
  return apply("_np_moveaxis", {x}, {{"source", "(-1,)"}, {"destination", "(-2,)"}});
}

// The attributes of _linalg_extracttrian and _linalg_maketrian.
inline AttrList TrianAttrs(int offset, bool lower) {
  return {{"offset", std::to_string(offset)}, {"lower", lower ? "True" : "False"}};
}

// The triangle of x on and below (lower) or above the diagonal `offset`, the
// rest zero: tril(x, offset) or triu(x, offset).
inline Expr triangular_part(const Expr& x, int offset, bool lower) {
  return apply("_linalg_maketrian", {apply("_linalg_extracttrian", {x}, TrianAttrs(offset, lower))},
               TrianAttrs(offset, lower));
}

// Input i of the backward node, or zeros shaped like `like` where MXNet passed
// a zero node for an output the user did not use.
inline Expr InputOr(const Backward& n, size_t i, const Expr& like) {
  return is_zeros(n.in(i)) ? zeros_like(like) : n.in(i);
}

}  // namespace op
}  // namespace mxnet_ho
