// Gradient of the backward op of SequenceMask.
//
// _backward_SequenceMask takes (g) or, with use_sequence_length, (g, lengths),
// and returns g with the steps t >= lengths[b] set to zero (the mask value only
// affects the forward output). It is a fixed 0/1 mask times g, so its gradient
// is the same mask times the head. Lengths get zero.
//
// SequenceMask itself cannot build that mask: it is a legacy (stateful) op,
// and MXNet 1.9.1's Imperative::Backward keeps op states for the recorded
// nodes only, so a stateful op inside a gradient graph corrupts memory. The
// mask is therefore spelled with stateless ops on g viewed as
// (axis 0: steps x batch x rest, axis 1: batch x steps x rest).
#include "operator/sequence_op_common.h"

namespace mxnet_ho {
namespace op {
namespace {

bool UsesLengths(const Backward& n) { return n.num_inputs() == 2; }

using sequence::lengths_like;
using sequence::positions;
using sequence::reshape;

Expr broadcast_lesser(const Expr& a, const Expr& b) { return apply("broadcast_lesser", {a, b}); }

// [t < lengths[b]] for g viewed as 3-D, shaped (T, B, 1) or, batch major, (B, T, 1).
Expr kept_steps(const Expr& g3, const Expr& lengths, bool batch_major) {
  Expr steps = positions(g3, batch_major ? "1" : "0");
  Expr ends = lengths_like(lengths, steps);
  if (batch_major)
    return broadcast_lesser(reshape(steps, "(1, -1, 1)"), reshape(ends, "(-1, 1, 1)"));
  return broadcast_lesser(reshape(steps, "(-1, 1, 1)"), reshape(ends, "(1, -1, 1)"));
}

}  // namespace

// gx = g*[t < int(lengths[b])] (or g without lengths): d/dg = h*[t < int(lengths[b])] (or h), the
// mask from _contrib_arange_like, take, Reshape and broadcast_lesser; d/dlengths = 0
MXNET_HO_GRADIENT(_backward_SequenceMask).set_rule([](const Backward& n) -> Grads {
  if (!UsesLengths(n)) return {n.head(0)};
  Expr g = n.in(0), lengths = n.in(1);
  const bool batch_major = n.scalar("axis", 0) == 1;
  Expr g3 = reshape(g, "(0, 0, -1)"), h3 = reshape(n.head(0), "(0, 0, -1)");
  Expr masked = apply("broadcast_mul", {h3, kept_steps(g3, lengths, batch_major)});
  return {apply("reshape_like", {masked, g}), zeros_like(lengths)};
});

}  // namespace op
}  // namespace mxnet_ho
