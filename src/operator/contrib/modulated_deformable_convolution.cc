// Gradient of ModulatedDeformableConvolution(data, offset, mask, weight[, bias]).
//
// y = W * (mask cols(data, offset)) + b (operator/contrib/nn/deformable_im2col.h):
// the deformable convolution's columns, sampled from data padded with zeros,
// each tap scaled by its mask. As for DeformableConvolution, the op is a
// stateful legacy op whose backward kernel fuses its pieces, so the forward op's
// own gradient is replaced (keeps_stock): under create_graph, and in any later
// pass through a node differentiated so, the vjp of the op written with forward
// ops; a first-order pass keeps stock's kernel.
#include "operator/contrib/nn/deformable_im2col.h"

namespace mxnet_ho {
namespace op {

// y = W * (mask cols(data, offset)) + b: (g_data, g_offset, g_mask, g_weight, g_bias) = grad <g, y>
// through the op's forward-op form; g_bias = sum of g over all axes but 1 (stock kernel at first
// order)
MXNET_HO_GRADIENT(_contrib_ModulatedDeformableConvolution)
    .keeps_stock()
    .set_rule([](const Backward& n) { return DeformableConvolutionGrads(n, true); });

}  // namespace op
}  // namespace mxnet_ho
