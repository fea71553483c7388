// Gradient of _backward_npi_tensorsolve(g, a, b, x), np.linalg.tensorsolve's
// backward op: with the axes a_axes of a moved to its end, a has shape
// b.shape + x.shape and solves tensordot(a, x) = b; in the matrix views
// (a as N x N, b, x and g as N x 1 columns) x = A^-1 b and
// (gA, gB) = (-gB x^T, A^-T g), solve's backward op for one column. The views
// are reshapes: a's to the shape of the outer product b x^T, the columns to (-1, 1).
#include <string>
#include <vector>

#include "dsl/grad_dsl.h"
#include "operator/tensor/la_op.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr solve(const Expr& a, const Expr& b) { return apply("_npi_solve", {a, b}); }

Expr column(const Expr& x) { return apply("reshape", {x}, {{"shape", "(-1, 1)"}}); }

std::string tuple(const std::vector<long>& values) {
  std::string text = "(";
  for (long v : values) text += std::to_string(v) + ", ";
  return text + ")";
}

// Moves the axes a_axes of tensors shaped like a to the end (to_end) or back.
struct AxesMove {
  std::vector<long> axes, ends;
  explicit AxesMove(const std::vector<long>& a_axes) : axes(a_axes) {
    for (size_t i = 0; i < axes.size(); ++i) ends.push_back(i - static_cast<long>(axes.size()));
  }
  Expr to_end(const Expr& t) const { return move(t, axes, ends); }
  Expr back(const Expr& t) const { return move(t, ends, axes); }
  static Expr move(const Expr& t, const std::vector<long>& from, const std::vector<long>& to) {
    if (from.empty()) return t;
    return apply("_np_moveaxis", {t}, {{"source", tuple(from)}, {"destination", tuple(to)}});
  }
};

}  // namespace

// a (axes moved) as the N x N matrix A, b, x, g as columns, h_a as A: gB = A^-T g, C = h_b - h_A x,
// W = A^-1 C: d/dg = W; d/da = -gB W^T; d/db = 0;
// d/dx = -h_A^T gB, each reshaped (and a's axes moved) back
MXNET_HO_GRADIENT(_backward_npi_tensorsolve).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), a = n.in(1), b = n.in(2), x = n.in(3);
  const AxesMove moved(n.ints("a_axes"));
  Expr moved_a = moved.to_end(a);
  Expr square = gemm2(column(b), column(x), {{"transpose_b", "1"}});
  auto matrix = [&](const Expr& t) { return apply("reshape_like", {moved.to_end(t), square}); };
  Expr am = matrix(a), xm = column(x);
  Expr gb = solve(matrix_transpose(am), column(g));
  Expr c = column(n.head(1, b)), dx = zeros_like(x);
  if (!n.head_is_zero(0)) {
    Expr ha = matrix(n.head(0, a));
    c = c - gemm2(ha, xm, {});
    dx = apply("reshape_like", {-gemm2(ha, gb, {{"transpose_a", "1"}}), x});
  }
  Expr w = solve(am, c);
  Expr da = moved.back(apply("reshape_like", {-gemm2(gb, w, {{"transpose_b", "1"}}), moved_a}));
  return {apply("reshape_like", {w, g}), da, zeros_like(b), dx};
});

}  // namespace op
}  // namespace mxnet_ho
