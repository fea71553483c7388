// Correlation written with forward ops: its gradient's map and its stateless
// twin (imperative/cached_op.cc).
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

struct CorrelationShape {
  long kernel, max_displacement, stride1, stride2, pad;
  bool multiply;
};

// z (N, C, H, W) with `pad` zeros on each side of its height and width.
Expr PadSpace(const Expr& z, long pad);

// Correlation of the padded p1, p2 (N, C, Hp, Wp): for each displacement d of the
// (2r + 1)^2 grid (r = max_displacement / stride2, steps of stride2, row-major),
// the k x k window sums (stride1) of sum_c p1 * p2 shifted by d (or |p1 - p2
// shifted|), over k^2 C: (N, (2r + 1)^2, Ho, Wo).
Expr Correlate(const Expr& p1, const Expr& p2, const CorrelationShape& s);

}  // namespace op
}  // namespace mxnet_ho
