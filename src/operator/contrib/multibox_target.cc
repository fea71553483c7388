// Gradient of the backward op of _contrib_MultiBoxTarget, a legacy op whose backward
// kernel writes zeros into every input gradient, whatever its inputs: constant,
// so its own gradient is zero in each input.
#include "operator/contrib/constant_backward.h"

namespace mxnet_ho {
namespace op {

// (g_anchor, g_label, g_cls_pred) = 0 (stock's kernel writes zeros and reads no input): no inputs,
// nothing to differentiate
MXNET_HO_GRADIENT(_backward__contrib_MultiBoxTarget).set_rule(ConstantBackward);

}  // namespace op
}  // namespace mxnet_ho
