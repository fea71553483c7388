// Gradients of the densities _random_pdf_*(sample, params...; is_log).
//
// Each density is a closed form of its sample x and parameters θ: the rules
// write the log-density ℓ(x, θ) with forward ops and return the vjp of ℓ
// (is_log) or of exp(ℓ) at the head, under create_graph; a first-order pass
// keeps stock's kernel. The parameters have the leading axes of the sample and
// are constant over its trailing axes: with every axis reversed (transpose)
// they lead, and broadcast against the sample as MXNet broadcasts. The
// discrete densities (Poisson, the negative binomials) have zero gradient in their
// sample as stock's kernel gives it: the sample enters them as a constant.
#include <cmath>
#include <functional>
#include <vector>

#include "dsl/grad_dsl.h"
#include "operator/tensor/leading_axes.h"

namespace mxnet_ho {
namespace op {
namespace {

// ℓ of the reversed sample and reversed parameters, shaped like the reversed sample.
using LogDensity = std::function<Expr(const Expr& x, const std::vector<Expr>& p)>;

// A value of the parameters alone, constant over the sample (the uniform density).
Expr over_sample(const Expr& v, const Expr& x) { return v + zeros_like(x); }

// The rule of density `log_density`: d/d(x, θ) <g, ℓ> (is_log) or <g, exp(ℓ)>.
Grads DensityGrad(const Backward& n, const LogDensity& log_density, bool discrete) {
  if (!composing()) return n.stock();
  const std::vector<Expr> inputs = n.inputs();
  Expr x = reversed(discrete ? apply("BlockGrad", {inputs[0]}) : inputs[0]);
  std::vector<Expr> params;
  for (size_t i = 1; i < inputs.size(); ++i) params.push_back(reversed(inputs[i]));
  Expr l = reversed(log_density(x, params));
  return vjp(n.flag("is_log") ? l : exp(l), inputs, n.head(0));
}

// log Γ(x + k) - log Γ(x + 1) - log Γ(k) + k log p + x log(1 - p)
Expr NegativeBinomialLog(const Expr& x, const Expr& k, const Expr& p) {
  return gammaln(x + k) - gammaln(x + 1.0) - gammaln(k) + k * log(p) + x * log(1.0 - p);
}

// The last axis of the reversed x moved back to the end: (k, T..., P...) -> (T..., P..., k).
Expr components_last(const Expr& x) {
  return apply("_np_moveaxis", {x}, {{"source", "(0,)"}, {"destination", "(-1,)"}});
}

Expr sum_last(const Expr& x) { return apply("sum", {x}, {{"axis", "-1"}}); }

}  // namespace

// ℓ = -((x - μ)/σ)^2/2 - log σ - log(2π)/2: d/dx, d/dμ, d/dσ = vjp of ℓ (is_log) or exp(ℓ) at g
MXNET_HO_GRADIENT(_random_pdf_normal)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n,
          [](const Expr& x, const std::vector<Expr>& p) {
            Expr z = (x - p[0]) / p[1];
            return -0.5 * square(z) - log(p[1]) - 0.5 * std::log(2.0 * M_PI);
          },
          false);
    });

// ℓ = -log(high - low) over the sample: d/dlow, d/dhigh = vjp of ℓ (is_log) or exp(ℓ) at g;
// d/dx = 0
MXNET_HO_GRADIENT(_random_pdf_uniform)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n,
          [](const Expr& x, const std::vector<Expr>& p) {
            return over_sample(-log(p[1] - p[0]), x);
          },
          false);
    });

// ℓ = α log β + (α - 1) log x - β x - log Γ(α) (β the rate):
// d/dx, d/dα, d/dβ = vjp of ℓ (is_log) or exp(ℓ) at g
MXNET_HO_GRADIENT(_random_pdf_gamma)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n,
          [](const Expr& x, const std::vector<Expr>& p) {
            return p[0] * log(p[1]) + (p[0] - 1.0) * log(x) - p[1] * x - gammaln(p[0]);
          },
          false);
    });

// ℓ = log λ - λ x: d/dx, d/dλ = vjp of ℓ (is_log) or exp(ℓ) at g
MXNET_HO_GRADIENT(_random_pdf_exponential)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n, [](const Expr& x, const std::vector<Expr>& p) { return log(p[0]) - p[0] * x; }, false);
    });

// ℓ = x log λ - log Γ(x + 1) - λ: d/dλ = vjp of ℓ (is_log) or exp(ℓ) at g; x a constant (d/dx = 0)
MXNET_HO_GRADIENT(_random_pdf_poisson)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n,
          [](const Expr& x, const std::vector<Expr>& p) {
            return x * log(p[0]) - gammaln(x + 1.0) - p[0];
          },
          true);
    });

// ℓ = log Γ(x + k) - log Γ(x + 1) - log Γ(k) + k log p + x log(1 - p):
// d/dk, d/dp = vjp of ℓ (is_log) or exp(ℓ) at g; x a constant (d/dx = 0)
MXNET_HO_GRADIENT(_random_pdf_negative_binomial)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n,
          [](const Expr& x, const std::vector<Expr>& p) {
            return NegativeBinomialLog(x, p[0], p[1]);
          },
          true);
    });

// ℓ = the negative binomial's with k = 1/α, p = 1/(μ α + 1):
// d/dμ, d/dα = vjp of ℓ (is_log) or exp(ℓ) at g; x a constant (d/dx = 0)
MXNET_HO_GRADIENT(_random_pdf_generalized_negative_binomial)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n,
          [](const Expr& x, const std::vector<Expr>& p) {
            return NegativeBinomialLog(x, 1.0 / p[1], 1.0 / (p[0] * p[1] + 1.0));
          },
          true);
    });

// ℓ = Σ_j (α_j - 1) log x_j + log Γ(Σ_j α_j) - Σ_j log Γ(α_j) over the last axis:
// d/dx, d/dα = vjp of ℓ (is_log) or exp(ℓ) at g
MXNET_HO_GRADIENT(_random_pdf_dirichlet)
    .keeps_stock()
    .broadcasting()
    .set_rule([](const Backward& n) -> Grads {
      return DensityGrad(
          n,
          [](const Expr& x, const std::vector<Expr>& p) {
            Expr xs = components_last(x), alpha = components_last(p[0]);
            return sum_last((alpha - 1.0) * log(xs)) + gammaln(sum_last(alpha)) -
                   sum_last(gammaln(alpha));
          },
          false);
    });

}  // namespace op
}  // namespace mxnet_ho
