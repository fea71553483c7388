// What the `_CachedOp` gradient (cached_op.cc) learns from the Python side.
#pragma once

#include "bridge/bridge.h"

namespace mxnet_ho {
namespace op {

// The graph a CachedOp runs, recorded when Python creates it (mx.nd.CachedOp).
void RememberCachedOp(const void* cached_op, bridge::SymbolGraph graph);
void ForgetCachedOp(const void* cached_op);

// What the ops of a graph with these outputs draw at random (Dropout's mask,
// the samples of a sampler that reads no array): a CachedOp returns them after
// the graph's own outputs, so that its gradient reuses them (none: empty).
bridge::Entries RandomOutputs(const bridge::Entries& outputs);

// The values of a graph's outputs rebuilt with forward ops over `inputs` (one
// entry per variable of graph.inputs), as a hybridized block's are recomputed.
bridge::Entries RecomputeGraph(const bridge::SymbolGraph& graph, const bridge::Entries& inputs);

}  // namespace op
}  // namespace mxnet_ho
