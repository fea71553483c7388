// Gradient of np.ediff1d's backward op. The forward op is affine: y =
// concat(to_begin, diff(x.flatten()), to_end), each end an array input or a
// number (a constant) or absent; its backward op applies the adjoint of the
// linear part to g, (gx, g_begin, g_end) = (adjoint of the difference of g's
// middle, g's first and last entries). Its gradient is that linear part on the
// heads: ediff1d itself, the numbers at either end made 0.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// (gx, g_begin, g_end) = the adjoint of y = concat(b, diff(x), e) at g:
// d/dg = ediff1d(h_x, h_b, h_e) with number ends 0; d/dx = d/db = d/de = 0
MXNET_HO_GRADIENT(_npi_backward_ediff1d).set_rule([](const Backward& n) -> Grads {
  AttrList attrs =
      n.attrs({"to_begin_arr_given", "to_end_arr_given", "to_begin_scalar", "to_end_scalar"});
  for (const char* key : {"to_begin_scalar", "to_end_scalar"})
    if (n.attr(key, "None") != "None") attrs = with_attr(attrs, key, "0");
  std::vector<Expr> heads;
  for (size_t i = 1; i < n.num_inputs(); ++i) heads.push_back(n.head(i - 1, n.in(i)));
  Grads grads = {apply("_npi_ediff1d", heads, attrs)};
  for (size_t i = 1; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
