// Gradients of _backward_UpSampling.
//
// Nearest: y = U(x_0, ..., x_{n-1}) repeats each input scale_i times along
// height and width and concatenates (or sums) them; it is linear, and its
// backward op _backward_UpSampling(g) = (dx_0, ..., dx_{n-1}) = U^T g. The
// gradient of sum_i <h_i, dx_i> is then U(h_0, ..., h_{n-1}): a forward
// UpSampling of the heads.
//
// Bilinear: y = B(x, w) is a grouped transposed convolution of x by w, bilinear
// in (x, w); _backward_UpSampling(g, x, w) = (Jx(w)^T g, Jw(x)^T g) with
// Jx(w) h = B(h, w) and Jw(x) h = B(x, h). The gradient of <hx, dx> + <hw, dw>:
//   d/dg = B(hx, w) + B(x, hw);  d/dx = Jx(hw)^T g;  d/dw = Jw(hx)^T g,
// the last two as MXNet's gradient of a forward UpSampling node.
#include <stdexcept>

#include "../grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kUpSamplingKeys = {"scale",    "num_filter",       "sample_type",
                                                  "num_args", "multi_input_mode", "workspace"};

// sum_i <h_i, dx_i> with dx = U^T g:  d/dg = U(h_0, ..., h_{n-1})
Grads NearestGrad(const Backward& n, size_t num_args) {
  std::vector<Expr> heads;
  size_t unused = 0;
  for (size_t i = 0; i < num_args; ++i) {
    heads.push_back(n.head(i));
    if (is_zeros(heads.back())) ++unused;
  }
  if (unused == num_args) return {zeros_like(n.in(0))};
  if (unused > 0)
    throw std::runtime_error(
        "mxnet-ho: _backward_UpSampling (nearest) with some inputs' gradients unused: "
        "their zero heads have no known shape");
  return {apply("UpSampling", heads, n.attrs(kUpSamplingKeys))};
}

// MXNet's gradient for input `i` of the forward node `product` at head `head`.
// MXNet ties its backward node to `product` for shapes and so runs `product`
// as well, whose kernel insists that its output be consumed: a zero term
// (zeros_like reads no data) consumes it.
Expr InputGradient(const Expr& product, const Expr& head, size_t i) {
  Expr grad = stock_gradient_of(product, {head}, i);
  return apply("broadcast_add", {grad, apply("sum", {zeros_like(product)})});
}

// <hx, Jx(w)^T g> + <hw, Jw(x)^T g>, with absent heads dropped
Grads BilinearGrad(const Backward& n) {
  Expr g = n.in(0), x = n.in(1), w = n.in(2), hx = n.head(0), hw = n.head(1);
  const bool use_hx = !is_zeros(hx), use_hw = !is_zeros(hw);
  const AttrList attrs = n.attrs(kUpSamplingKeys);
  Expr dg = zeros_like(g), dx = zeros_like(x), dw = zeros_like(w);
  if (use_hx) {
    Expr by_hx = apply("UpSampling", {hx, w}, attrs);
    dw = InputGradient(by_hx, g, 1);  // Jw(hx)^T g
    dg = by_hx;
  }
  if (use_hw) {
    Expr by_hw = apply("UpSampling", {x, hw}, attrs);
    dx = InputGradient(by_hw, g, 0);  // Jx(hw)^T g
    dg = use_hx ? dg + by_hw : by_hw;
  }
  return {dg, dx, dw};
}

Grads UpSamplingGrad(const Backward& n) {
  const AttrList type = n.attrs({"sample_type"});
  const bool bilinear = !type.empty() && type[0].second == "bilinear";
  if (bilinear) return BilinearGrad(n);
  const size_t num_args = n.scalar("num_args", 1.0);
  return NearestGrad(n, num_args);
}

}  // namespace

// nearest: d/dg = UpSampling(h_0, ..., h_{n-1});
// bilinear: d/dg = B(hx, w) + B(x, hw);  d/dx = Jx(hw)^T g;  d/dw = Jw(hx)^T g
MXNET_HO_GRADIENT(_backward_UpSampling).set_rule(UpSamplingGrad);

}  // namespace op
}  // namespace mxnet_ho
