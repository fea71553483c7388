// Gradient of the backward op of SequenceReverse.
//
// SequenceReverse takes x (T, B, ...) and, with use_sequence_length, the
// lengths, and reverses the first L_b steps of each sequence b (L_b = lengths[b]
// truncated; every step without lengths), keeping the rest: y = P x for a fixed
// permutation P of the steps, which is its own inverse. _backward_SequenceReverse
// takes (g) or (g, lengths) and returns gx = P^T g = P g, so its gradient in g
// is P h. Lengths get zero. SequenceReverse is a legacy (stateful) op, which a
// recorded gradient graph cannot hold, so P is spelled with stateless ops.
#include "operator/sequence_op_common.h"

namespace mxnet_ho {
namespace op {

// gx = P g, P reversing steps 0..L_b - 1 of each sequence (L_b = int(lengths[b]), or T):
// d/dg = P h (gather_nd, or reverse along axis 0); d/dlengths = 0
MXNET_HO_GRADIENT(_backward_SequenceReverse).set_rule([](const Backward& n) -> Grads {
  if (n.num_inputs() == 1) return {sequence::reversed_steps(n.head(0), nullptr)};
  Expr lengths = n.in(1);
  return {sequence::reversed_steps(n.head(0), &lengths), zeros_like(lengths)};
});

}  // namespace op
}  // namespace mxnet_ho
