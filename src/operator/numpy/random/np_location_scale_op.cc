// Gradients of the backward ops of np.random.logistic and np.random.gumbel:
// y = loc + scale*noise, the noise log(u) - log(1 - u) resp. -log(-log(u)) of a
// uniform draw u (operator/numpy/random/dist_common.h).
#include "dsl/grad_dsl.h"
#include "operator/numpy/random/dist_common.h"

namespace mxnet_ho {
namespace op {

// (gloc, gscale) = (sum_to(g, loc), sum_to(g*noise, scale)) for the arrays among loc, scale:
// d/dg = B(h_loc) + B(h_scale)*noise; d/dloc = d/dscale = d/dy = d/dnoise = 0
MXNET_HO_GRADIENT(_backward_broadcast_logistic).broadcasting().set_rule(LocationScaleGrads);

// (gloc, gscale) = (sum_to(g, loc), sum_to(g*noise, scale)) for the arrays among loc, scale:
// d/dg = B(h_loc) + B(h_scale)*noise; d/dloc = d/dscale = d/dy = d/dnoise = 0
MXNET_HO_GRADIENT(_backward_broadcast_gumbel).broadcasting().set_rule(LocationScaleGrads);

}  // namespace op
}  // namespace mxnet_ho
