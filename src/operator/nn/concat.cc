// Gradient of the backward op of Concat (concat).
//
// _backward_Concat splits the head gradient g into the slices gx_i of the
// forward inputs x_i along `dim`. This build of MXNet (MKL-DNN) also passes the
// forward inputs: the node's inputs are (g, x_0, ..., x_{k-1}). The split is
// linear in g and does not depend on x, so the gradient of
// sum_i <h_i, gx_i> is concat(h_0, ..., h_{k-1}) for g and zero for each x_i.
#include <stdexcept>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {}  // namespace

// (gx_0..gx_{k-1}) = slices of g along dim; inputs (g, x_0..x_{k-1}) in this MKL-DNN build:
// d/dg = concat(h_0..h_{k-1}, dim), unused outputs as zeros_like(x_i); d/dx_i = 0
MXNET_HO_GRADIENT(_backward_Concat).set_rule([](const Backward& n) -> Grads {
  const size_t k = n.num_inputs() - 1;  // the forward inputs x_i follow g
  if (k == 0)
    throw std::runtime_error(
        "mxnet-ho: _backward_Concat without the forward inputs (a build of MXNet "
        "without MKL-DNN) is not supported");
  std::vector<Expr> parts;
  for (size_t i = 0; i < k; ++i) {
    Expr h = n.head(i);
    parts.push_back(is_zeros(h) ? zeros_like(n.in(i + 1)) : h);
  }
  Grads grads = {apply("Concat", parts, n.attrs({"dim", "num_args"}))};
  for (size_t i = 0; i < k; ++i) grads.push_back(zeros_like(n.in(i + 1)));
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
