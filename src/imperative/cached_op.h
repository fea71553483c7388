// What the `_CachedOp` gradient (cached_op.cc) learns from the Python side.
#pragma once

#include "bridge/bridge.h"

namespace mxnet_ho {
namespace op {

// The graph a CachedOp runs, recorded when Python creates it (mx.nd.CachedOp).
void RememberCachedOp(const void* cached_op, bridge::SymbolGraph graph);
void ForgetCachedOp(const void* cached_op);

}  // namespace op
}  // namespace mxnet_ho
