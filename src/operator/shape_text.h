// What the rules that write attributes as text share: an integer as attribute
// text, and a reshape to a shape written as text ("(1, -1, 1, 1)").
#pragma once

#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

inline std::string Text(long v) { return std::to_string(v); }

inline Expr Reshape(const Expr& z, const std::string& shape) {
  return apply("reshape", {z}, {{"shape", shape}});
}

}  // namespace op
}  // namespace mxnet_ho
