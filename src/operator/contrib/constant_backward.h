// The rule of a backward op whose outputs do not depend on its inputs: the
// detection ops' backward kernels that write zeros by design (MultiBox*,
// Proposal, MultiProposal, box_iou, bipartite_matching). Constant in every
// input, its own gradient is zero in each: the chain closes with zeros.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

inline Grads ConstantBackward(const Backward& n) {
  Grads grads;
  for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  return grads;
}

}  // namespace op
}  // namespace mxnet_ho
