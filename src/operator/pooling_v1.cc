// Gradients of _backward_Pooling_v1, the legacy 2-D pooling.
//
// Pooling_v1 pads x with zeros (for every pool_type, max included), pools each
// window of the padded x clamped to its end (the full convention's overhang),
// and divides avg by the whole kernel size (a float32 constant), or by H*W with
// global_pool. Its backward op gets (g, x, y) and returns dx = J(x)^T g:
// * sum: J h = S(h), S the sum pooling over the same windows (Pooling with
//   pool_type sum pads with zeros and clamps alike); avg: J h = S(h)/K;
//   global avg: Pooling's global average.
// * max: the stock kernel routes g_o to every position of window o where x
//   equals y_o (ties each get all of it; a window whose maximum is a padding
//   zero routes nothing), so J h sums h over those positions, locally constant
//   in x (nn/pooling.h, with every tie).
// d/dx = d/dy = 0 for every type.
#include "operator/nn/pooling.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kPoolingV1Keys = {"kernel", "global_pool", "pooling_convention",
                                                 "stride", "pad"};

Grads PoolingV1Grad(const Backward& n) {
  Expr x = n.in(1), y = n.in(2);
  if (is_zeros(n.head(0))) return {zeros_like(n.in(0)), zeros_like(x), zeros_like(y)};
  Expr h = n.head(0);
  const std::string type = n.attr("pool_type", "max");
  const AttrList sum = with_attr(n.attrs(kPoolingV1Keys), "pool_type", "sum");
  Expr d_g = h;
  if (type == "max") {
    d_g = MaxPoolingSelect(n, x, y, h, true);
  } else if (type == "sum") {
    d_g = apply("Pooling", {h}, sum);
  } else if (n.flag("global_pool")) {  // avg
    d_g = apply("Pooling", {h}, with_attr(sum, "pool_type", "avg"));
  } else {  // avg
    long size = 1;
    for (long k : n.ints("kernel")) size *= k;
    d_g = apply("Pooling", {h}, sum) * single_precision(1.0 / static_cast<double>(size));
  }
  return {d_g, zeros_like(x), zeros_like(y)};
}

}  // namespace

// sum: d/dg = S(h), S the sum pooling over the same zero-padded windows; avg: d/dg = S(h)/K (K the
// kernel size in float32; global: Pooling's global average of h); max: d/dg = the sum of h over
// each window's positions where x equals y; d/dx = d/dy = 0
MXNET_HO_GRADIENT(_backward_Pooling_v1).set_rule(PoolingV1Grad);

}  // namespace op
}  // namespace mxnet_ho
