// Gradient of the backward op of np.average (_npi_average, outputs (avg, sw)
// with sw the sum of the weights; returned=False shows avg only).
//
// Unweighted, _backward_np_average(g, g_sw, a, avg, sw) = B(g)/N: linear in g.
// Weighted, _backward_np_average(g, g_sw, a, w, avg, sw) = (ga, gw) with, over
// the reduced axes R (S = sum over R with keepdims, B broadcasting back to a's
// shape, w broadcasting against a):
//   W = S(w),  M = S(a*w)/W,  ga = B(g)*w/W,  gw = sum_to(B(g)*(a - M)/W, w).
// The stock kernel recomputes S(a*w) from a and w, takes W from sw and ignores
// g_sw; here W and M are recomputed from w and a as well, so every derivative
// flows to a and w (stock drops any gradient that reaches sw), and avg, sw and
// g_sw get zero. 1-D weights broadcast against a from the right, so they must
// lie along a's last axis here (stock also takes them along any other axis).
#include "dsl/grad_dsl.h"
#include "operator/numpy/np_broadcast_reduce_op.h"

namespace mxnet_ho {
namespace op {
// unweighted: gx = B(g)/N: d/dg = np.mean(h) over axis; weighted (W = S(w), M = S(a*w)/W, S summing
// over axis with keepdims, w broadcasting from the right): ga = B(g)*w/W, gw = sum_to(B(g)*(a -
// M)/W, w): d/dg = sum(h_a*w + h_w*(a - M))/W, d/da = B(g)/W*(h_w - S(h_w)*w/W), d/dw =
// sum_to(B(g)/W*(h_a - (S(h_w)*(a - M) + S(h_a*w + h_w*(a - M)))/W), w);
// avg, sw and the head of sw get 0 (stock ignores that head)
MXNET_HO_GRADIENT(_backward_np_average).broadcasting().set_rule([](const Backward& n) -> Grads {
  AttrList axis = n.attrs({"axis"});
  Expr a = n.in(2);
  if (n.num_inputs() == 5) {
    return {apply("_npi_mean", {n.head(0, a)}, axis), zeros_like(n.in(4)), zeros_like(a),
            zeros_like(n.in(3)), zeros_like(n.in(4))};
  }
  AttrList keep = axis;
  keep.emplace_back("keepdims", "1");
  Expr w = n.in(3), ha = n.head(0, a), hw = n.head(1, w);
  Expr g = stock_gradient_of(np_sum(a, axis), {n.in(0)}, 0);  // B(g)
  Expr wf = w * ones_like(a);                                 // w in a's shape
  Expr W = np_sum(wf, keep);
  Expr centered = a - np_sum(a * wf, keep) / W;  // a - M
  Expr hwf = hw * ones_like(a);
  Expr H = np_sum(hwf, keep);
  Expr per_elem = ha * wf + hwf * centered;
  Expr T = np_sum(per_elem, keep);
  Expr g_over_W = g / W;
  return {np_sum(per_elem / W, axis),    zeros_like(n.in(5)),
          g_over_W * (hwf - H * wf / W), sum_to(g_over_W * (ha - (H * centered + T) / W), w),
          zeros_like(n.in(4)),           zeros_like(n.in(5))};
});

}  // namespace op
}  // namespace mxnet_ho
