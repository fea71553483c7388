// Gradient of np.random.weibull's backward op: y = E^(1/a) with E = -log(u) for
// a uniform draw u, and its noise dy/da = -log(E)*y/a^2. With M = log(E)/a =
// log(y), d2y/da2 = y*M*(2 + M)/a^2 (operator/numpy/random/dist_common.h).
#include "dsl/grad_dsl.h"
#include "operator/numpy/random/dist_common.h"

namespace mxnet_ho {
namespace op {

// ga = sum_to(g*noise, a), noise = dy/da = -y*M/a with M = log(y): d/dg = B(h)*(-y*M/a);
// d/da = sum_to(h*g*y*M*(2 + M)/a^2, a); d/dy = d/dnoise = 0 (dy/da written in a and y, since the
// forward op's gradient drops the noise's head)
MXNET_HO_GRADIENT(_backward_broadcast_weibull).broadcasting().set_rule([](const Backward& n) {
  Expr a = n.in(2), y = n.in(3), M = log(y);
  return ShapeGrads(n, Over(-y * M, a), Over(y * M * (2.0 + M), square(a)));
});

}  // namespace op
}  // namespace mxnet_ho
