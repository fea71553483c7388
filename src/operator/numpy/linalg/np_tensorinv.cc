// Gradient of _backward_npi_tensorinv(g, Y), np.linalg.tensorinv's backward op:
// Y = tensorinv(A, ind) is the inverse of A read as a matrix, A of shape
// S1 + S2 (S1 its first ind axes) as a prod(S1) x prod(S2) matrix and Y, of
// shape S2 + S1, as prod(S2) x prod(S1); gA = -Y^T g Y^T in those matrix views,
// the backward op of an inverse. The views are reshapes that merge axes from
// one end, counted by ind, so no shape is needed.
#include <string>

#include "dsl/grad_dsl.h"
#include "operator/tensor/la_op.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr reshape(const Expr& x, const std::string& shape, bool reverse = false) {
  return apply("reshape", {x}, {{"shape", shape}, {"reverse", reverse ? "True" : "False"}});
}

// x of shape S + T, |T| = k, as a prod(S) x prod(T) matrix (the last k axes merged).
Expr matrix_of_last(const Expr& x, long k) {
  Expr m = x;
  for (long i = 1; i < k; ++i) m = reshape(m, "(-2, -3)", true);
  return reshape(m, "(-1, 0)", true);
}

// x of shape S + T, |S| = k, as a prod(S) x prod(T) matrix (the first k axes merged).
Expr matrix_of_first(const Expr& x, long k) {
  Expr m = x;
  for (long i = 1; i < k; ++i) m = reshape(m, "(-3, -2)");
  return reshape(m, "(0, -1)");
}

}  // namespace

// Y, g as prod(S2) x prod(S1) matrices, h (A's shape) as prod(S1) x prod(S2), gA = -Y^T g Y^T:
// d/dg = -Y h Y; d/dY = -(g Y^T h^T + h^T Y^T g), each reshaped back
MXNET_HO_GRADIENT(_backward_npi_tensorinv).set_rule([](const Backward& n) -> Grads {
  const long ind = n.integer("ind", 2);
  Expr g = n.in(0), y = n.in(1);
  Expr gm = matrix_of_last(g, ind), ym = matrix_of_last(y, ind);
  Expr hm = matrix_of_first(n.head(0), ind);
  const AttrList nt = {{"transpose_b", "1"}}, tt = {{"transpose_a", "1"}, {"transpose_b", "1"}};
  Expr dg = -gemm2(gemm2(ym, hm, {}), ym, {});
  Expr dy = -(gemm2(gemm2(gm, ym, nt), hm, nt) + gemm2(gemm2(hm, ym, tt), gm, {}));
  return {apply("reshape_like", {dg, g}), apply("reshape_like", {dy, y})};
});

}  // namespace op
}  // namespace mxnet_ho
