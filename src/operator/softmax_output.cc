// Gradient of SoftmaxOutput (alias Softmax), a loss layer: y = softmax(x) over
// the classes, its gradient the cross entropy's for the label l, ignoring the
// head. The classes are axis 1 (multi_output), the last axis (preserve_shape),
// or else all axes but 0 flattened (the kernel then reads the first N labels of
// the label laid flat, N = x.shape[0]). With p = y, e = onehot(l) along the
// classes and s = grad_scale:
//   l shaped like x (probabilities):  gx = s*(p - l)
//   else                              gx = s/v * keep*(p - t)
// with t = e, or (1 - α)*e + α/(k-1)*(1 - e) with smooth_alpha α (not with
// multi_output; k classes); keep = [l != ignore_label] with use_ignore, else 1;
// and v by `normalization`: 'null' 1, 'batch' the label's count, 'valid' the
// count of l != ignore_label (at least 1), except that with multi_output
// 'null' and 'batch' also divide by the positions per instance
// (l.size/l.shape[0]). out_grad multiplies gx by y (the stock kernel reads y
// where the head would be). gl = 0. Built from forward ops of x where it is
// differentiated again (loss_layer.h); the stock backward node reads (y, l).
// Labels are whole numbers.
//
// Which case holds depends on the shapes of x and l, which a rule knows only
// where autograd recorded the arrays or a symbol's gradient was given shapes
// (mxnet_ho.symbol.grad's shapes); elsewhere (a hybridized block, a symbol
// without shapes) the label is taken as class indices, as layers use it.
#include <optional>
#include <string>
#include <vector>

#include "operator/loss_layer.h"

namespace mxnet_ho {
namespace op {
namespace {

// Whether the label is known to be shaped like the data (probabilities): from
// the arrays autograd recorded, or the shapes a symbol's gradient was given.
bool ProbabilityLabel(const Backward& n) {
  const Entries& inputs = bridge::Inputs(n.node());
  std::vector<long> data, label;
  if (bridge::RecordedShape(inputs.at(0), &data) && bridge::RecordedShape(inputs.at(1), &label))
    return data == label;
  if (const KnownShapes* known = known_shapes()) {
    const std::vector<std::vector<long>> shapes =
        bridge::InferShapes({inputs.at(0), inputs.at(1)}, *known);
    return !shapes.at(0).empty() && shapes.at(0) == shapes.at(1);
  }
  return false;
}

// The count of the entries of e (a (1,) array).
Expr Count(const Expr& e) { return apply("sum", {ones_like(e)}); }

// The count of the label's instances: its axis 0.
Expr Instances(const Expr& label) {
  return Count(apply("slice_axis", {label}, {{"axis", "0"}, {"begin", "0"}, {"end", "1"}}));
}

// gx of the class-index case, in the layout `x` whose classes are `axis`.
// `label` the class of each position, `all` the whole label (normalization counts it).
Expr IndexLabelGrad(const Backward& n, const Expr& x, const Expr& label, const Expr& all,
                    const std::string& axis) {
  const bool multi = n.flag("multi_output");
  const double alpha = single_precision(n.scalar("smooth_alpha", 0.0));
  Expr p = Expr(apply("softmax", {x}, {{"axis", axis}}).entry(), true);
  Expr along = LabelAlong(label, x, axis);
  Expr e = OneHotAlong(along, x, axis);
  Expr target = e;
  if (alpha != 0.0 && !multi) {
    Expr k = SumKeeping(ones_like(x), axis);
    target = e * (1.0 - alpha) + (1.0 - e) * (alpha / (k - 1.0));
  }
  Expr gx = p - target;
  const std::string ignore = n.attr("ignore_label", "-1");
  auto kept = [&ignore](const Expr& l) {
    return apply("_not_equal_scalar", {l}, {{"scalar", ignore}});
  };
  if (n.flag("use_ignore")) gx = gx * kept(along);
  const std::string norm = n.attr("normalization", "null");
  std::optional<Expr> v;  // none: 1
  if (norm == "valid")
    v = apply("_maximum_scalar", {apply("sum", {kept(all)})}, {{"scalar", "1"}});
  else if (norm == "batch")
    v = Count(all);
  else if (multi)
    v = Count(all) / Instances(all);
  const double s = single_precision(n.scalar("grad_scale", 1.0));
  gx = v ? gx * Expr((s / *v).entry(), true) : gx * s;
  return n.flag("out_grad") ? gx * p : gx;
}

}  // namespace

// y = softmax(x) over the classes: gx = s*(p - l) for l shaped like x, else s/v*keep*(p - t), t =
// onehot(l) (smoothed by α), keep = [l != ignore_label] (use_ignore), v by normalization;
// times y with out_grad; gl = 0 (ignores the head; forward ops of x under create_graph)
MXNET_HO_GRADIENT(SoftmaxOutput)
    .keeps_stock()
    .keeps_inputs()
    .set_rule([](const Backward& n) -> Grads {
      if (!DifferentiatedAgain()) return n.stock();
      Expr x = n.in(0), label = n.in(1);
      const double s = single_precision(n.scalar("grad_scale", 1.0));
      const bool multi = n.flag("multi_output");
      if (ProbabilityLabel(n)) {
        // the layout of the softmax, as the forward op's
        const std::string axis = multi ? "1" : "-1";
        Expr flat =
            multi || n.flag("preserve_shape") ? x : apply("reshape", {x}, {{"shape", "(0, -1)"}});
        Expr p = apply("reshape_like", {apply("softmax", {flat}, {{"axis", axis}}), x});
        Expr gx = (p - label) * s;
        return {n.flag("out_grad") ? gx * p : gx, zeros_like(label)};
      }
      if (multi) return {IndexLabelGrad(n, x, label, label, "1"), zeros_like(label)};
      if (n.flag("preserve_shape"))
        return {IndexLabelGrad(n, x, label, label, "-1"), zeros_like(label)};
      // x as (N, classes); the kernel reads the first N labels of the label laid flat
      Expr flat = apply("reshape", {x}, {{"shape", "(0, -1)"}});
      Expr firsts = apply(
          "slice_like",
          {apply("reshape", {label}, {{"shape", "(-1,)"}}), apply("sum", {flat}, {{"axis", "1"}})},
          {{"axes", "(0,)"}});
      Expr gx = IndexLabelGrad(n, flat, firsts, label, "-1");
      return {apply("reshape_like", {gx, x}), zeros_like(label)};
    });

}  // namespace op
}  // namespace mxnet_ho
