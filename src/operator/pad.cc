// Gradient of the backward op of Pad (pad).
//
// Pad is y = P x (+ c outside x in constant mode), with P a fixed linear map:
// zero fill, edge replication or reflection, separately along each padded axis.
// _backward_Pad takes the head gradient g and returns gx = P^T g. The gradient
// of <h, P^T g> with respect to g is P h: h padded in the same mode with
// constant 0 (c does not depend on x). Pad itself is a stateful (legacy)
// operator, which MXNet cannot run inside a recorded backward pass, so P h is
// built axis by axis from slice_axis, repeat, reverse and concat.
#include <string>
#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

std::string Str(long v) { return std::to_string(v); }

// x[begin:end] along axis (end "None": to the end).
Expr SliceAxis(const Expr& x, long axis, long begin, const std::string& end) {
  return apply("slice_axis", {x}, {{"axis", Str(axis)}, {"begin", Str(begin)}, {"end", end}});
}

// `width` copies of the slice x[begin:end] along axis.
Expr Replicate(const Expr& x, long axis, long begin, const std::string& end, long width) {
  return apply("repeat", {SliceAxis(x, axis, begin, end)},
               {{"repeats", Str(width)}, {"axis", Str(axis)}});
}

Expr Reverse(const Expr& x, long axis) { return apply("reverse", {x}, {{"axis", Str(axis)}}); }

// The `width` entries that `mode` puts before x along axis.
Expr Before(const Expr& x, const std::string& mode, long axis, long width) {
  if (mode == "reflect") return Reverse(SliceAxis(x, axis, 1, Str(width + 1)), axis);
  Expr edge = Replicate(x, axis, 0, "1", width);
  return mode == "edge" ? edge : zeros_like(edge);
}

// The `width` entries that `mode` puts after x along axis.
Expr After(const Expr& x, const std::string& mode, long axis, long width) {
  if (mode == "reflect") return Reverse(SliceAxis(x, axis, -width - 1, "-1"), axis);
  Expr edge = Replicate(x, axis, -1, "None", width);
  return mode == "edge" ? edge : zeros_like(edge);
}

// x padded along axis by (before, after) entries in `mode`, with constant 0.
Expr PadAxis(const Expr& x, const std::string& mode, long axis, long before, long after) {
  std::vector<Expr> parts;
  if (before > 0) parts.push_back(Before(x, mode, axis, before));
  parts.push_back(x);
  if (after > 0) parts.push_back(After(x, mode, axis, after));
  if (parts.size() == 1) return x;
  return apply("Concat", parts, {{"dim", Str(axis)}, {"num_args", Str(parts.size())}});
}

}  // namespace

// gx = P^T g: d/dg = P h, h padded in the same mode (constant 0, edge, reflect), built per axis
// from slice_axis, repeat, reverse and concat
MXNET_HO_GRADIENT(_backward_Pad).set_rule([](const Backward& n) -> Grads {
  Expr h = n.head(0);
  if (is_zeros(h)) return {zeros_like(n.in(0))};
  const std::string mode = n.attr("mode", "constant");
  const std::vector<long> widths = n.ints("pad_width");
  Expr padded = h;
  for (size_t axis = 0; 2 * axis + 1 < widths.size(); ++axis)
    padded = PadAxis(padded, mode, axis, widths[2 * axis], widths[2 * axis + 1]);
  return {padded};
});

}  // namespace op
}  // namespace mxnet_ho
