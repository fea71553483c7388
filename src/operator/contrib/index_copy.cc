// Gradient of the backward op of index_copy(old, idx, new): rows idx[i] of old
// replaced by rows i of new. The backward op (g, old, idx, new) -> (g_old,
// g_idx, g_new) gives g with the copied rows zeroed and the copied rows of g;
// it is linear in g, and its adjoint writes h_new into h_old's rows idx: the
// forward op itself at the heads.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// (g_old, g_idx, g_new) = (g with rows idx zeroed, 0, g[idx]): d/dg = index_copy(h_old, idx,
// h_new); d/dold = d/didx = d/dnew = 0
MXNET_HO_GRADIENT(_contrib_backward_index_copy).set_rule([](const Backward& n) -> Grads {
  Expr old = n.in(1), idx = n.in(2), fresh = n.in(3);
  Expr h_old = n.head(0, old), h_new = n.head(2, fresh);
  return {apply("_contrib_index_copy", {h_old, idx, h_new}), zeros_like(old), zeros_like(idx),
          zeros_like(fresh)};
});

}  // namespace op
}  // namespace mxnet_ho
