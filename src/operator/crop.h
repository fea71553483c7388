// Crop's window written with forward ops, shared by its rule and its stateless
// twin (imperative/cached_op.cc).
#pragma once

#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// Where a crop starts along height and width: at `offset` (y, x), or centred
// (floor of half the difference of the lengths).
struct CropStart {
  bool center = false;
  std::vector<long> offset = {0, 0};
};

// z (N, C, H, W) cropped to the height and width of `like` (N', C', h, w),
// starting at `start`: take of the rows start_y..start_y + h - 1, then the columns.
Expr CropTo(const Expr& z, const Expr& like, const CropStart& start);

}  // namespace op
}  // namespace mxnet_ho
