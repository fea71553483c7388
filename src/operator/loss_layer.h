// What the loss layers (regression outputs, SVMOutput, SoftmaxOutput) share.
//
// Their gradient ignores the head gradient: it is the gradient of a loss of
// their output y and their label, gx = G(y, label). Their stock backward nodes
// read y and ignore their head as well, so a derivative reaching y would come
// back through this same head-blind gradient. So, where the gradient is to be
// differentiated again (under create_graph, and for a symbol's gradient), a
// loss layer's gradient is built from forward ops of its data x itself (y
// recomputed from x), which autograd then keeps (keeps_inputs()), and the
// chain continues in x's own producers; a first-order pass keeps the stock
// kernel.
#pragma once

#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// Whether the gradient being built is to be differentiated again.
inline bool DifferentiatedAgain() { return creating_graph() || building_symbol(); }

// e summed over axis `axis` of x, keeping it as 1, or over every other axis.
inline Expr SumKeeping(const Expr& e, const std::string& axis, bool others = false) {
  AttrList attrs = {{"axis", axis}, {"keepdims", "True"}};
  if (others) attrs.emplace_back("exclude", "True");
  return apply("sum", {e}, attrs);
}

// The label, one class index per position of x but its class axis `axis`,
// laid out as x with that axis 1.
inline Expr LabelAlong(const Expr& label, const Expr& x, const std::string& axis) {
  return Expr(apply("reshape_like", {label, SumKeeping(x, axis)}).entry(), true);
}

// onehot of such a label along `axis` of x: 1 where the class is the label (a
// label outside 0..k-1 matches none). A constant: no derivative.
inline Expr OneHotAlong(const Expr& label_along, const Expr& x, const std::string& axis) {
  Expr classes = apply("_contrib_arange_like", {x}, {{"axis", axis}});
  Expr along = Expr(apply("reshape_like", {classes, SumKeeping(x, axis, true)}).entry(), true);
  return apply("broadcast_equal", {label_along, along});
}

}  // namespace op
}  // namespace mxnet_ho
