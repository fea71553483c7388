// Gradients of the backward ops of im2col and col2im.
//
// im2col lays each sliding window of x (N, C, spatial) out as a column, a fixed
// linear map U; col2im sums columns back into an image of output_size, its
// adjoint U^T (overlapping windows add). _backward_im2col(g) = U^T g (a col2im)
// and _backward_col2im(g) = U g (an im2col), each linear in g: the gradient of
// one is the other's forward op at the head, with the same kernel, stride,
// dilate and pad.
#include <stdexcept>
#include <string>
#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

const std::vector<std::string> kWindowKeys = {"kernel", "stride", "dilate", "pad"};

// The window attributes, for 2-D kernels: stock 1.9.1's backward kernels of both
// ops fail for 1-D and 3-D ones, so no first order reaches a rule there.
AttrList WindowAttrs(const Backward& n, const std::string& op) {
  if (n.ints("kernel").size() != 2)
    throw std::runtime_error("mxnet-ho: _backward_" + op +
                             " with a 1-D or 3-D kernel is not supported (stock's own backward "
                             "kernel fails for it); use a 2-D kernel");
  return n.attrs(kWindowKeys);
}

}  // namespace

// gx = col2im(g) (the columns summed back into x's shape): d/dg = im2col(h)
MXNET_HO_GRADIENT(_backward_im2col).set_rule([](const Backward& n) -> Grads {
  const AttrList attrs = WindowAttrs(n, "im2col");
  return linear_adjoint(n, [&](const Expr& h) { return apply("im2col", {h}, attrs); });
});

// gx = im2col(g) (the windows of g as columns): d/dg = col2im(h, output_size)
MXNET_HO_GRADIENT(_backward_col2im).set_rule([](const Backward& n) -> Grads {
  AttrList attrs = WindowAttrs(n, "col2im");
  attrs = with_attr(attrs, "output_size", n.attr("output_size"));
  return linear_adjoint(n, [&](const Expr& h) { return apply("col2im", {h}, attrs); });
});

}  // namespace op
}  // namespace mxnet_ho
