// Gradient of SVMOutput, a loss layer: y = x (laid out 2-D, the last axis the
// classes), its gradient the hinge loss's for the class labels l (one per row),
// ignoring the head. With margin m, c the regularization_coefficient and
// e = onehot(l) over the last axis (a label outside 0..k-1 matches no class):
//   L1 (use_linear):  gx = c*([m > -y]*(1 - e) - [m > y]*e)
//   L2 (default):     gx = 2c*(relu(m + y)*(1 - e) - relu(m - y)*e)
// and gl = 0, built from forward ops of x where it is differentiated again
// (loss_layer.h); its stock backward node reads (l, y). SVMOutput keeps per-call state:
// inside a hybridized block it has no stateless twin (a twin's gradient is
// linear in the head, this one is not), and a higher order there is refused.
#include "operator/loss_layer.h"

namespace mxnet_ho {
namespace op {

// y = x: gx = c*([m > -y]*(1 - e) - [m > y]*e) (use_linear), else 2c*(relu(m + y)*(1 - e) - relu(m
// - y)*e), e = onehot(l), gl = 0 (ignores the head; forward ops of x under create_graph)
MXNET_HO_GRADIENT(SVMOutput).keeps_stock().keeps_inputs().set_rule([](const Backward& n) -> Grads {
  if (!DifferentiatedAgain()) return n.stock();
  Expr x = n.in(0), label = n.in(1);
  const double m = single_precision(n.scalar("margin", 1.0));
  const double c = single_precision(n.scalar("regularization_coefficient", 1.0));
  Expr e = OneHotAlong(LabelAlong(label, x, "-1"), x, "-1"), others = 1.0 - e;
  if (n.flag("use_linear")) return {c * ((x > -m) * others - (x < m) * e), zeros_like(label)};
  return {(2.0 * c) * (relu(x + m) * others - relu(m - x) * e), zeros_like(label)};
});

}  // namespace op
}  // namespace mxnet_ho
