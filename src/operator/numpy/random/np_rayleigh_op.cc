// Gradient of np.random.rayleigh's backward op: y = scale*noise, the noise
// sqrt(-2*log(u)) of a uniform draw u (operator/numpy/random/dist_common.h).
#include "dsl/grad_dsl.h"
#include "operator/numpy/random/dist_common.h"

namespace mxnet_ho {
namespace op {

// gscale = sum_to(g*noise, scale): d/dg = B(h)*noise; d/dscale = d/dy = d/dnoise = 0
MXNET_HO_GRADIENT(_backward_broadcast_rayleigh).broadcasting().set_rule(ScaleGrads);

}  // namespace op
}  // namespace mxnet_ho
