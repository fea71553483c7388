// What the `_CachedOp` gradient (cached_op.cc) learns from the Python side.
#pragma once

#include "bridge/bridge.h"

namespace mxnet_ho {
namespace op {

// The graph a CachedOp runs, recorded when Python creates it (mx.nd.CachedOp).
void RememberCachedOp(const void* cached_op, bridge::SymbolGraph graph);
void ForgetCachedOp(const void* cached_op);
// What the current backward pass was asked for (autograd's create_graph and
// train_mode), set by Python around each MXAutogradBackwardEx call.
void SetBackwardMode(bool create_graph, bool train);

}  // namespace op
}  // namespace mxnet_ho
