// Gradients of _backward_Convolution, and BilinearLayerGrad (bilinear_layer.h),
// which _backward_Deconvolution shares: y = conv(x, w) + b, bilinear in (x, w).
#include "bilinear_layer.h"

namespace mxnet_ho {
namespace op {
namespace {

AttrList WithBias(const Backward& n, const std::vector<std::string>& keys, bool bias) {
  AttrList attrs = n.attrs(keys);
  attrs.emplace_back("no_bias", bias ? "False" : "True");
  return attrs;
}

// MXNet's gradient for input `i` of the forward node `product` at head `head`.
// MXNet ties its backward node to `product` for shapes and so runs `product`
// as well, whose kernel insists that its output be consumed: a zero term
// (zeros_like reads no data) consumes it.
Expr InputGradient(const Expr& product, const Expr& head, size_t i) {
  Expr grad = stock_gradient_of(product, {head}, i);
  return apply("broadcast_add", {grad, apply("sum", {zeros_like(product)})});
}

// Every attribute of Convolution except no_bias.
const std::vector<std::string> kConvKeys = {"kernel", "stride",    "dilate",     "pad",
                                            "num_filter", "num_group", "workspace",
                                            "cudnn_tune", "cudnn_off", "layout"};

}  // namespace

// The gradient of <hx, dx> + <hw, dw> + <hb, db>, with absent heads dropped.
Grads BilinearLayerGrad(const Backward& n, const std::string& op,
                        const std::vector<std::string>& keys) {
  const bool has_bias = n.num_inputs() == 4;
  Expr g = n.in(0), x = n.in(1), w = n.in(2);
  Expr hx = n.head(0), hw = n.head(1);
  const bool use_hx = !is_zeros(hx), use_hw = !is_zeros(hw);
  const bool use_hb = has_bias && !is_zeros(n.head(2));

  // products by the heads: f(hx, w), f(x, hw) (+ hb)
  Expr zero_x = zeros_like(x), zero_w = zeros_like(w);
  std::vector<Expr> terms;
  Expr dx = zero_x, dw = zero_w;
  if (use_hx) {
    Expr by_hx = apply(op, {hx, w}, WithBias(n, keys, false));
    dw = InputGradient(by_hx, g, 1);  // Jw(hx)^T g
    terms.push_back(by_hx);
  }
  if (use_hw || use_hb) {
    std::vector<Expr> inputs = {x, use_hw ? hw : zero_w};
    if (use_hb) inputs.push_back(n.head(2));
    Expr by_hw = apply(op, inputs, WithBias(n, keys, use_hb));
    if (use_hw) dx = InputGradient(by_hw, g, 0);  // Jx(hw)^T g
    terms.push_back(by_hw);
  }
  Expr dg = terms.empty() ? zeros_like(g) : terms[0];
  for (size_t i = 1; i < terms.size(); ++i) dg = dg + terms[i];
  Grads grads = {dg, dx, dw};
  if (has_bias) grads.push_back(zeros_like(n.in(3)));
  return grads;
}

// d/dg = conv(hx, w) + conv(x, hw) + hb;  d/dx = Jx(hw)^T g;  d/dw = Jw(hx)^T g;  d/db = 0
MXNET_HO_GRADIENT(_backward_Convolution).set_rule([](const Backward& n) -> Grads {
  return BilinearLayerGrad(n, "Convolution", kConvKeys);
});

}  // namespace op
}  // namespace mxnet_ho
