// Gradient of the backward op of np.einsum.
//
// _backward_npi_einsum(g, x_1, ..., x_n) returns the partial gradients of
// <g, E(x_1, ..., x_n)>, E the contraction its subscripts name, which is linear
// in each operand: <h_1, gx_1> + ... + <h_n, gx_n> = <g, T>, T the sum over j of
// E with x_j replaced by h_j. Its gradient in g is T, and in the operands the
// vector-Jacobian product of T at g.
//
// einsum itself is stateful (FCreateOpState), so a rule may not build it: E is
// written with stateless forward ops instead, which needs the subscripts read
// into letters (the one attribute here that is text by nature). Supported: any
// number of operands, explicit ("ij,jk->ik") or implicit ("ij,jk") output, a
// letter repeated within one operand (a diagonal, "ii->i"); '...' (which needs
// the operands' ranks, unknown to a rule) is refused by name.
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

// The letters of each operand of an einsum and of its output.
struct Subscripts {
  std::vector<std::string> operands;
  std::string output;
};

std::runtime_error Unsupported(const std::string& text, const std::string& why) {
  return std::runtime_error("mxnet-ho: _backward_npi_einsum with subscripts '" + text +
                            "' has no higher-order gradient: " + why);
}

// The subscripts as numpy reads them: operands separated by ',', the output
// after "->" or, without one, the letters used exactly once, in alphabetical order.
Subscripts ReadSubscripts(const std::string& text, size_t num_operands) {
  std::string s;
  for (char c : text)
    if (c != ' ') s += c;
  if (s.find('.') != std::string::npos) throw Unsupported(text, "'...' is not supported");
  const size_t arrow = s.find("->");
  const std::string inputs = s.substr(0, arrow);
  Subscripts out;
  size_t start = 0;
  for (size_t comma; (comma = inputs.find(',', start)) != std::string::npos; start = comma + 1)
    out.operands.push_back(inputs.substr(start, comma - start));
  out.operands.push_back(inputs.substr(start));
  if (out.operands.size() != num_operands) throw Unsupported(text, "not one term per operand");
  if (arrow != std::string::npos) {
    out.output = s.substr(arrow + 2);
  } else {
    for (char c = 'A'; c <= 'z'; ++c)
      if (std::count(inputs.begin(), inputs.end(), c) == 1) out.output += c;
  }
  return out;
}

std::string Tuple(const std::vector<size_t>& values) {
  std::string text;
  for (size_t v : values) text += (text.empty() ? "" : ", ") + std::to_string(v);
  return "(" + text + (values.size() == 1 ? ",)" : ")");
}

bool Has(const std::string& letters, char c) { return letters.find(c) != std::string::npos; }

// The first two places of the first letter that repeats in `letters`, if any.
std::optional<std::pair<size_t, size_t>> Repeat(const std::string& letters) {
  for (size_t p = 0; p < letters.size(); ++p) {
    const size_t q = letters.find(letters[p], p + 1);
    if (q != std::string::npos) return std::make_pair(p, q);
  }
  return std::nullopt;
}

// 1 where x's positions along axes p and q agree, shaped (1, .., N, .., N, .., 1)
// to broadcast against x of rank `rank`.
Expr Agreeing(const Expr& x, size_t rank, size_t p, size_t q) {
  auto positions_along = [&](size_t axis) {
    std::string shape;
    for (size_t a = 0; a < rank; ++a)
      shape += std::string(a ? ", " : "") + (a == axis ? "-1" : "1");
    Expr positions = apply("_contrib_arange_like", {x}, {{"axis", std::to_string(axis)}});
    return apply("Reshape", {positions}, {{"shape", "(" + shape + ")"}});
  };
  return apply("broadcast_equal", {positions_along(p), positions_along(q)});
}

// x with subscripts `letters` reduced to its diagonals where a letter repeats:
// sum_q x*[p == q] keeps the diagonal on axis p; `letters` becomes x's axes.
// (Not np.diagonal: its kernel refuses to run unread, which its forward node does
// where only its gradient is used.)
Expr Diagonals(Expr x, std::string* letters) {
  while (const auto repeat = Repeat(*letters)) {
    const auto [p, q] = *repeat;
    Expr on_diagonal = apply("_npi_multiply", {x, Agreeing(x, letters->size(), p, q)});
    x = apply("_np_sum", {on_diagonal}, {{"axis", "(" + std::to_string(q) + ",)"}});
    letters->erase(q, 1);
  }
  return x;
}

// E(xs) with stateless ops: with the letters ordered output first, then the
// summed ones, each operand reduced to its diagonals, transposed into that order
// and given unit axes for the letters it lacks; their broadcast product, summed
// over the summed letters.
Expr Contract(const Subscripts& s, const std::vector<Expr>& xs) {
  std::string all = s.output;
  for (const std::string& letters : s.operands)
    for (char c : letters)
      if (!Has(all, c)) all += c;
  std::optional<Expr> product;
  for (size_t i = 0; i < xs.size(); ++i) {
    std::string mine = s.operands[i];
    Expr x = Diagonals(xs[i], &mine);
    std::vector<size_t> axes;
    for (char c : all)
      if (Has(mine, c)) axes.push_back(mine.find(c));
    if (!std::is_sorted(axes.begin(), axes.end()))
      x = apply("_np_transpose", {x}, {{"axes", Tuple(axes)}});
    for (size_t p = 0; p < all.size(); ++p)
      if (!Has(mine, all[p])) x = apply("_npi_expand_dims", {x}, {{"axis", std::to_string(p)}});
    product = product ? apply("_npi_multiply", {*product, x}) : x;
  }
  std::vector<size_t> summed;
  for (size_t p = s.output.size(); p < all.size(); ++p) summed.push_back(p);
  if (summed.empty()) return *product;
  return apply("_np_sum", {*product}, {{"axis", Tuple(summed)}});
}

// Whether an operand repeats a letter (takes a diagonal).
bool TakesDiagonals(const Subscripts& s) {
  for (const std::string& letters : s.operands)
    if (Repeat(letters)) return true;
  return false;
}

}  // namespace

// Stock's _backward_npi_einsum writes only the diagonal of an operand's gradient
// where the operand repeats a letter, leaving the rest of the array as it found
// it (garbage in autograd.grad's fresh arrays): for those subscripts the forward
// op's gradient is the vjp of E instead.

// a letter repeated within an operand: dx = grad_x <g, E(x)>, E from masks, transpose, expand_dims,
// multiply and sum; other subscripts: stock's _backward_npi_einsum
MXNET_HO_GRADIENT(_npi_einsum).keeps_stock().set_rule([](const Backward& n) -> Grads {
  const std::string text = n.attr("subscripts");
  if (text.find('.') != std::string::npos) return n.stock();
  std::vector<Expr> xs = n.inputs();
  const Subscripts s = ReadSubscripts(text, xs.size());
  if (!TakesDiagonals(s)) return n.stock();
  return vjp(Contract(s, xs), xs, n.head(0));
});

// gx_i = grad_{x_i} <g, E(x)>, E multilinear: T = sum_j E(x with x_j -> h_j): d/dg = T;
// d/dx = grad_x <g, T> (an operand read twice counted once);
// E from masks, transpose, expand_dims, multiply and sum
MXNET_HO_GRADIENT(_backward_npi_einsum).set_rule([](const Backward& n) -> Grads {
  std::vector<Expr> xs = n.inputs();
  const Expr g = xs.front();
  xs.erase(xs.begin());
  const Subscripts s = ReadSubscripts(n.attr("subscripts"), xs.size());
  std::optional<Expr> T;
  std::vector<Expr> leaves = xs;  // the heads too: constants of T (one may be computed from xs)
  for (size_t j = 0; j < xs.size(); ++j) {
    Expr h = n.head(j, xs[j]);
    if (is_zeros(h)) continue;
    std::vector<Expr> with_head = xs;
    with_head[j] = h;
    Expr term = Contract(s, with_head);
    T = T ? *T + term : term;
    leaves.push_back(h);
  }
  Grads grads = vjp(*T, leaves, g);
  grads.erase(grads.begin() + xs.size(), grads.end());  // none for the heads
  grads.insert(grads.begin(), *T);
  return grads;
});

}  // namespace op
}  // namespace mxnet_ho
