// Sequence arrays as the sequence ops (SequenceMask, SequenceLast,
// SequenceReverse) read them, for their rules and their stateless twins
// (imperative/cached_op.cc): the steps of x run along axis 0, x (T, B, ...), or
// axis 1, x (B, T, ...), and sequence b is lengths[b] steps long, read as the
// stock kernels read it: truncated to whole steps.
#pragma once

#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace sequence {

inline Expr reshape(const Expr& x, const std::string& shape) {
  return apply("Reshape", {x}, {{"shape", shape}});
}

// 0, 1, ..., n-1 for the n entries of x along `axis`, in x's dtype.
inline Expr positions(const Expr& x, const std::string& axis) {
  return apply("_contrib_arange_like", {x}, {{"axis", axis}});
}

// lengths[b] in the dtype of `steps` (0..T-1), truncated to whole steps, at
// most T: a lookup in the table 0..T (lengths may have another dtype).
inline Expr lengths_like(const Expr& lengths, const Expr& steps) {
  Expr first = apply("slice_axis", {steps}, {{"axis", "0"}, {"begin", "0"}, {"end", "1"}});
  Expr one_more = apply("Concat", {steps, first}, {{"num_args", "2"}, {"dim", "0"}});
  Expr zero_to_t = positions(one_more, "0");
  return apply("take", {zero_to_t, lengths}, {{"mode", "clip"}});
}

inline Expr slice_axis(const Expr& x, long axis, const std::string& begin, const std::string& end) {
  return apply("slice_axis", {x}, {{"axis", std::to_string(axis)}, {"begin", begin}, {"end", end}});
}

// x at the last step of each sequence, step L_b - 1 (L_b the length, T without
// lengths): x's shape without the steps' axis. A pick along that axis.
inline Expr last_steps(const Expr& x, const Expr* lengths, long axis) {
  const std::string along = std::to_string(axis);
  if (lengths == nullptr)
    return apply("squeeze", {slice_axis(x, axis, "-1", "None")}, {{"axis", along}});
  Expr x3 = reshape(x, "(0, 0, -1)");
  Expr ends = lengths_like(*lengths, positions(x3, along));
  Expr at = apply("broadcast_like", {reshape(ends - 1.0, axis == 0 ? "(1, -1, 1)" : "(-1, 1, 1)"),
                                     slice_axis(x3, axis, "0", "1")});
  Expr picked = apply("pick", {x3, at}, {{"axis", along}, {"keepdims", "True"}, {"mode", "clip"}});
  Expr shaped = apply("reshape_like", {picked, slice_axis(x, axis, "0", "1")});
  return apply("squeeze", {shaped}, {{"axis", along}});
}

// x (T, B, ...) with the first L_b steps of each sequence b reversed, step t
// read from L_b - 1 - t (every step without lengths): a gather_nd at (source
// step, b) for each (t, b).
inline Expr reversed_steps(const Expr& x, const Expr* lengths) {
  if (lengths == nullptr) return apply("reverse", {x}, {{"axis", "0"}});
  Expr x3 = reshape(x, "(0, 0, -1)");
  Expr steps = positions(x3, "0");
  Expr t = reshape(steps, "(-1, 1)"), ends = reshape(lengths_like(*lengths, steps), "(1, -1)");
  Expr back = apply("broadcast_sub", {ends - 1.0, t});  // L_b - 1 - t
  Expr inside = apply("broadcast_lesser", {t, ends});
  Expr source = apply("where", {inside, back, apply("broadcast_like", {t, back})});
  Expr batch = apply("broadcast_like", {reshape(positions(x3, "1"), "(1, -1)"), back});
  Expr at = apply("stack", {source, batch}, {{"num_args", "2"}, {"axis", "0"}});
  return apply("reshape_like", {apply("gather_nd", {x3, at}), x});
}

}  // namespace sequence
}  // namespace op
}  // namespace mxnet_ho
