// Gradients of _backward_Pooling.
//
// The backward op gets (g, x, y), or under MKL-DNN for max pooling
// (g, g_ws, x, y, ws) with the workspace and its head, and returns dx = J(x)^T g
// where J(x) is the Jacobian of y = pool(x). A rule returns the gradient of
// <h, dx> = <J(x) h, g>:
// * avg, sum: pool is linear, J h = pool(h): d/dg = pool(h), d/dx = d/dy = 0.
// * max: J(x) h takes, in each window, h at the position the stock kernel routes
//   g to (the first, in scan order, where x equals y); that selection is locally
//   constant in x, so d/dx = d/dy = 0. No forward op selects h there, so the
//   rule lays every window's positions out as channels (a convolution by a
//   one-hot kernel, which the chain differentiates as a Convolution), marks the
//   first position equal to y, and sums h over that mark. For the full
//   convention, x is first extended at the end so that the convolution has as
//   many windows as the pooling; positions outside x never mark.
// * lp, y = (sum_w x^p)^(1/p), dx_i = sum_{o ∋ i} g_o (x_i/y_o)^(p-1): with
//   S = sum pooling over the same windows and A = S(h x^(p-1)):
//   d/dg = A / y^(p-1);  d/dx = (p-1) h x^(p-2) S^T(g / y^(p-1));  d/dy = -(p-1) g A / y^p.
#include <stdexcept>

#include "operator/nn/pooling.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kPoolingKeys = {
    "kernel", "pool_type", "global_pool", "cudnn_off",         "pooling_convention",
    "stride", "pad",       "p_value",     "count_include_pad", "layout"};

// --- attributes ------------------------------------------------------------------

// The integers of the tuple attribute `key`, such as kernel=(2, 3).
std::vector<int> Ints(const Backward& n, const std::string& key) {
  const std::vector<long> values = n.ints(key);
  return std::vector<int>(values.begin(), values.end());
}

std::string Tuple(const std::vector<std::string>& items) {
  std::string text = "(";
  for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
  return text + (items.size() == 1 ? ",)" : ")");
}

std::string Tuple(const std::vector<int>& values) {
  std::vector<std::string> items;
  for (int v : values) items.push_back(std::to_string(v));
  return Tuple(items);
}

// `count` copies of `v`.
std::vector<int> Fill(int count, int v) { return std::vector<int>(count, v); }

// The windows of a pooling node, in channel-first (NCW, NCHW, NCDHW) terms.
struct Windows {
  std::vector<int> kernel, stride, pad;
  bool global, valid, channel_last;
  int dims;  // spatial dimensions

  explicit Windows(const Backward& n) {
    kernel = Ints(n, "kernel");
    const std::string layout = n.attr("layout", "");
    global = n.flag("global_pool");
    valid = n.attr("pooling_convention", "valid") != "full";
    channel_last = layout.size() > 2 && layout.back() == 'C';
    dims = static_cast<int>(layout.size() > 2 ? layout.size() - 2 : kernel.size());
    stride = Ints(n, "stride");
    pad = Ints(n, "pad");
    if (stride.empty()) stride = Fill(dims, 1);
    if (pad.empty()) pad = Fill(dims, 0);
  }

  int size() const {
    int k = 1;
    for (int v : kernel) k *= v;
    return k;
  }
};

// --- the max-pooling selection ---------------------------------------------------

// Moves channels from last to second (forward) or back, for channel-last layouts.
Expr ChannelsFirst(const Expr& z, const Windows& w, bool forward) {
  if (!w.channel_last) return z;
  std::vector<int> axes = {0};
  if (forward) {
    axes.push_back(w.dims + 1);
    for (int i = 1; i <= w.dims; ++i) axes.push_back(i);
  } else {
    for (int i = 2; i <= w.dims + 1; ++i) axes.push_back(i);
    axes.push_back(1);
  }
  return apply("transpose", {z}, {{"axes", Tuple(axes)}});
}

// The one-hot kernel (K, 1, kernel...) in the dtype of `like`: entry q of the
// flattened K x K identity is 1 where q is a multiple of K + 1.
Expr OneHotKernel(const Expr& like, const Windows& w) {
  const int k = w.size();
  Expr flat = apply("tile", {apply("sum", {like})}, {{"reps", Tuple(std::vector<int>{k * k})}});
  Expr index = apply("_contrib_arange_like", {flat});
  Expr eye =
      apply("_equal_scalar", {apply("_mod_scalar", {index}, {{"scalar", std::to_string(k + 1)}})},
            {{"scalar", "0"}});
  std::vector<int> shape = {k, 1};
  shape.insert(shape.end(), w.kernel.begin(), w.kernel.end());
  return apply("reshape", {eye}, {{"shape", Tuple(shape)}});
}

// z (N, C, space) as N*C one-channel planes (N*C, 1, space).
Expr Planes(const Expr& z) {
  return apply("expand_dims", {apply("reshape", {z}, {{"shape", "(-3, -2)"}})}, {{"axis", "1"}});
}

// `planes` with stride - 1 zeros appended along each spatial axis: a valid
// convolution over them has the full convention's 1 + ceil((L + 2p - k)/s) windows.
Expr PadEndForFull(Expr planes, const Windows& w) {
  for (int d = 0; d < w.dims; ++d) {
    const int extra = w.stride[d] - 1;
    if (extra == 0) continue;
    const std::string axis = std::to_string(2 + d);
    Expr zero =
        apply("slice_axis", {zeros_like(planes)}, {{"axis", axis}, {"begin", "0"}, {"end", "1"}});
    Expr zeros = apply("repeat", {zero}, {{"repeats", std::to_string(extra)}, {"axis", axis}});
    planes = apply("Concat", {planes, zeros}, {{"num_args", "2"}, {"dim", axis}});
  }
  return planes;
}

// Each window of z (N, C, space) laid out as channels: (N*C, K, windows), where
// positions outside z (padding) are 0 (a strided convolution; for the full
// convention over z extended at the end).
Expr Unfold(const Expr& z, const Expr& one_hot, const Windows& w) {
  Expr planes = w.valid ? Planes(z) : PadEndForFull(Planes(z), w);
  AttrList conv = {
      {"kernel", Tuple(w.kernel)}, {"num_filter", std::to_string(w.size())}, {"no_bias", "True"}};
  conv.emplace_back("stride", Tuple(w.stride));
  conv.emplace_back("pad", Tuple(w.pad));
  return apply("Convolution", {planes, one_hot}, conv);
}

// The entries of `values` at the first position along `axis` where `mark` is
// largest (argmax takes the first of equal entries).
Expr AtFirstMax(const Expr& values, const Expr& mark, int axis) {
  const AttrList along = {{"axis", std::to_string(axis)}, {"keepdims", "True"}};
  return apply("pick", {values, apply("argmax", {mark}, along)}, along);
}

// The entries of `values` summed along `axis` where `mark` is 1.
Expr AtEveryMark(const Expr& values, const Expr& mark, int axis) {
  return apply("sum", {values * mark}, {{"axis", std::to_string(axis)}, {"keepdims", "True"}});
}

// J(x) h for max pooling: in every window, h where the stock kernel routes g (the
// first maximum, or with every_tie each position equal to it).
Expr MaxSelect(const Expr& x_in, const Expr& y_in, const Expr& h_in, const Windows& w,
               bool every_tie) {
  auto select = every_tie ? AtEveryMark : AtFirstMax;
  Expr x = ChannelsFirst(x_in, w, true), y = ChannelsFirst(y_in, w, true);
  Expr h = ChannelsFirst(h_in, w, true);
  Expr selected = h;
  if (w.global) {
    // one window per (n, c): flatten space
    const AttrList flat = {{"shape", "(0, 0, -1)"}};
    Expr px = apply("reshape", {x}, flat), ph = apply("reshape", {h}, flat);
    Expr mark = apply("broadcast_greater_equal", {px, apply("reshape", {y}, flat)});
    selected = select(ph, mark, 2);
  } else {
    Expr planes_y = Planes(y);
    Expr one_hot = OneHotKernel(x, w);
    Expr px = Unfold(x, one_hot, w), ph = Unfold(h, one_hot, w);
    Expr inside = Unfold(ones_like(x), one_hot, w);
    // y is the largest x in its window, so x >= y marks where x equals it
    Expr mark = apply("broadcast_greater_equal", {px, planes_y}) * inside;
    selected = select(ph, mark, 1);
  }
  return ChannelsFirst(apply("reshape_like", {selected, y}), w, false);
}

}  // namespace

Expr MaxPoolingSelect(const Backward& n, const Expr& x, const Expr& y, const Expr& h,
                      bool every_tie) {
  return MaxSelect(x, y, h, Windows(n), every_tie);
}

namespace {

// --- the rule ----------------------------------------------------------------------

Grads PoolingGrad(const Backward& n) {
  const bool with_workspace = n.num_inputs() == 5;
  Expr g = n.in(0), x = n.in(with_workspace ? 2 : 1), y = n.in(with_workspace ? 3 : 2);
  Expr h = is_zeros(n.head(0)) ? zeros_like(x) : n.head(0);
  const std::string type = n.attr("pool_type", "max");
  const AttrList attrs = n.attrs(kPoolingKeys);

  Grads grads;
  if (type == "avg" || type == "sum") {
    // linear: d/dg = pool(h)
    grads = {apply("Pooling", {h}, attrs), zeros_like(x), zeros_like(y)};
  } else if (type == "max") {
    const Windows w(n);
    // same (1-D only) fails in stock shape inference before any gradient exists
    if (n.attr("pooling_convention", "valid") == "same" && !w.global)
      throw std::runtime_error(
          "mxnet-ho: _backward_Pooling (max) with pooling_convention=same "
          "is not supported; use valid or full");
    grads = {MaxPoolingSelect(n, x, y, h, false), zeros_like(x), zeros_like(y)};
  } else if (type == "lp") {
    const double p = n.scalar("p_value", 1.0);
    const AttrList sum = with_attr(attrs, "pool_type", "sum");
    if (p == 1.0) {
      grads = {apply("Pooling", {h}, sum), zeros_like(x), zeros_like(y)};
    } else {
      // A = S(h x^(p-1))
      Expr a = apply("Pooling", {h * pow(x, p - 1.0)}, sum);
      Expr y_p1 = pow(y, p - 1.0);
      Expr spread = stock_gradient("Pooling", {x}, {g / y_p1}, 0, sum);  // S^T(g / y^(p-1))
      Expr x_p2 = p == 2.0 ? ones_like(x) : pow(x, p - 2.0);
      grads = {a / y_p1, (p - 1.0) * h * x_p2 * spread, -(p - 1.0) * g * a / (y_p1 * y)};
    }
  } else {
    throw std::runtime_error("mxnet-ho: unknown pool_type " + type);
  }
  if (with_workspace) {
    // (g, g_ws, x, y, ws): the workspace and its head carry no gradient
    grads.insert(grads.begin() + 1, zeros_like(n.in(1)));
    grads.push_back(zeros_like(n.in(4)));
  }
  return grads;
}

}  // namespace

// avg, sum: d/dg = pool(h), d/dx = d/dy = 0; max:
// d/dg = h at each window's first maximum of x, d/dx = d/dy = 0; lp (p = p_value, S = sum pooling):
// d/dg = S(h x^(p-1))/y^(p-1), d/dx = (p-1) h x^(p-2) S^T(g/y^(p-1)), d/dy = -(p-1) g S(h
// x^(p-1))/y^p; workspace entries 0
MXNET_HO_GRADIENT(_backward_Pooling).set_rule(PoolingGrad);

}  // namespace op
}  // namespace mxnet_ho
