// Gradient of _backward_npi_svd(dUT, dL, dV, UT, L, V), np.linalg.svd's
// backward op: (UT, L, V) = svd(A), A = UT diag(L) V for A (..., m, n), m <= n,
// UT orthogonal, V with orthonormal rows, L descending. Its output is a formula
// of products and elementwise quotients, written here with forward ops and
// differentiated with vjp. It divides by L_i^2 - L_j^2: the singular values
// are assumed distinct (and nonzero), as for any SVD derivative; where two
// meet, the kernel's floors (here 1e-30) stand in for the vanishing gaps.
#include "dsl/grad_dsl.h"
#include "operator/tensor/la_op.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr floored(const Expr& x) { return apply("_maximum_scalar", {x}, {{"scalar", "1e-30"}}); }

// The stock kernel's formula: with D = diag(1/L) dV (L floored), W = D V^T,
// T = W diag(L) + dUT^T UT and K = T - T^T,
//   gA = UT (S V + D),  S_ii = dL_i - W_ii,  S_ij = K_ij L_j / (L_i^2 - L_j^2) (i != j),
// each gap L_i - L_j (i < j, the larger value first) and sum L_i + L_j floored.
Expr SvdGrad(const Expr& dut, const Expr& dl, const Expr& dv, const Expr& ut, const Expr& l,
             const Expr& v) {
  const AttrList nt = {{"transpose_b", "1"}}, tn = {{"transpose_a", "1"}};
  Expr rows = apply("expand_dims", {l}, {{"axis", "-1"}}),
       cols = apply("expand_dims", {l}, {{"axis", "-2"}});
  Expr d = apply("broadcast_div", {dv, floored(rows)});
  Expr w = gemm2(d, v, nt);
  Expr t = apply("broadcast_mul", {w, cols}) + gemm2(dut, ut, tn);
  Expr k = t - matrix_transpose(t);
  Expr sum = floored(apply("broadcast_add", {rows, cols}));
  // floored gap * sum inside `part` (above the diagonal: L_i - L_j; below: L_j -
  // L_i with the sign turned), 1 elsewhere, which the triangle then drops
  auto denominator = [&](const Expr& gap, const Expr& part) {
    return floored(gap) * sum * part + (1.0 - part);
  };
  Expr above = triangular_part(ones_like(k), 1, false),
       below = triangular_part(ones_like(k), -1, true);
  Expr kl = apply("broadcast_mul", {k, cols});
  Expr s =
      triangular_part(kl / denominator(apply("broadcast_sub", {rows, cols}), above), 1, false) -
      triangular_part(kl / denominator(apply("broadcast_sub", {cols, rows}), below), -1, true) +
      apply("_linalg_makediag", {dl - apply("_linalg_extractdiag", {w})});
  return gemm2(ut, gemm2(s, v, {}) + d, {});
}

}  // namespace

// (dUT, dL, dV, UT, L, V) -> gA = UT (S V + D), D = diag(1/L) dV, W = D V^T, T = W diag(L) + dUT^T
// UT, K = T - T^T, S_ii = dL_i - W_ii, S_ij = K_ij L_j/(L_i^2 - L_j^2) (gaps and sums floored at
// 1e-30; distinct singular values assumed): vjp of that formula
MXNET_HO_GRADIENT(_backward_npi_svd).set_rule([](const Backward& n) -> Grads {
  Expr ut = n.in(3), l = n.in(4), v = n.in(5);
  Expr dut = InputOr(n, 0, ut), dl = InputOr(n, 1, l), dv = InputOr(n, 2, v);
  return vjp(SvdGrad(dut, dl, dv, ut, l, v), {dut, dl, dv, ut, l, v}, n.head(0, v));
});

}  // namespace op
}  // namespace mxnet_ho
