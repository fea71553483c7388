// Symbolic gradients: a Symbol's vector-Jacobian product as another Symbol.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bridge/bridge.h"

namespace mxnet_ho {
namespace op {

// The gradients of sum_k <head_grads[k], outputs[k]> with respect to the input
// variables named `wrt`, as entries of a graph of forward ops and MXNet's
// backward ops (each with a gradient again). Empty head_grads: ones_like each
// output. Throws std::runtime_error naming what is wrong.
// `shapes`: the shapes of some of the graph's variables, by name; with them a
// fused RNN is differentiated as its unrolled twin (differentiable again), without
// them by its stock first-order kernel.
bridge::Entries SymbolGradient(
    const bridge::SymbolGraph& graph, const std::vector<std::string>& wrt,
    const bridge::Entries& head_grads,
    const std::vector<std::pair<std::string, std::vector<long>>>& shapes = {});

}  // namespace op
}  // namespace mxnet_ho
