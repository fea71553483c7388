// Gradient of DeformablePSROIPooling(data, rois[, trans]).
//
// y = average over S x S bilinear samples of each bin's channel of data at the
// bin's points moved by trans (operator/contrib/deformable_psroi_pooling.h). The
// op is a stateful legacy op whose backward kernel accumulates the samples'
// gradients, which no forward op computes, so the forward op's own gradient is
// replaced (keeps_stock): under create_graph, and in any later pass through a
// node differentiated so, the vjp of the op written with forward ops (the
// points' neighbours as constants, gather_nd of data there); rois get zero, as
// from stock. A first-order pass keeps stock's kernel.
#include "operator/contrib/deformable_psroi_pooling.h"

#include <string>
#include <vector>

#include "operator/axes.h"
#include "operator/roi_pooling.h"
#include "operator/shape_text.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr Add(const Expr& a, const Expr& b) { return apply("broadcast_add", {a, b}); }
Expr Mul(const Expr& a, const Expr& b) { return apply("broadcast_mul", {a, b}); }
Expr Sub(const Expr& a, const Expr& b) { return apply("broadcast_sub", {a, b}); }

// The entries of v along axis `pos` of `ndim` axes (every other axis 1).
Expr At(const Expr& v, int pos, int ndim = 5) {
  std::string s = "(";
  for (int i = 0; i < ndim; ++i) s += std::string(i ? ", " : "") + (i == pos ? "-1" : "1");
  return Reshape(v, s + ")");
}

// A roi's bound: round(coordinate k) (+ 1 for the far side) scaled, half a pixel back (R, 1, ...).
Expr Bound(const Expr& rois, int k, double plus, double scale) {
  return At(apply("round", {RoiColumn(rois, k)}) + plus, 0) * scale - 0.5;
}

// w clamped to [0, last].
Expr Clamped(const Expr& w, const Expr& last) {
  return apply("broadcast_minimum", {apply("_maximum_scalar", {w}, {{"scalar", "0"}}), last});
}

}  // namespace

std::vector<Expr> DeformablePsRoiPool(const Expr& data, const Expr& rois, const Expr* trans,
                                      const DeformablePsRoiShape& s) {
  const double pooled = 1.0 * s.pooled, samples = 1.0 * s.samples;
  const Expr start_w = Bound(rois, 1, 0.0, s.spatial_scale);
  const Expr start_h = Bound(rois, 2, 0.0, s.spatial_scale);
  const Expr width = apply("_maximum_scalar", {Bound(rois, 3, 1.0, s.spatial_scale) - start_w},
                           {{"scalar", "0.1"}});
  const Expr height = apply("_maximum_scalar", {Bound(rois, 4, 1.0, s.spatial_scale) - start_h},
                            {{"scalar", "0.1"}});
  const Expr bin_w = width / pooled, bin_h = height / pooled;
  // axes (roi, output channel, bin, sample row, sample column); bin i P + j
  const Expr ctop = At(Steps(rois, s.output_dim), 1), bin = At(Steps(rois, s.pooled * s.pooled), 2);
  const Expr ph = floor(bin / pooled), pw = bin - ph * pooled;
  Expr wstart = Add(Mul(pw, bin_w), start_w), hstart = Add(Mul(ph, bin_h), start_h);
  if (trans) {
    // each bin's part and class (R, D, P P), trans's entries there
    const Expr classes = AxisLength(*trans, 1) / 2.0;
    const Expr each = apply("broadcast_div", {1.0 * s.output_dim + zeros_like(classes), classes});
    const Expr klass = floor(apply("broadcast_div", {At(Steps(rois, s.output_dim), 1, 3), each}));
    const Expr bin3 = At(Steps(rois, s.pooled * s.pooled), 2, 3), ph3 = floor(bin3 / pooled);
    const Expr part_h = floor(ph3 / pooled * (1.0 * s.part));
    const Expr part_w = floor((bin3 - ph3 * pooled) / pooled * (1.0 * s.part));
    const Expr r = At(apply("_contrib_arange_like", {rois}, {{"axis", "0"}}), 0, 3);
    const Expr full = Add(Add(Add(r, klass), part_h), part_w) * 0.0;
    auto entry = [&](double side) {
      const Expr index =
          apply("stack",
                {Add(r, full), Add(klass * 2.0 + side, full), Add(part_h, full), Add(part_w, full)},
                {{"axis", "0"}, {"num_args", "4"}});
      return apply("expand_dims",
                   {apply("expand_dims", {apply("gather_nd", {*trans, index}) * s.trans_std},
                          {{"axis", "3"}})},
                   {{"axis", "4"}});
    };
    wstart = Add(wstart, Mul(entry(0.0), width));
    hstart = Add(hstart, Mul(entry(1.0), height));
  }
  const Expr w = Add(wstart, Mul(At(Steps(rois, s.samples), 4), bin_w / samples));
  const Expr h = Add(hstart, Mul(At(Steps(rois, s.samples), 3), bin_h / samples));
  const Expr last_w = At(LastIndex(data, 3), 0), last_h = At(LastIndex(data, 2), 0);
  // the bin's channel (1, D, P P, 1, 1)
  auto group = [&](const Expr& p) {
    return apply("clip", {floor(p * (1.0 * s.group) / pooled)},
                 {{"a_min", "0"}, {"a_max", Text(s.group - 1)}});
  };
  const Expr channel = Add(Add(ctop * (1.0 * s.group), group(ph)) * (1.0 * s.group), group(pw));
  const Expr valid = Mul(Mul(w >= -0.5, apply("broadcast_lesser_equal", {w, last_w + 0.5})),
                         Mul(h >= -0.5, apply("broadcast_lesser_equal", {h, last_h + 0.5})));
  const Expr full = Add(valid, channel * 0.0);  // (R, D, P P, S, S)
  const Expr x = Clamped(w, last_w), y = Clamped(h, last_h);
  const Expr x0 = floor(x), y0 = floor(y), dx = x - x0, dy = y - y0;
  const std::vector<Expr> xs = {x0, apply("ceil", {x})}, ys = {y0, apply("ceil", {y})};
  const Expr batch = broadcast_like(At(RoiColumn(rois, 0), 0), full);
  const Expr c = broadcast_like(channel, full);
  auto value = [&](int a, int b) {  // data at (ys[a], xs[b])
    const Expr index = apply("stack", {batch, c, Add(ys[a], full * 0.0), Add(xs[b], full * 0.0)},
                             {{"axis", "0"}, {"num_args", "4"}});
    return apply("gather_nd", {data, index});
  };
  const Expr mixed = Mul(Mul(1.0 - dx, 1.0 - dy), value(0, 0)) +
                     Mul(Mul(1.0 - dx, dy), value(1, 0)) + Mul(Mul(dx, 1.0 - dy), value(0, 1)) +
                     Mul(Mul(dx, dy), value(1, 1));
  const AttrList points = {{"axis", "(3, 4)"}};
  const Expr sum = apply("sum", {Mul(mixed, full)}, points);
  const Expr count = apply("sum", {full}, points);
  const std::string bins = "(0, 0, -4, " + Text(s.pooled) + ", " + Text(s.pooled) + ")";
  return {
      Reshape(apply("broadcast_div", {sum, apply("_maximum_scalar", {count}, {{"scalar", "1"}})}),
              bins),
      Reshape(count, bins)};
}

// y = average of each bin's S x S bilinear samples at its points moved by trans: (g_data, g_rois,
// g_trans) = (grad <g, y> in data, 0, in trans) through the op's forward-op form (stock kernel at
// first order)
MXNET_HO_GRADIENT(_contrib_DeformablePSROIPooling)
    .keeps_stock()
    .set_rule([](const Backward& n) -> Grads {
      const bool before = n.differentiated_before();
      if (!composing() && !before) return n.stock();
      DeformablePsRoiShape s;
      s.spatial_scale = single_precision(n.scalar("spatial_scale", 1.0));
      s.trans_std = single_precision(n.scalar("trans_std", 0.0));
      s.output_dim = n.integer("output_dim", 1);
      s.group = n.integer("group_size", 1);
      s.pooled = n.integer("pooled_size", 1);
      s.part = n.integer("part_size", 0);
      if (s.part == 0) s.part = s.pooled;
      s.samples = n.integer("sample_per_part", 1);
      const bool no_trans = n.flag("no_trans");
      const Expr data = n.in(0), rois = n.in(1);
      if (no_trans) {
        const Expr y = DeformablePsRoiPool(data, rois, nullptr, s)[0];
        return {vjp(y, {data}, n.head(0))[0], zeros_like(rois)};
      }
      const Expr trans = n.in(2);
      const Grads d = vjp(DeformablePsRoiPool(data, rois, &trans, s)[0], {data, trans}, n.head(0));
      return {d[0], zeros_like(rois), d[1]};
    });

}  // namespace op
}  // namespace mxnet_ho
