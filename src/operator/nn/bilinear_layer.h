// The gradient shared by the backward ops of Convolution and Deconvolution;
// defined in convolution.cc (grad_dsl.h's bilinear rule, with the bias).
//
// y = f(x, w) + b is bilinear in (x, w). Its backward op (g, x, w[, b]) returns
// (dx, dw[, db]) with
//   dx = Jx(w)^T g,  dw = Jw(x)^T g,  db = g summed over batch and space,
// where Jx(w) h = f(h, w) and Jw(x) h = f(x, h). The gradient of
// <hx, dx> + <hw, dw> + <hb, db> is
//   d/dg = f(hx, w) + f(x, hw) + hb     (a forward node of the layer's op)
//   d/dx = Jx(hw)^T g   (the data gradient of f(x, hw) at head g)
//   d/dw = Jw(hx)^T g   (the weight gradient of f(hx, w) at head g)
//   d/db = 0
// MXNet has those transposed products only as its own backward kernel, so the
// last two are taken as MXNet's gradient of a forward node of the same op: the
// chain then closes on the backward op itself.
#pragma once

#include <string>
#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// `op` is the forward op ("Convolution", "Deconvolution"); `keys` its attributes
// to pass on, except no_bias, which each product sets itself.
Grads BilinearLayerGrad(const Backward& n, const std::string& op,
                        const std::vector<std::string>& keys);

// The same for a layer with a bias exactly when `has_bias`, whose backward node
// reads the bias (input 3) only when `reads_bias` (Convolution_v1 has a bias
// gradient but no bias input).
Grads BilinearLayerGrad(const Backward& n, const std::string& op,
                        const std::vector<std::string>& keys, bool has_bias, bool reads_bias);

// Every attribute of Convolution and Convolution_v1 except no_bias.
const std::vector<std::string>& ConvolutionKeys();

// MXNet's gradient of input `i` of the forward node `product` at `head`, plus a
// zero term that consumes `product`'s output (a layer's kernel insists on it):
// the `adjoint` of a layer's Bilinear.
Expr ConsumingInputGradient(const Expr& product, const Expr& head, size_t i);

}  // namespace op
}  // namespace mxnet_ho
