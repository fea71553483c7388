// The reparameterized samplers of the NumPy interface (np.random.normal,
// gumbel, logistic, rayleigh, exponential, pareto, weibull): their forward op
// draws y = T(params; E) from a draw E that does not depend on the parameters,
// and returns a hidden second output, the "noise", which its backward op
// _backward_broadcast_<dist>(g, g_noise, arrays..., y, noise) reads: each
// array parameter p gets gp = sum_to(g*dy/dp, p). The draw is a constant of
// the parameters, so the noise's own head (which the forward op's gradient
// ignores) gets zeros, and so do the parameters and y wherever dy/dp does not
// depend on them.
#ifndef MXNET_HO_OPERATOR_NUMPY_RANDOM_DIST_COMMON_H_
#define MXNET_HO_OPERATOR_NUMPY_RANDOM_DIST_COMMON_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

// a*b, broadcast as NumPy's (a parameter against the samples' shape).
inline Expr Times(const Expr& a, const Expr& b) { return apply("_npi_multiply", {a, b}); }
// a/b, broadcast as NumPy's.
inline Expr Over(const Expr& a, const Expr& b) { return apply("_npi_true_divide", {a, b}); }

// Whether the sampler's parameter `key` is an array input of the node (its
// attribute then reads None) rather than a number.
inline bool IsArrayParameter(const Backward& n, const std::string& key) {
  return n.attr(key, "None") == "None";
}

// Location-scale y = loc + scale*noise (normal, gumbel, logistic): gloc =
// sum_to(g, loc), gscale = sum_to(g*noise, scale), for those of loc and scale
// that are arrays (inputs 2, 3 of the node, in that order; y and noise last).
inline Grads LocationScaleGrads(const Backward& n) {
  const bool loc = IsArrayParameter(n, "loc"), scale = IsArrayParameter(n, "scale");
  Expr g = n.in(0), noise = n.in(n.num_inputs() - 1);
  Grads grads;
  for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  Expr dg = zeros_like(g);
  size_t head = 0;
  if (loc) dg = add_skipping_zeros(dg, Times(n.head(head++, n.in(2)), ones_like(g)));
  if (scale) dg = add_skipping_zeros(dg, Times(n.head(head, n.in(loc ? 3 : 2)), noise));
  grads[0] = dg;
  return grads;
}

// One scale parameter, y = scale*noise (rayleigh, exponential): gscale =
// sum_to(g*noise, scale).
inline Grads ScaleGrads(const Backward& n) {
  Grads grads;
  for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  grads[0] = Times(n.head(0, n.in(2)), n.in(4));
  return grads;
}

// One shape parameter a whose noise is dy/da itself, a function of a with the
// draw held fixed (pareto, weibull): ga = sum_to(g*noise, a). The noise's head
// is dropped by the forward op's gradient, so the rule reads neither noise nor
// a derivative into it: dy/da and d2y/da2 are written in (a, y) (`first`,
// `second`), which later orders differentiate through y (whose gradient is
// stock's, g*dy/da) and a: d/dg = B(h)*dy/da, d/da = sum_to(h*g*d2y/da2, a).
inline Grads ShapeGrads(const Backward& n, const Expr& first, const Expr& second) {
  Expr g = n.in(0), a = n.in(2), h = n.head(0, a);
  Grads grads;
  for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  grads[0] = Times(h, first);
  grads[2] = sum_to(Times(Times(h, g), second), a);
  return grads;
}

// The samplers above, whose samples are smooth in their array parameters.
inline bool IsReparameterizedSampler(const std::string& op) {
  static const std::set<std::string> kOps = {"_npi_normal",   "_npi_normal_n", "_npi_gumbel",
                                             "_npi_logistic", "_npi_rayleigh", "_npi_exponential",
                                             "_npi_pareto",   "_npi_weibull"};
  return kOps.count(op) > 0;
}

// A sampler's samples recomputed from its array parameters `params` (in the
// node's order) and what its forward pass drew, y0 and noise (its outputs,
// constants): y = T(params; draw), for a hybridized block's higher orders.
// `number(key)` is the parameter `key` where the node has it as a number.
// Arithmetic broadcasts as NumPy's (the parameters against `size`).
inline Expr ReparameterizedSample(const std::string& op, const std::vector<Expr>& params,
                                  const std::function<std::optional<double>(const char*)>& number,
                                  const Expr& y0, const Expr& noise) {
  size_t next = 0;
  auto param = [&](const char* key, double* value) -> std::optional<Expr> {
    if (std::optional<double> v = number(key)) {
      *value = *v;
      return std::nullopt;
    }
    return params.at(next++);
  };
  double s = 0;
  if (op == "_npi_pareto" || op == "_npi_weibull") {
    const Expr a = *param("a", &s);
    // the draw E = -log(u): a*log1p(y0) (pareto), y0^a (weibull)
    if (op == "_npi_pareto") return expm1(Over(apply("BlockGrad", {Times(a, log1p(y0))}), a));
    return exp(Over(log(apply("BlockGrad", {apply("_npi_power", {y0, a})})), a));
  }
  if (op == "_npi_rayleigh" || op == "_npi_exponential") {
    std::optional<Expr> scale = param("scale", &s);
    return scale ? Times(*scale, noise) : noise * s;
  }
  // loc + scale*noise
  double l = 0;
  std::optional<Expr> loc = param("loc", &l), scale = param("scale", &s);
  Expr y = scale ? Times(*scale, noise) : noise * s;
  return loc ? apply("_npi_add", {*loc, y}) : y + l;
}

}  // namespace op
}  // namespace mxnet_ho

#endif  // MXNET_HO_OPERATOR_NUMPY_RANDOM_DIST_COMMON_H_
