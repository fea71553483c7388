// Gradient of the backward op of LRN (local response normalization).
//
// LRN normalizes x (N, C, H, W) across channels: with S the sum over the
// window of n = nsize channels centred on each channel (zero beyond the ends),
//   N = k + (alpha/n) S(x^2),   y = x N^(-beta).
// _backward_LRN takes (g, x, N), N the forward's hidden output tmp_norm, and
// returns gx = J(x)^T g; S is symmetric (S^T = S), so
//   gx = g N^(-beta) - 2 beta (alpha/n) x S(g x N^(-beta-1)).
// The rule writes gx with forward ops, N recomputed from x (S a sum Pooling
// along the channels), and lets vjp differentiate it in g and x. N itself gets
// a zero gradient: its dependence on x is in d/dx already, and the gradient of
// the forward LRN would drop a head on tmp_norm anyway.
#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// The LRN constants as the stock kernel holds them (single precision).
struct LrnConstants {
  double k, beta, scale;  // scale = alpha / nsize
  long size;

  explicit LrnConstants(const Backward& n)
      : k(single_precision(n.scalar("knorm", 2.0))),
        beta(single_precision(n.scalar("beta", 0.75))),
        scale(single_precision(single_precision(n.scalar("alpha", 1e-4)) / n.integer("nsize", 1))),
        size(n.integer("nsize", 1)) {}
};

// S(z): z (N, C, H, W) summed over the `size` channels centred on each channel,
// a sum Pooling of z viewed as (N, 1, C, H*W), zero padded.
Expr ChannelWindowSum(const Expr& z, long size) {
  Expr planes =
      apply("expand_dims", {apply("Reshape", {z}, {{"shape", "(0, 0, -1)"}})}, {{"axis", "1"}});
  Expr sums = apply("Pooling", {planes},
                    {{"kernel", "(" + std::to_string(size) + ", 1)"},
                     {"pool_type", "sum"},
                     {"stride", "(1, 1)"},
                     {"pad", "(" + std::to_string(size / 2) + ", 0)"}});
  return apply("reshape_like", {sums, z});
}

// gx = g N^(-beta) - 2 beta (alpha/n) x S(g x N^(-beta-1)),  N = k + (alpha/n) S(x^2)
Expr LrnGrad(const Expr& g, const Expr& x, const LrnConstants& c) {
  Expr norm = c.k + c.scale * ChannelWindowSum(square(x), c.size);
  Expr spread = ChannelWindowSum(g * x * pow(norm, -c.beta - 1.0), c.size);
  return g * pow(norm, -c.beta) - (2.0 * c.beta * c.scale) * x * spread;
}

}  // namespace

// gx = g N^(-beta) - 2 beta (alpha/n) x S(g x N^(-beta-1)), N = k + (alpha/n) S(x^2), S the sum
// over n = nsize adjacent channels: (d/dg, d/dx) = vjp of that formula (N recomputed from x) at h;
// d/dN = 0
MXNET_HO_GRADIENT(_backward_LRN).set_rule([](const Backward& n) -> Grads {
  Expr g = n.in(0), x = n.in(1), norm = n.in(2);
  Grads d = vjp(LrnGrad(g, x, LrnConstants(n)), {g, x}, n.head(0));
  return {d[0], d[1], zeros_like(norm)};
});

}  // namespace op
}  // namespace mxnet_ho
