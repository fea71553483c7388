// Gradient of the backward op of SequenceLast.
//
// SequenceLast takes x with its steps along axis 0 (T, B, ...) or 1 (B, T, ...)
// and, with use_sequence_length, the lengths; y[b] = x at step L_b - 1, where
// L_b is lengths[b] truncated (T without lengths). _backward_SequenceLast takes
// (g) or (g, lengths) and puts g[b] at that step of a zero array shaped like x:
// a fixed linear map of g, whose adjoint picks the same steps of the head.
// Lengths get zero. SequenceLast is a legacy (stateful) op, which a recorded
// gradient graph cannot hold, so the pick is spelled with stateless ops.
#include "operator/sequence_op_common.h"

namespace mxnet_ho {
namespace op {

// gx = g put at step L_b - 1 of each sequence (L_b = int(lengths[b]), or T), zeros elsewhere:
// d/dg = h at step L_b - 1 (pick, or slice_axis of the last step); d/dlengths = 0
MXNET_HO_GRADIENT(_backward_SequenceLast).set_rule([](const Backward& n) -> Grads {
  const long axis = n.integer("axis", 0);
  if (n.num_inputs() == 1) return {sequence::last_steps(n.head(0), nullptr, axis)};
  Expr lengths = n.in(1);
  return {sequence::last_steps(n.head(0), &lengths, axis), zeros_like(lengths)};
});

}  // namespace op
}  // namespace mxnet_ho
