// Gradient of sample_multinomial's backward op (get_prob=True, one draw per
// distribution): the forward op draws an index k from each distribution p (its
// last axis) and returns log p[k] as its second output; the backward op gives
// gp = S(g)/p, S(g) scattering each draw's head g to its index k. That map is
// linear in g: the same kernel at another head v gives S(v)/p; its adjoint is
// pick: <h, S(g)/p> = <pick(h/p, idx), g>.
#include <stdexcept>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gp = S(g)/p, S scattering g to the drawn indices: d/dg = pick(h/p, idx); d/dp = -h*S(g)/p^2;
// d/didx = 0
MXNET_HO_GRADIENT(_backward_sample_multinomial).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), p = n.in(1), idx = n.in(2), h = n.head(0, p);
  if (!n.ints("shape").empty())
    throw std::runtime_error(
        "mxnet-ho: _backward_sample_multinomial has no rule for several draws per distribution");
  const std::optional<Expr> gp = n.same_kernel({g}, 2, "_sample_multinomial");
  if (!gp)
    throw std::runtime_error("mxnet-ho: _backward_sample_multinomial without its forward node");
  return {apply("pick", {h / p, idx}, {{"axis", "-1"}}), -h * *gp / p, zeros_like(idx)};
});

}  // namespace op
}  // namespace mxnet_ho
