// Gradients of the backward ops of unary elementwise functions.
#include "../grad_dsl.h"

namespace mxnet_ho {
namespace op {

// gx = g (copy):  d/dg = h
MXNET_HO_GRADIENT(_backward_copy).set_rule([](const Backward& n) -> Grads {
  return {apply("_copy", {n.head(0)})};
});

}  // namespace op
}  // namespace mxnet_ho
