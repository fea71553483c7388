// Gradient of the backward op of SliceChannel (split).
//
// _backward_SliceChannel takes the head gradients (g_0, ..., g_{k-1}) of the
// k equal parts and concatenates them into gx along `axis` (restoring the axis
// when `squeeze_axis` removed it). The gradient of <h, gx> with respect to g_i
// is part i of h. SliceChannel itself is a stateful (legacy) operator, which
// MXNet cannot run inside a recorded backward pass, so the parts are taken with
// split_v2 in k equal sections, the same split.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
// gx = concat(g_0..g_{k-1}, axis): d/dg_i = split_v2(h, sections=k, axis, squeeze_axis)_i
MXNET_HO_GRADIENT(_backward_SliceChannel).set_rule([](const Backward& n) -> Grads {
  AttrList attrs = n.attrs({"axis", "squeeze_axis"});
  attrs.emplace_back("indices", "()");
  attrs.emplace_back("sections", std::to_string(n.num_inputs()));
  return split_adjoint(n, "_split_v2", attrs);
});

}  // namespace op
}  // namespace mxnet_ho
