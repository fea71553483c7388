// Gradients of the backward ops of the linalg_* operators.
//
// Bilinear ops f(A, B) (gemm2, trmm; gemm adds beta*C): the backward op's
// (gA, gB) are the partial gradients of <g, f(A, B)>, so the rule is the
// bilinear one of grad_dsl.h (`bilinear`, `bilinear_rule`). Linear ops (extractdiag, makediag,
// extracttrian, maketrian) have backward L^T g, whose gradient in g is L h.
// The Cholesky ops' backward outputs are formulas of triangular products and
// solves: the rules write each formula with forward ops and differentiate it
// with vjp. The determinants' backward kernels read the LU factors and integer
// pivots, which no forward op turns back into A^-1: their rules replace the
// forward op's gradient (stock's at first order) by one composed from A^-1,
// and keep A for it (keeps_inputs).
#include "operator/tensor/la_op.h"
#include "dsl/grad_dsl.h"
#include "operator/tensor/leading_axes.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kGemm2Attrs = {"transpose_a", "transpose_b", "alpha", "axis"};
const std::vector<std::string> kTriangAttrs = {"transpose", "rightside", "lower", "alpha"};
const std::vector<std::string> kTriangShape = {"transpose", "rightside", "lower"};

// The backward op of linear f is L^T g:  d/dg = f(h)
Grads LinearGrad(const char* f, const std::vector<std::string>& keys, const Backward& n) {
  return linear_adjoint(n, [&](const Expr& h) { return apply(f, {h}, n.attrs(keys)); });
}

}  // namespace

// bilinear f = alpha*op(A)*op(B): d/dg = f(h_A, B) + f(A, h_B); d/dA = grad_A <g, f(A, h_B)>;
// d/dB = grad_B <g, f(h_A, B)>
MXNET_HO_GRADIENT(_backward_linalg_gemm2).set_rule([](const Backward& n) {
  return bilinear_rule(n, "_linalg_gemm2", kGemm2Attrs);
});

// f = alpha*op(A)*op(B) + beta*C, gC = beta*g: d/dg = gemm2(h_A, B) + gemm2(A, h_B) + beta*h_C;
// d/dA, d/dB as for gemm2; d/dC = 0
MXNET_HO_GRADIENT(_backward_linalg_gemm).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), c = n.in(3);
  const AttrList attrs = n.attrs(kGemm2Attrs);
  Bilinear f;
  f.product = [&](const Expr& x, const Expr& y, const Expr*) { return gemm2(x, y, attrs); };
  BilinearGrads d = bilinear(f, g, a, b, n.head(0, a), n.head(1, b));
  return {d.dg + n.head(2, c) * n.scalar("beta", 1.0), d.da, d.db, zeros_like(c)};
});

// bilinear f = alpha*op(tri(A))*B or alpha*B*op(tri(A)): d/dg = f(h_A, B) + f(A, h_B);
// d/dA = grad_A <g, f(A, h_B)>; d/dB = grad_B <g, f(h_A, B)>
MXNET_HO_GRADIENT(_backward_linalg_trmm).set_rule([](const Backward& n) {
  return bilinear_rule(n, "_linalg_trmm", kTriangAttrs);
});

// X = alpha*op(A)^-1*B, inputs (g, A, B, X);
// Z = alpha*h_B - trmm(h_A, X), T = trsm(A, Z) (unit alpha): <h_A, gA> + <h_B, gB> = <g, T>:
// d/dg = T; d/dA = grad_A <g, T>; d/dB = 0; d/dX = -grad_X <grad_Z <g, T>, trmm(h_A, X)>
MXNET_HO_GRADIENT(_backward_linalg_trsm).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), x = n.in(3);
  Expr ha = n.head(0, a), hb = n.head(1, b);
  AttrList unit = with_attr(n.attrs(kTriangShape), "alpha", "1");
  Expr ha_x = apply("_linalg_trmm", {ha, x}, unit);
  Expr t = apply("_linalg_trsm", {a, hb * n.scalar("alpha", 1.0) - ha_x}, unit);
  Expr gz = stock_gradient_of(t, {g}, 1);
  return {t, stock_gradient_of(t, {g}, 0), zeros_like(b), stock_gradient_of(ha_x, {-gz}, 1)};
});

// gA = alpha*(g + g^T)*A (alpha*A*(g + g^T) with transpose) for f(A) = Q(A, A), Q(P, R) =
// alpha*op(P)*op(R)^T: d/dg = Q(h, A) + Q(A, h); d/dA = grad_A <g, Q(h, A)> + grad_A <g, Q(A, h)>
MXNET_HO_GRADIENT(_backward_linalg_syrk).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), a = n.in(1), h = n.head(0);
  const bool t = n.flag("transpose");
  AttrList q = with_attr(with_attr(n.attrs({"alpha"}), "transpose_a", t ? "1" : "0"), "transpose_b",
                         t ? "0" : "1");
  Expr h_a = gemm2(h, a, q), a_h = gemm2(a, h, q);
  return {h_a + a_h, stock_gradient_of(h_a, {g}, 1) + stock_gradient_of(a_h, {g}, 0)};
});

// gA = makediag(B(g)/d), d = diag(A), r = diag(h)/d: d/dg = sum(r, axis=-1);
// d/dA = -makediag(B(g)*r/d)
MXNET_HO_GRADIENT(_backward_linalg_sumlogdiag).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), a = n.in(1);
  Expr d = apply("_linalg_extractdiag", {a});
  Expr r = apply("_linalg_extractdiag", {n.head(0, a)}) / d;
  AttrList last = {{"axis", "-1"}};
  return {apply("sum", {r}, last), -apply("_linalg_makediag", {unreduce(g, d, last) * r / d})};
});

// Y = A^-1, inputs (g, Y), gA = -Y^T*g*Y^T: d/dg = -Y*h*Y; d/dY = -(g*Y^T*h^T + h^T*Y^T*g)
MXNET_HO_GRADIENT(_backward_linalg_inverse).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), y = n.in(1), h = n.head(0, y);
  AttrList nt = {{"transpose_b", "1"}}, tt = {{"transpose_a", "1"}, {"transpose_b", "1"}};
  return {-gemm2(gemm2(y, h, {}), y, {}),
          -(gemm2(gemm2(g, y, nt), h, nt) + gemm2(gemm2(h, y, tt), g, {}))};
});

// gA = makediag(g, offset): d/dg = extractdiag(h, offset)
MXNET_HO_GRADIENT(_backward_linalg_extractdiag).set_rule([](const Backward& n) {
  return LinearGrad("_linalg_extractdiag", {"offset"}, n);
});
// gA = extractdiag(g, offset): d/dg = makediag(h, offset)
MXNET_HO_GRADIENT(_backward_linalg_makediag).set_rule([](const Backward& n) {
  return LinearGrad("_linalg_makediag", {"offset"}, n);
});
// gA = maketrian(g, offset, lower): d/dg = extracttrian(h, offset, lower)
MXNET_HO_GRADIENT(_backward_linalg_extracttrian).set_rule([](const Backward& n) {
  return LinearGrad("_linalg_extracttrian", {"offset", "lower"}, n);
});
// gA = extracttrian(g, offset, lower): d/dg = maketrian(h, offset, lower)
MXNET_HO_GRADIENT(_backward_linalg_maketrian).set_rule([](const Backward& n) {
  return LinearGrad("_linalg_maketrian", {"offset", "lower"}, n);
});

namespace {

// The attributes of _linalg_trsm and _linalg_trmm.
AttrList TriangularOpAttrs(bool transpose, bool rightside, bool lower, double alpha = 1.0) {
  return {{"transpose", transpose ? "True" : "False"},
          {"rightside", rightside ? "True" : "False"},
          {"lower", lower ? "True" : "False"},
          {"alpha", std::to_string(alpha)}};
}

// op(T)^-1 x, or x op(T)^-1 (rightside), for triangular T; times alpha
Expr trsm(const Expr& t, const Expr& x, bool transpose, bool rightside, bool lower,
          double alpha = 1.0) {
  return apply("_linalg_trsm", {t, x}, TriangularOpAttrs(transpose, rightside, lower, alpha));
}

// The stock kernel's potrf gradient (B = potrf(A), g = dB). Lower:
// 0.5 B^-T copyLTU(B^T g) B^-1; upper: 0.5 B^-1 copyUTL(g B^T) B^-T, where
// copyLTU(M) = tril(M) + triu(M^T, 1) mirrors M's lower triangle.
Expr CholeskyGrad(const Expr& g, const Expr& b, bool lower) {
  Expr m = apply("_linalg_trmm", {b, g}, TriangularOpAttrs(true, !lower, lower));
  Expr mt = lower ? gemm2(g, b, {{"transpose_a", "1"}}) : gemm2(b, g, {{"transpose_b", "1"}});
  Expr mirrored = triangular_part(m, 0, lower) + triangular_part(mt, lower ? 1 : -1, !lower);
  Expr x = trsm(b, mirrored, lower, false, lower);
  return trsm(b, x, !lower, true, lower, 0.5);
}

// The stock kernel's potri gradient (A = potri(B) = (B B^T)^-1 or (B^T B)^-1,
// g = dA). Lower: -tril(A (g + g^T) B^-T); upper: -triu(B^-T (g + g^T) A).
Expr CholeskyInverseGrad(const Expr& g, const Expr& b, const Expr& a, bool lower) {
  Expr sym = lower ? gemm2(a, g, {}) + gemm2(a, g, {{"transpose_b", "1"}})
                   : gemm2(g, a, {}) + gemm2(g, a, {{"transpose_a", "1"}});
  return triangular_part(trsm(b, sym, true, lower, lower, -1.0), 0, lower);
}

// The stock kernel's gelqf gradient ((Q, L) = gelqf(A), A = L Q):
// L^-T (dQ + copyLTU(M) Q) with M = L^T dL - dQ Q^T.
Expr LQGrad(const Expr& dq, const Expr& dl, const Expr& q, const Expr& l) {
  const AttrList nt = {{"transpose_b", "1"}}, tn = {{"transpose_a", "1"}};
  Expr m = apply("_linalg_trmm", {l, dl}, TriangularOpAttrs(true, false, true)) - gemm2(dq, q, nt);
  Expr mt = gemm2(dl, l, tn) - gemm2(q, dq, nt);
  Expr mirrored = triangular_part(m, 0, true) + triangular_part(mt, 1, false);
  return trsm(l, dq + gemm2(mirrored, q, {}), true, false, true);
}

// The stock kernel's syevd gradient ((U, L) = syevd(A), A = U^T diag(L) U, L
// ascending): U^T Y U with Y = diag(dL) off which, for i > j,
// Y_ij = Y_ji = K_ij / (2 max(L_i - L_j, eps)), K = dU U^T - U dU^T. (eps: the
// kernel's float32 floor 1e-30; its float64 floor 1e-100 differs only for
// eigenvalues closer than 1e-30, where the derivative is ~1e30 either way.)
Expr EigenGrad(const Expr& du, const Expr& dl, const Expr& u, const Expr& l) {
  Expr k = gemm2(du, u, {{"transpose_b", "1"}}) - gemm2(u, du, {{"transpose_b", "1"}});
  Expr li = apply("expand_dims", {l}, {{"axis", "-1"}}),
       lj = apply("expand_dims", {l}, {{"axis", "-2"}});
  // 2 max(L_i - L_j, eps) inside `part` (i > j, or i < j with the roles swapped:
  // K and L_i - L_j are antisymmetric), 1 elsewhere: the triangle drops those
  // quotients, and 1 keeps their derivatives finite in float32
  auto denominator = [&](const Expr& gap, const Expr& part) {
    Expr floored = apply("_maximum_scalar", {gap}, {{"scalar", "1e-30"}});
    return 2.0 * floored * part + (1.0 - part);
  };
  Expr below = triangular_part(ones_like(k), -1, true),
       above = triangular_part(ones_like(k), 1, false);
  Expr y = triangular_part(k / denominator(apply("broadcast_sub", {li, lj}), below), -1, true) +
           triangular_part(-k / denominator(apply("broadcast_sub", {lj, li}), above), 1, false) +
           apply("_linalg_makediag", {dl});
  return gemm2(gemm2(u, y, {{"transpose_a", "1"}}), u, {});
}

}  // namespace

// (dQ, dL, Q, L) -> gA = L^-T (dQ + copyLTU(M) Q), M = L^T dL - dQ Q^T: vjp of that formula
MXNET_HO_GRADIENT(_backward_linalg_gelqf).set_rule([](const Backward& n) -> Grads {
  Expr q = n.in(2), l = n.in(3), dq = InputOr(n, 0, q), dl = InputOr(n, 1, l);
  return vjp(LQGrad(dq, dl, q, l), {dq, dl, q, l}, n.head(0, q));
});

// (dU, dL, U, L) -> gA = U^T Y U, Y = diag(dL) + Y_ij = Y_ji = K_ij/(2 max(L_i - L_j, 1e-30)) for i
// > j, K = dU U^T - U dU^T: vjp of that formula (the kernel's float64 floor is 1e-100: they differ
// only for eigenvalues closer than 1e-30)
MXNET_HO_GRADIENT(_backward_linalg_syevd).set_rule([](const Backward& n) -> Grads {
  Expr u = n.in(2), l = n.in(3), du = InputOr(n, 0, u), dl = InputOr(n, 1, l);
  return vjp(EigenGrad(du, dl, u, l), {du, dl, u, l}, n.head(0, u));
});

// (g, B) -> gA = 0.5 B^-T copyLTU(B^T g) B^-1 (lower; 0.5 B^-1 copyUTL(g B^T) B^-T upper),
// copyLTU(M) = tril(M) + triu(M^T, 1): vjp of that formula in (g, B)
MXNET_HO_GRADIENT(_backward_linalg_potrf).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), b = n.in(1);
  return vjp(CholeskyGrad(g, b, n.flag("lower", true)), {g, b}, n.head(0, b));
});

// (g, B, A) -> gB = -tril(A (g + g^T) B^-T) (lower; -triu(B^-T (g + g^T) A) upper): vjp of that
// formula in (g, B, A)
MXNET_HO_GRADIENT(_backward_linalg_potri).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), b = n.in(1), a = n.in(2);
  return vjp(CholeskyInverseGrad(g, b, a, n.flag("lower", true)), {g, b, a}, n.head(0, b));
});

namespace {

// A^-T, each matrix of A inverted and transposed.
Expr inverse_transpose(const Expr& a) { return matrix_transpose(apply("_linalg_inverse", {a})); }

}  // namespace

// (det, LU, pivots) = det(A): dA = g*det*A^-T (first order: stock's kernel on LU and pivots; the
// rule keeps A)
MXNET_HO_GRADIENT(_linalg_det)
    .keeps_stock()
    .keeps_inputs()
    .set_rule([](const Backward& n) -> Grads {
      if (!composing()) return n.stock();
      Expr a = n.in(0);
      if (n.head_is_zero(0)) return {zeros_like(a)};
      return {leading_times(n.head(0) * n.out(0), inverse_transpose(a))};
    });

// (sign, log|det|, LU, pivots) = slogdet(A): dA = g_logabsdet*A^-T, sign has zero gradient (first
// order: stock's kernel on LU and pivots; the rule keeps A)
MXNET_HO_GRADIENT(_linalg_slogdet)
    .keeps_stock()
    .keeps_inputs()
    .set_rule([](const Backward& n) -> Grads {
      if (!composing()) return n.stock();
      Expr a = n.in(0);
      if (n.head_is_zero(1)) return {zeros_like(a)};
      return {leading_times(n.head(1), inverse_transpose(a))};
    });

}  // namespace op
}  // namespace mxnet_ho
