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

#include "operator/nn/bilinear_layer.h"

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

// <hx, Jx(w)^T g> + <hw, Jw(x)^T g>: the bilinear rule, absent heads dropped
Grads BilinearSamplingGrad(const Backward& n) {
  const AttrList attrs = n.attrs(kUpSamplingKeys);
  Bilinear sampling;
  sampling.product = [&](const Expr& data, const Expr& weight, const Expr*) {
    return apply("UpSampling", {data, weight}, attrs);
  };
  sampling.adjoint = ConsumingInputGradient;
  BilinearGrads d = bilinear(sampling, n.in(0), n.in(1), n.in(2), n.head(0), n.head(1));
  return {d.dg, d.da, d.db};
}

Grads UpSamplingGrad(const Backward& n) {
  if (n.attr("sample_type") == "bilinear") return BilinearSamplingGrad(n);
  const size_t num_args = n.integer("num_args", 1);
  return NearestGrad(n, num_args);
}

}  // namespace

// nearest: (dx_i) = U^T g: d/dg = U(h_0, ..., h_{n-1}); bilinear, y = B(x, w):
// d/dg = B(hx, w) + B(x, hw); d/dx = Jx(hw)^T g; d/dw = Jw(hx)^T g
MXNET_HO_GRADIENT(_backward_UpSampling).set_rule(UpSamplingGrad);

}  // namespace op
}  // namespace mxnet_ho
