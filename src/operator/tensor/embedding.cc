// Gradient of _backward_Embedding (dense weight gradient). Embedding looks up
// rows of weight W (input_dim, output_dim) at the indices i: y[k] = W[i[k]].
// The backward op takes (g, i) and returns (gi, gW) = (0, sum_{k: i[k]=r} g[k]
// in row r): the transpose of the lookup, linear in g.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// (gi, gW) = (0, scatter-add of g at i): d/dg = h_W[i] (Embedding of h_W); d/di = 0
MXNET_HO_GRADIENT(_backward_Embedding).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), indices = n.in(1), h_weight = n.head(1);
  // With no head for gW the DSL stands in zeros shaped like g: the derivative is zero.
  const bool no_head = is_zeros(h_weight);
  Expr d_g = no_head ? zeros_like(g)
                     : apply("Embedding", {indices, h_weight},
                             n.attrs({"input_dim", "output_dim", "dtype", "sparse_grad"}));
  return {d_g, zeros_like(indices)};
});

}  // namespace op
}  // namespace mxnet_ho
