// Gradient of np.random.normal's backward op: y = loc + scale*noise, the noise
// a standard normal draw (operator/numpy/random/dist_common.h).
#include "dsl/grad_dsl.h"
#include "operator/numpy/random/dist_common.h"

namespace mxnet_ho {
namespace op {

// (gloc, gscale) = (sum_to(g, loc), sum_to(g*noise, scale)) for the arrays among loc, scale:
// d/dg = B(h_loc) + B(h_scale)*noise; d/dloc = d/dscale = d/dy = d/dnoise = 0
MXNET_HO_GRADIENT(_backward_broadcast_normal).broadcasting().set_rule(LocationScaleGrads);

}  // namespace op
}  // namespace mxnet_ho
