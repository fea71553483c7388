// Gradients of the backward ops of box_nms, box_iou and bipartite_matching.
//
// box_nms sorts the boxes by score and suppresses overlapping ones; its hidden
// output temp records, for each output row i, the input row it came from (-1
// where none). _backward_contrib_box_nms takes (g_out, g_temp, out, temp) and
// sends each row of g_out to the input row temp records, zeros elsewhere: linear
// in g_out, gx = S^T g. Its gradient in g_out is S at the head: row i of h takes
// row temp[i] of h (0 where temp[i] = -1), written as a one-hot matrix of temp
// (temp[i] == k, k the row index) times h in each batch; out and temp (indices)
// get zero. box_iou's and bipartite_matching's backward kernels write zeros.
#include <string>

#include "operator/contrib/constant_backward.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr Reshape(const Expr& z, const std::string& shape, bool reverse = false) {
  return apply("reshape", {z}, {{"shape", shape}, {"reverse", reverse ? "True" : "False"}});
}

// Row i of h (..., N, W), rows counted over every batch: row record[i] of h, 0 where
// record[i] < 0 (the record holds flat row indices).
Expr GatherRows(const Expr& h, const Expr& record) {
  const Expr rows = Reshape(h, "(-1, 0)", true);  // (B*N, W)
  const Expr from = Reshape(record, "(-1, 1)");   // (B*N, 1)
  const Expr index = apply("_maximum_scalar", {Reshape(record, "(-1,)")}, {{"scalar", "0"}});
  const Expr taken = apply("take", {rows, index}, {{"axis", "0"}, {"mode", "clip"}});
  return apply("reshape_like", {apply("broadcast_mul", {taken, from >= 0.0}), h});
}

}  // namespace

// g_data = g_out sent to the rows temp records:
// d/dg_out = row temp[i] of h for each row i (0 where temp[i] = -1);
// d/dg_temp = d/dout = d/dtemp = 0
MXNET_HO_GRADIENT(_backward_contrib_box_nms).set_rule([](const Backward& n) -> Grads {
  const Expr h = n.head(0, n.in(0));
  const Expr dg = is_zeros(h) ? zeros_like(n.in(0)) : GatherRows(h, n.in(3));
  return {dg, zeros_like(n.in(1)), zeros_like(n.in(2)), zeros_like(n.in(3))};
});

// (g_lhs, g_rhs) = (0, 0) (stock's kernel writes zeros, whatever g): d/dg = 0
MXNET_HO_GRADIENT(_backward_contrib_box_iou).set_rule(ConstantBackward);

// g_data = 0 (the outputs are integer row indices, piecewise constant in data):
// d/dg_rows = d/dg_cols = 0
MXNET_HO_GRADIENT(_backward_contrib_bipartite_matching).set_rule(ConstantBackward);

}  // namespace op
}  // namespace mxnet_ho
