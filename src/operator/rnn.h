// The fused recurrent layer RNN (modes lstm, gru, rnn_tanh, rnn_relu) as an
// unrolled composition of stateless forward ops: its stateless twin, whose
// gradients (vjp) are differentiable to any order.
#pragma once

#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// Where the recorded forward ran: its dtype (mshadow's flag) and device type
// (1 CPU, 2 GPU); -1 where unknown. It decides whether the kernel applied the
// dropout between layers (MKL-DNN's float32 CPU kernel ignores it).
struct RnnKernel {
  int dtype = -1;
  int dev_type = -1;
};

// The outputs of the RNN node `node` (output, then with state_outputs the final
// hidden and, for lstm, cell states) recomputed from `inputs` (the node's
// inputs: data, parameters, state[, state_cell]) over `seq_len` time steps.
// Throws, naming RNN and why, for what the twin does not reproduce.
std::vector<Expr> RnnTwin(const NodePtr& node, const std::vector<Expr>& inputs, long seq_len,
                          const RnnKernel& kernel);

}  // namespace op
}  // namespace mxnet_ho
