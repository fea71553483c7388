// Gradient of the backward op of _contrib_MultiBoxPrior, a legacy op whose backward
// kernel writes zeros into every input gradient, whatever its inputs: constant,
// so its own gradient is zero in each input.
#include "operator/contrib/constant_backward.h"

namespace mxnet_ho {
namespace op {

// g_data = 0 (the anchors depend on data's shape only, not its values):
// d/dg = d/ddata = d/danchors = 0
MXNET_HO_GRADIENT(_backward__contrib_MultiBoxPrior).set_rule(ConstantBackward);

}  // namespace op
}  // namespace mxnet_ho
