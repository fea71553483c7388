// Gradient of np.random.pareto's backward op: y = exp(E/a) - 1 with E = -log(u)
// for a uniform draw u, and its noise dy/da = -E*(1 + y)/a^2. With L = E/a =
// log1p(y), d2y/da2 = (1 + y)*L*(2 + L)/a^2 (operator/numpy/random/dist_common.h).
#include "dsl/grad_dsl.h"
#include "operator/numpy/random/dist_common.h"

namespace mxnet_ho {
namespace op {

// ga = sum_to(g*noise, a), noise = dy/da = -(1 + y)*L/a with L = log1p(y):
// d/dg = B(h)*(-(1 + y)*L/a); d/da = sum_to(h*g*(1 + y)*L*(2 + L)/a^2, a); d/dy = d/dnoise = 0
// (dy/da written in a and y, since the forward op's gradient drops the noise's head)
MXNET_HO_GRADIENT(_backward_broadcast_pareto).broadcasting().set_rule([](const Backward& n) {
  Expr a = n.in(2), y = n.in(3), L = log1p(y);
  return ShapeGrads(n, Over(-(1.0 + y) * L, a), Over((1.0 + y) * L * (2.0 + L), square(a)));
});

}  // namespace op
}  // namespace mxnet_ho
