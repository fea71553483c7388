// Gradient of _backward_npi_norm(g, g1, g2, g3, x, y, u, s, v): np.linalg.norm's
// backward op (four head gradients, the input, four outputs; only the first
// output, y = the norm, is visible). B broadcasts a reduced array back to x's
// shape (the stock _backward_np_sum of an np.sum over the same axes).
//   flag=-2 (no ord, no axis: the flattened 2-norm), flag=1 ('fro'), and
//   flag=-1 with ord=2 (vector 2-norm):  gx = B(g)*x/B(y)
//   flag=-1 with ord=1 (vector 1-norm):  gx = B(g)*sign(x) (piecewise constant)
//   flag=-1 with ord=0 (count of nonzeros): gx = 0
//   flag=-1 with another ord p (vector p-norm, q = p - 1, r = |x|/B(y)):
//                                         gx = B(g)*sign(x)*r^q
// The spectral (flag=0) and nuclear (flag=2) matrix norms raise an error.
#include <stdexcept>

#include "dsl/grad_dsl.h"
#include "operator/numpy/np_broadcast_reduce_op.h"

namespace mxnet_ho {
namespace op {
// 2-norm (flag -2), 'fro' (flag 1), vector ord=2 (flag -1): gx = B(g)*x/B(y):
// d/dg = sum(h*x/B(y)), d/dx = h*B(g)/B(y), d/dy = -sum(h*B(g)*x/B(y)^2);
// vector ord=1: gx = B(g)*sign(x): d/dg = sum(h*sign(x)), d/dx = d/dy = 0;
// other orders (spectral, nuclear, p-norms with p != 1, 2) raise an error
MXNET_HO_GRADIENT(_backward_npi_norm).set_rule([](const Backward& n) -> Grads {
  Expr x = n.in(4), h = n.head(0, x);
  double flag = n.scalar("flag", -1), ord = n.scalar("ord", 2);
  AttrList attrs = flag == -2 ? AttrList{{"keepdims", "0"}} : n.attrs({"axis", "keepdims"});
  Grads grads;
  for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  if (flag == -1 && ord == 0) {
    // the count of nonzeros: piecewise constant, and stock's gradient is 0
  } else if (flag == -1 && ord == 1) {
    grads[0] = np_sum(h * sign(x), attrs);
  } else if (flag == -2 || flag == 1 || (flag == -1 && ord == 2)) {
    Expr g = unreduce(n.in(0), x, attrs, "_np_sum"), y = unreduce(n.in(5), x, attrs, "_np_sum");
    Expr h_g_over_y = h * g / y;
    grads[0] = np_sum(h * x / y, attrs);
    grads[4] = h_g_over_y;
    grads[5] = -np_sum(h_g_over_y * x / y, attrs);
  } else if (flag == -1) {
    double q = ord - 1;
    Expr g = unreduce(n.in(0), x, attrs, "_np_sum"), y = unreduce(n.in(5), x, attrs, "_np_sum");
    Expr r = abs(x) / y;
    Expr h_sign_rq = h * sign(x) * pow(r, q);
    grads[0] = np_sum(h_sign_rq, attrs);
    grads[4] = q * h * g * pow(r, q - 1) / y;
    grads[5] = -q * np_sum(h_sign_rq * g / y, attrs);
  } else {
    throw std::runtime_error(
        "mxnet-ho: _backward_npi_norm has no rule for the spectral (ord=2/-2 over two axes) "
        "and nuclear matrix norms (flag=" +
        std::to_string(static_cast<int>(flag)) + ", ord=" + std::to_string(ord) + ")");
  }
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
