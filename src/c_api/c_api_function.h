// What the `_CustomFunction` gradient (c_api_function.cc) asks the Python side.
#pragma once

namespace mxnet_ho {
namespace op {

// Python's tracer of a custom Function's backward (mxnet_ho.function): given the
// MXCallbackList naming the Function and its input and output counts, it runs
// the Function's backward while recording, on placeholders, and hands back a
// symbol whose outputs are the gradient of each input, then the placeholder of
// each head, then the placeholder of each saved tensor that is an input or an
// output. `roles` (room for num_inputs + num_inputs + num_outputs) gets, per
// input, 1 where its gradient is in the symbol and 0 where it is zero, then per
// saved placeholder j >= 0 for input j or -1-k for output k; `num_saved` their
// count. Returns 0, else -1 with the message set by SetFunctionError.
using FunctionTracer = int (*)(const void* function, int num_inputs, int num_outputs, void** symbol,
                               int* roles, int* num_saved);
void SetFunctionTracer(FunctionTracer tracer);
void SetFunctionError(const char* message);

}  // namespace op
}  // namespace mxnet_ho
