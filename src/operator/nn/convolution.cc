// Gradients of _backward_Convolution, and BilinearLayerGrad (bilinear_layer.h),
// which _backward_Deconvolution shares: y = conv(x, w) + b, bilinear in (x, w).
#include "operator/nn/bilinear_layer.h"

namespace mxnet_ho {
namespace op {

// Every attribute of Convolution (and Convolution_v1) except no_bias.
const std::vector<std::string>& ConvolutionKeys() {
  static const std::vector<std::string> keys = {
      "kernel",    "stride",    "dilate",     "pad",       "num_filter",
      "num_group", "workspace", "cudnn_tune", "cudnn_off", "layout"};
  return keys;
}

// MXNet's gradient for input `i` of the forward node `product` at head `head`.
// MXNet ties its backward node to `product` for shapes and so runs `product`
// as well, whose kernel insists that its output be consumed: a zero term made
// from it consumes it. zeros_like reads no data but takes its input in the
// default layout, so it gets only the first sample (`slice` along axis 0, which
// MKL-DNN cuts from its own layout: zeros_like of the whole output would first
// reorder all of it, and MKL-DNN's slice along other axes of a blocked layout
// dies of SIGFPE), summed to one element.
Expr ConsumingInputGradient(const Expr& product, const Expr& head, size_t i) {
  Expr sample = apply("slice", {product}, {{"begin", "(0,)"}, {"end", "(1,)"}});
  Expr zero = apply("sum", {zeros_like(sample)});
  return apply("broadcast_add", {stock_gradient_of(product, {head}, i), zero});
}

// The gradient of <hx, dx> + <hw, dw> + <hb, db>: the bilinear rule with hb
// riding in the product by hw, absent heads dropped.
Grads BilinearLayerGrad(const Backward& n, const std::string& op,
                        const std::vector<std::string>& keys) {
  return BilinearLayerGrad(n, op, keys, n.num_inputs() == 4, n.num_inputs() == 4);
}

Grads BilinearLayerGrad(const Backward& n, const std::string& op,
                        const std::vector<std::string>& keys, bool has_bias, bool reads_bias) {
  Expr g = n.in(0), x = n.in(1), w = n.in(2);
  Bilinear layer;
  layer.product = [&](const Expr& data, const Expr& weight, const Expr* bias) {
    AttrList attrs = n.attrs(keys);
    attrs.emplace_back("no_bias", bias ? "False" : "True");
    if (bias) return apply(op, {data, weight, *bias}, attrs);
    return apply(op, {data, weight}, attrs);
  };
  layer.adjoint = ConsumingInputGradient;
  layer.bias_with = 1;
  Expr hb = has_bias ? n.head(2) : g;
  BilinearGrads d = bilinear(layer, g, x, w, n.head(0), n.head(1), has_bias ? &hb : nullptr);
  Grads grads = {d.dg, d.da, d.db};
  if (reads_bias) grads.push_back(zeros_like(n.in(3)));
  return grads;
}

// (dx, dw, db) = (Jx(w)^T g, Jw(x)^T g, sum g), y = conv(x, w) + b:
// d/dg = conv(hx, w) + conv(x, hw) + hb; d/dx = Jx(hw)^T g; d/dw = Jw(hx)^T g; d/db = 0
MXNET_HO_GRADIENT(_backward_Convolution).set_rule([](const Backward& n) -> Grads {
  return BilinearLayerGrad(n, "Convolution", ConvolutionKeys());
});

}  // namespace op
}  // namespace mxnet_ho
