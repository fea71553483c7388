// Gradient of the backward op of SliceChannel (split).
//
// _backward_SliceChannel takes the head gradients (g_0, ..., g_{k-1}) of the
// k equal parts and concatenates them into gx along `axis` (restoring the axis
// when `squeeze_axis` removed it). The gradient of <h, gx> with respect to g_i
// is part i of h. SliceChannel itself is a stateful (legacy) operator, which
// MXNet cannot run inside a recorded backward pass, so the parts are taken with
// split_v2 in k equal sections, the same split.
#include "grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// Output `index` of the node that computes `e`.
Expr Output(const Expr& e, uint32_t index) {
  return Expr(Entry{e.entry().node, index, 0}, e.broadcasting());
}

}  // namespace

// gx = concat(g_0, ..., g_{k-1}, axis):  d/dg_i = split_v2(h, sections=k, axis)_i
MXNET_HO_GRADIENT(_backward_SliceChannel).set_rule([](const Backward& n) -> Grads {
  Expr h = n.head(0);
  const size_t k = n.num_inputs();
  Grads grads;
  if (is_zeros(h)) {
    for (size_t i = 0; i < k; ++i) grads.push_back(zeros_like(n.in(i)));
    return grads;
  }
  AttrList attrs = n.attrs({"axis", "squeeze_axis"});
  attrs.emplace_back("indices", "()");
  attrs.emplace_back("sections", std::to_string(k));
  Expr parts = apply("_split_v2", {h}, attrs);
  for (uint32_t i = 0; i < k; ++i) grads.push_back(Output(parts, i));
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
