// A small language for writing gradients of backward operators as formulas of
// differentiable forward operators:
//
//   // _backward_mul(g, a, b) = (g*b, g*a)
//   MXNET_HO_GRADIENT(_backward_mul)
//   .set_rule([](const Backward& n) -> Grads {
//     Expr g = n.in(0), a = n.in(1), b = n.in(2);
//     return {n.head(0) * b + n.head(1) * a, sum_to(n.head(1) * g, a), sum_to(n.head(0) * g, b)};
//   });
//
// Every Expr operation adds one forward-operator node to the gradient graph.
// Exprs are elementwise (operands of equal shape) or broadcasting; a binary
// operation broadcasts when either operand does. `sum_to(x, like)` sums a
// broadcast result back to the shape of `like` (the identity when elementwise).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bridge/bridge.h"

namespace mxnet_ho {
namespace op {

using bridge::AttrList;
using bridge::Entries;
using bridge::Entry;
using bridge::Gradient;
using bridge::NodePtr;

class Expr {
 public:
  Expr(Entry entry, bool broadcasting) : entry_(std::move(entry)), broadcasting_(broadcasting) {}
  const Entry& entry() const { return entry_; }
  bool broadcasting() const { return broadcasting_; }

 private:
  Entry entry_;
  bool broadcasting_;
};
using Grads = std::vector<Expr>;

// --- arithmetic -------------------------------------------------------------
Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator*(const Expr& a, const Expr& b);
Expr operator/(const Expr& a, const Expr& b);
Expr operator-(const Expr& a);
Expr operator+(const Expr& a, double s);
Expr operator+(double s, const Expr& a);
Expr operator-(const Expr& a, double s);
Expr operator-(double s, const Expr& a);
Expr operator*(const Expr& a, double s);
Expr operator*(double s, const Expr& a);
Expr operator/(const Expr& a, double s);
Expr operator/(double s, const Expr& a);
Expr pow(const Expr& a, double p);  // a^p (ones for p = 0, a for p = 1)
Expr pow(double s, const Expr& a);  // s^a
Expr pow(const Expr& a, const Expr& b);
Expr hypot(const Expr& a, const Expr& b);
Expr hypot(const Expr& a, double s);

// --- indicators (0 or 1, zero gradient) ---------------------------------------
Expr operator>=(const Expr& a, const Expr& b);
Expr operator<=(const Expr& a, const Expr& b);
Expr operator>(const Expr& a, const Expr& b);
Expr operator<(const Expr& a, const Expr& b);
Expr operator>=(const Expr& a, double s);
Expr operator<=(const Expr& a, double s);
Expr operator>(const Expr& a, double s);
Expr operator<(const Expr& a, double s);

// --- unary functions: each the MXNet forward op of the same name ------------------
// (clang-format lays this list out differently on each pass: kept as written)
// clang-format off
#define MXNET_HO_UNARY_FUNCTIONS(X)                                                   \
  X(exp) X(log) X(square) X(sqrt) X(rsqrt) X(cbrt) X(rcbrt) X(reciprocal) X(abs)      \
  X(sign) X(floor) X(sin) X(cos) X(tan) X(sinh) X(cosh) X(tanh) X(arcsin) X(arccos)   \
  X(arctan) X(arcsinh) X(arccosh) X(arctanh) X(sigmoid) X(relu) X(erf) X(erfinv)      \
  X(gamma) X(gammaln) X(log1p) X(expm1) X(softsign) X(zeros_like) X(ones_like)
// clang-format on
#define MXNET_HO_DECLARE_UNARY(name) Expr name(const Expr& a);
MXNET_HO_UNARY_FUNCTIONS(MXNET_HO_DECLARE_UNARY)
#undef MXNET_HO_DECLARE_UNARY
// Any forward operator applied to `inputs`, output `index`.
Expr apply(const std::string& op, const std::vector<Expr>& inputs, const AttrList& attrs = {},
           uint32_t index = 0);
// Output `index` of the node that computes `e` (the pieces of one split node).
Expr output(const Expr& e, size_t index);
// `attrs` with `key` set to `value` (replaced where present, else added).
AttrList with_attr(AttrList attrs, const std::string& key, const std::string& value);

// The gradient MXNet itself gives `inputs[input]` of a forward node
// `op(inputs; attrs)` for the head gradient(s) `heads`: MXNet builds its
// backward node, tied to that forward node for shape inference. For math MXNet
// has only as a backward kernel (digamma, the sum of a broadcast, ...).
Expr stock_gradient(const std::string& op, const std::vector<Expr>& inputs,
                    const std::vector<Expr>& heads, size_t input = 0, const AttrList& attrs = {});
// The same for a forward node already built (e.g. by apply).
Expr stock_gradient_of(const Expr& forward, const std::vector<Expr>& heads, size_t input = 0);

// The gradients of <head, y> with respect to each of `xs`, where y is an
// expression of forward ops built from xs: MXNet's own gradient of each node,
// chained in reverse. For a backward op whose output can be written with
// forward ops (gx = E(g, x)), a rule is vjp(E(g, x), {g, x}, h). A part of
// y that does not depend on xs is a constant; an x y does not reach gets zeros.
// An x listed twice (a node reading one array as two inputs, einsum(a, a)) gets
// its whole gradient at its first place and zeros at the others, so that the sum
// MXNet forms over the node's inputs counts it once.
Grads vjp(const Expr& y, const std::vector<Expr>& xs, const Expr& head);
// The same for several outputs: the gradients of sum_k <heads[k], ys[k]>.
Grads vjp(const std::vector<Expr>& ys, const std::vector<Expr>& xs, const std::vector<Expr>& heads);

// A float attribute as the stock kernels hold it (real_t: single precision).
inline double single_precision(double v) { return static_cast<float>(v); }

// Whether `a` is a zero node (zeros_like, _zeros, _zeros_without_dtype).
bool is_zeros(const Expr& a);
// a + b for two gradients of one entry (same shape), a zero term left out.
Expr add_skipping_zeros(const Expr& a, const Expr& b);

// `grads` (just made by a stock gradient), their nodes reading each `.second`
// where they read `.first`: e.g. a backward kernel handed copies of the states
// it would update.
using Replacements = std::vector<std::pair<Expr, Expr>>;
Grads with_inputs_replaced(const Grads& grads, const Replacements& replacements);

// --- the backward pass being built ------------------------------------------------
// What autograd was asked for (create_graph, train_mode), set by Python around
// each backward call (mxnet_ho.hybrid); a rule may build different graphs for it.
void set_backward_mode(bool create_graph, bool train);
bool creating_graph();
bool training();
// The shapes of a symbol's variables (by name) while mxnet_ho.symbol.grad
// differentiates it with them (null otherwise): a rule that needs a shape no
// array was recorded for (the fused RNN's sequence length) infers it from them.
using KnownShapes = std::vector<std::pair<std::string, std::vector<long>>>;
void set_known_shapes(const KnownShapes* shapes);
const KnownShapes* known_shapes();
// Whether mxnet_ho.symbol.grad is building the gradient: a graph meant to be
// differentiated again, so a stateful op's rule gives its twin's vjp where it
// can (control flow) rather than stock's stateful backward node.
void set_building_symbol(bool on);
bool building_symbol();
// Whether this pass builds a graph to differentiate again (creating_graph() or
// building_symbol()): a keeps_stock() rule whose stock kernel has no gradient
// gives its composed form then, stock's otherwise.
bool composing();

// --- shapes -------------------------------------------------------------------
// Sum of a broadcast-shaped `a` down to the shape of `like`.
Expr sum_to(const Expr& a, const Expr& like);
// `a` broadcast to the shape of `like`.
Expr broadcast_like(const Expr& a, const Expr& like);
// `reduced`, shaped like sum(x; sum_attrs), broadcast back to the shape of x
// (the gradient MXNet gives x of that sum); sum_op "_np_sum" for the NumPy
// interface's axis conventions.
Expr unreduce(const Expr& reduced, const Expr& x, const AttrList& sum_attrs,
              const std::string& sum_op = "sum");

// --- the node being differentiated --------------------------------------------
class Backward;

// --- rule shapes ----------------------------------------------------------------
// The rule of the backward op of a bilinear y = B(a, b) (dot, matmul, gemm2,
// tensordot, convolution, FullyConnected, ...). That op returns the partial
// gradients of <g, B(a, b)>, ga = D_a B(a, b)^T g and gb = D_b B(a, b)^T g, so
//   <h_a, ga> + <h_b, gb> = <g, B(h_a, b) + B(a, h_b)>
// and its gradient is
//   d/dg = B(h_a, b) + B(a, h_b);  d/da = D_a B(a, h_b)^T g;  d/db = D_b B(h_a, b)^T g,
// the last two MXNet's own gradient of the forward nodes of d/dg (themselves
// differentiable by the same rule). A head that is_zeros drops its terms.
//
// Layers whose y = B(a, b) + S c add a bias c (gc = S^T g) get d/dg += S h_c,
// computed inside one of the two products: `bias_with` names which (0: B(h_a, b),
// 1: B(a, h_b)), unless its own head is zero and the other's is not (then the
// other carries it); where only h_c is nonzero, the product named is built with
// zeros for its own head.
struct Bilinear {
  // B(x, y) as one forward node, plus `bias` (null for none) where it carries one.
  std::function<Expr(const Expr& x, const Expr& y, const Expr* bias)> product;
  // D_i B^T g at the forward node `product` (i = 0: a, 1: b); MXNet's gradient of
  // that node by default.
  std::function<Expr(const Expr& product, const Expr& g, size_t input)> adjoint;
  size_t bias_with = 0;
};
struct BilinearGrads {
  Expr dg, da, db;
};
BilinearGrads bilinear(const Bilinear& f, const Expr& g, const Expr& a, const Expr& b,
                       const Expr& ha, const Expr& hb, const Expr* hc = nullptr);
// The plain case, for a backward node (g, a, b): the op `op` with the node's
// attributes `keys` is B; returns {d/dg, d/da, d/db}.
Grads bilinear_rule(const Backward& n, const std::string& op, const std::vector<std::string>& keys);

// The rule of a backward op that is a fixed linear map gx = A^T g with one
// output, A the forward op: d/dg = A h, `forward(h)`. Its other inputs (g is
// input 0), which only fix A (indices, outputs read for their shapes), get zeros.
Grads linear_adjoint(const Backward& n, const std::function<Expr(const Expr&)>& forward);

// The rule of a backward op that joins its inputs g_0..g_{k-1} (one per input of
// the node) into gx, the adjoint of the forward op splitting x into k pieces:
// d/dg_i = split(h)_i, one node of `split_op` with `attrs`, output i.
Grads split_adjoint(const Backward& n, const std::string& split_op, const AttrList& attrs);

// The gradient of a forward node recomputed as its twin: `outs` (one per output
// of the node) built with forward ops from `inputs` (usually n.inputs()). The vjp
// of the outputs whose head is not zero, at those heads.
Grads twin_vjp(const Backward& n, const std::vector<Expr>& outs, const std::vector<Expr>& inputs);

class Backward {
 public:
  Backward(const NodePtr& node, const Entries& heads, bool broadcasting,
           const Gradient* stock = nullptr);
  // Head gradient i. Where MXNet passes a zero node for an output nobody used
  // (a shapeless _zeros_without_dtype, or zeros of an array that may never
  // have been allocated), zeros_like(input 0) stands in: right for ops whose
  // outputs share the incoming gradient's (broadcast) shape. Other ops use
  // head(i, like), or test head_is_zero(i). (A rule never runs when every head
  // is zero: its gradients are then zeros_like of its inputs.)
  Expr in(size_t i) const;
  // The node itself, for rules that ask the bridge about it (a hybridized
  // block's graph).
  const NodePtr& node() const { return node_; }
  // Whether an earlier backward pass that created a graph already differentiated
  // this node: its side effects (BatchNorm's moving-statistics update in the
  // backward kernel) happened then and must not happen again. Under
  // create_graph, also records this pass for the next.
  bool differentiated_before() const;
  Expr head(size_t i) const;
  // Head gradient i, or zeros_like(like) where it is a zero node.
  Expr head(size_t i, const Expr& like) const;
  bool head_is_zero(size_t i) const;
  size_t num_inputs() const;
  // in(0), ..., in(num_inputs() - 1).
  std::vector<Expr> inputs() const;
  // Output i of the node, for rules of forward ops (whose gradients may use y).
  // Not for backward ops: MXNet crashes differentiating through a backward
  // node's own output (seen with _backward_L2Normalization).
  Expr out(size_t i) const;
  // The gradients the op's stock FGradient gives (rules registered keeps_stock()).
  Grads stock() const;
  // This backward node's own kernel at other heads: its op on `heads` and its
  // other inputs, with its attributes, tied (for its shapes) to its forward node:
  // its own tie, or, where autograd recorded it (records keep no ties), the node
  // of input `forward_output` when that is a node of `forward_op`; nullopt where
  // none is found. An op that infers its own shapes (an elementwise backward op)
  // needs no tie: `forward_op` "". For a kernel linear and self-adjoint in its
  // heads (a diagonal map, gx = g*d(u)), which is then its own gradient in g.
  std::optional<Expr> same_kernel(const std::vector<Expr>& heads, size_t forward_output,
                                  const std::string& forward_op) const;
  // A numeric attribute, e.g. the `scalar` of a *_scalar op.
  double scalar(const std::string& key, double fallback) const;
  // The `scalar` attribute of a *_scalar op (MXNet's default: 1).
  double scalar() const { return scalar("scalar", 1.0); }
  // The attributes named in `keys` that the node has, to pass on.
  AttrList attrs(const std::vector<std::string>& keys) const;
  // Typed attributes, as MXNet prints them, or `fallback` where the node lacks them:
  // the text of attribute `key`;
  std::string attr(const std::string& key, const std::string& fallback = "") const;
  // a boolean (True, true or 1 is true; anything else false);
  bool flag(const std::string& key, bool fallback = false) const;
  // a whole number (e.g. num_args, axis);
  long integer(const std::string& key, long fallback) const;
  // the integers of a tuple such as "(2, 3)" or "[1, -1]" (empty where absent).
  std::vector<long> ints(const std::string& key) const;

 private:
  const NodePtr& node_;
  const Entries& heads_;
  bool broadcasting_;
  const Gradient* stock_;
};

using Rule = std::function<Grads(const Backward&)>;

// One gradient registration, collected at static-initialisation time and
// installed into MXNet's registry only when mxnet-ho is activated.
class GradientEntry {
 public:
  explicit GradientEntry(std::string op) : op_(std::move(op)) {}
  // The backward op's inputs and outputs broadcast (sum_to reduces).
  GradientEntry& broadcasting() {
    broadcasting_ = true;
    return *this;
  }
  GradientEntry& set_rule(Rule rule) {
    rule_ = std::move(rule);
    return *this;
  }
  // The rule replaces a forward op's gradient for some attributes and returns
  // n.stock() for the others. The op's own FGradient is kept for that, and it
  // answers MXNet's dependency analysis: the rule may use only the inputs and
  // outputs the stock gradient uses.
  GradientEntry& keeps_stock() {
    keeps_stock_ = true;
    return *this;
  }
  // The rule also runs when every head is zero (by default the gradients are then
  // zeros shaped like the node's inputs, which must have been kept): for ops
  // that keep none of their inputs, whose rule returns zeros its own way.
  GradientEntry& runs_on_zero_heads() {
    runs_on_zero_heads_ = true;
    return *this;
  }
  // With keeps_stock(): autograd also keeps every input of the node, which the
  // rule reads where stock's gradient does not (a loss layer whose stock
  // gradient reads its output, recomputed from its data so that it chains).
  GradientEntry& keeps_inputs() {
    keeps_inputs_ = true;
    return *this;
  }
  // With keeps_stock(): autograd also keeps every output of the node (a
  // custom Function's composed gradient reads the outputs its backward saved).
  GradientEntry& keeps_outputs() {
    keeps_outputs_ = true;
    return *this;
  }
  // Whether keeps_stock() was set.
  bool has_keeps_stock() const { return keeps_stock_; }
  void set_stock(Gradient stock) { stock_ = std::move(stock); }
  const std::string& op() const { return op_; }
  Entries operator()(const NodePtr& node, const Entries& heads) const;

 private:
  std::string op_;
  bool broadcasting_ = false;
  bool keeps_stock_ = false;
  bool runs_on_zero_heads_ = false;
  bool keeps_inputs_ = false;
  Gradient stock_;
  Rule rule_;
  bool keeps_outputs_ = false;
};

// All registrations, in registration order.
std::vector<GradientEntry*>& GradientRegistry();

// The FGradient of an op that has no rule here: stock's, except where every head
// is a zero (or MXNet's sum of zeros). Where one of them is a zero mxnet-ho made
// (only a higher-order pass holds one: a rule's zero gradient, e.g. of the input
// a piecewise-linear activation reads only for its sign), the gradients are
// zeros of the inputs and no backward kernel runs on zeros. Where autograd did
// not keep an input, stock is handed zeros it does not recognise, so that it runs
// its kernel rather than take zeros_like of that input (an unallocated array).
class SkippingZeroHeads {
 public:
  explicit SkippingZeroHeads(Gradient stock) : stock_(std::move(stock)) {}
  Entries operator()(const NodePtr& node, const Entries& heads) const;

 private:
  Gradient stock_;
};
GradientEntry& AddGradient(const char* op);

#define MXNET_HO_STR_CONCAT_(a, b) a##b
#define MXNET_HO_STR_CONCAT(a, b) MXNET_HO_STR_CONCAT_(a, b)
#define MXNET_HO_GRADIENT(OpName)                                                   \
  static ::mxnet_ho::op::GradientEntry& MXNET_HO_STR_CONCAT(mxnet_ho_grad_, OpName) \
      __attribute__((unused)) = ::mxnet_ho::op::AddGradient(#OpName)

}  // namespace op
}  // namespace mxnet_ho
