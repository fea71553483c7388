// The run-time mode (training or predict) of the gradient graph being built.
//
// Some forward ops act by the mode they run in, which their recorded attributes
// do not say: BatchNorm picks batch or moving statistics, Dropout drops or
// passes through (and writes its mask output only when it drops). A rule for
// such an op builds both derivatives and selects one with this probe, which
// runs when the gradient graph runs, in that pass's mode. Defined in
// batch_norm.cc.
#pragma once

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// 1 where the graph runs in predict mode, 0 in training mode, shaped (1,) and
// of the dtype of `like`, a vector of any length (only its dtype is used).
Expr PredictMode(const Expr& like);

}  // namespace op
}  // namespace mxnet_ho
