// Gradient of the backward op of _contrib_MultiBoxDetection, a legacy op whose backward
// kernel writes zeros into every input gradient, whatever its inputs: constant,
// so its own gradient is zero in each input.
#include "operator/contrib/constant_backward.h"

namespace mxnet_ho {
namespace op {

// (g_cls_prob, g_loc_pred, g_anchor) = 0 (stock's kernel writes zeros, whatever its inputs):
// d/dg = d/dcls_prob = d/dloc_pred = d/danchor = d/dout = 0
MXNET_HO_GRADIENT(_backward__contrib_MultiBoxDetection).set_rule(ConstantBackward);

}  // namespace op
}  // namespace mxnet_ho
