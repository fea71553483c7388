// Gradient of _backward_npi_solve(g, A, B, X), np.linalg.solve's backward op:
// X = A^-1 B and (gA, gB) = (-gB X^T, A^-T g), batched. The stock kernel
// computes it for matrix right-hand sides B (..., M, K) only: for vectors
// (..., M) its first order already fails in MXNet 1.9.1 (a gemm shape check),
// so the rule is written for matrices.
#include "dsl/grad_dsl.h"
#include "operator/tensor/la_op.h"

namespace mxnet_ho {
namespace op {
namespace {

// A^-1 B for each matrix of A and B.
Expr solve(const Expr& a, const Expr& b) { return apply("_npi_solve", {a, b}); }

}  // namespace

// (g, A, B, X) -> (gA, gB) = (-gB X^T, gB), gB = A^-T g; C = h_B - h_A X, W = A^-1 C: d/dg = W;
// d/dA = -gB W^T; d/dB = 0; d/dX = -h_A^T gB
MXNET_HO_GRADIENT(_backward_npi_solve).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), x = n.in(3);
  Expr gb = solve(matrix_transpose(a), g);
  Expr c = n.head(1, b), dx = zeros_like(x);
  if (!n.head_is_zero(0)) {
    Expr ha = n.head(0);
    c = c - gemm2(ha, x, {});
    dx = -gemm2(ha, gb, {{"transpose_a", "1"}});
  }
  Expr w = solve(a, c);
  return {w, -gemm2(gb, w, {{"transpose_b", "1"}}), zeros_like(b), dx};
});

}  // namespace op
}  // namespace mxnet_ho
