#include "dsl/grad_dsl.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace mxnet_ho {
namespace op {
namespace {

// Name prefix for the nodes a rule creates: the backward node's name.
thread_local const std::string* t_scope = nullptr;
std::atomic<uint64_t> g_node_counter{0};

std::string NextName(const std::string& op) {
  const std::string base = t_scope ? *t_scope : std::string("mxnet_ho");
  return base + "_" + op + std::to_string(g_node_counter++);
}

std::string FormatScalar(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", s);
  return buffer;
}

Expr Make(const std::string& op, const std::vector<Expr>& inputs, const AttrList& attrs,
          bool broadcasting, uint32_t index = 0) {
  Entries entries;
  for (const Expr& e : inputs) entries.push_back(e.entry());
  NodePtr node = bridge::MakeNode(op, entries, attrs, NextName(op));
  return Expr(Entry{node, index, 0}, broadcasting);
}

// elemwise_X for equal shapes, broadcast_X when either side broadcasts.
Expr Binary(const char* elemwise, const char* broadcast, const Expr& a, const Expr& b) {
  const bool bc = a.broadcasting() || b.broadcasting();
  return Make(bc ? broadcast : elemwise, {a, b}, {}, bc);
}

Expr Scalar(const char* op, const Expr& a, double s) {
  return Make(op, {a}, {{"scalar", FormatScalar(s)}}, a.broadcasting());
}

Expr Unary(const char* op, const Expr& a) { return Make(op, {a}, {}, a.broadcasting()); }

bool IsReturnedZeros(const Entry& e);  // below: the zeros rules return

// Whether `a` is zeros made with a shape (zeros_like, _zeros, a rule's zeros):
// a result of a's shape may be `a` itself.
bool ShapedZero(const Expr& a) {
  const std::string op = bridge::OpName(a.entry().node);
  return op == "zeros_like" || op == "_zeros" || IsReturnedZeros(a.entry());
}

// Whether `zero` is a shaped zero operand of an elementwise operation with `other`.
bool ElementwiseZero(const Expr& zero, const Expr& other) {
  return !zero.broadcasting() && !other.broadcasting() && ShapedZero(zero);
}

}  // namespace

// Zero folding: an elementwise operation with a zero operand (an unused output's
// head, a zero a rule built) gives its result without a node, so that no
// derivative of zeros is built, nor, order after order, derivatives of those
// (the k-th derivative of sin grew as 1.6^k). Only elementwise operations (a
// broadcast's result may be larger than its zero operand) and zeros with a
// shape of their own (not MXNet's shapeless _zeros_without_dtype).
Expr operator+(const Expr& a, const Expr& b) {
  if (ElementwiseZero(b, a)) return a;
  if (ElementwiseZero(a, b)) return b;
  return Binary("elemwise_add", "broadcast_add", a, b);
}
Expr operator-(const Expr& a, const Expr& b) {
  if (ElementwiseZero(b, a)) return a;
  if (ElementwiseZero(a, b)) return -b;
  return Binary("elemwise_sub", "broadcast_sub", a, b);
}
Expr operator*(const Expr& a, const Expr& b) {
  if (ElementwiseZero(a, b)) return a;
  if (ElementwiseZero(b, a)) return b;
  return Binary("elemwise_mul", "broadcast_mul", a, b);
}
Expr operator/(const Expr& a, const Expr& b) {
  if (ElementwiseZero(a, b)) return a;
  return Binary("elemwise_div", "broadcast_div", a, b);
}
Expr operator-(const Expr& a) { return ShapedZero(a) ? a : Unary("negative", a); }
Expr operator+(const Expr& a, double s) { return Scalar("_plus_scalar", a, s); }
Expr operator+(double s, const Expr& a) { return Scalar("_plus_scalar", a, s); }
Expr operator-(const Expr& a, double s) { return Scalar("_minus_scalar", a, s); }
Expr operator-(double s, const Expr& a) { return Scalar("_rminus_scalar", a, s); }
Expr operator*(const Expr& a, double s) { return ShapedZero(a) ? a : Scalar("_mul_scalar", a, s); }
Expr operator*(double s, const Expr& a) { return a * s; }
Expr operator/(const Expr& a, double s) { return ShapedZero(a) ? a : Scalar("_div_scalar", a, s); }
Expr operator/(double s, const Expr& a) { return Scalar("_rdiv_scalar", a, s); }
// a^0 and a^1 without _power_scalar, whose gradient at a = 0 would be 0*0^-1 = NaN
Expr pow(const Expr& a, double p) {
  if (p == 0.0) return ones_like(a);
  if (p == 1.0) return a;
  return Scalar("_power_scalar", a, p);
}
Expr pow(double s, const Expr& a) { return Scalar("_rpower_scalar", a, s); }
Expr pow(const Expr& a, const Expr& b) { return Binary("_power", "broadcast_power", a, b); }
Expr hypot(const Expr& a, const Expr& b) { return Binary("_hypot", "broadcast_hypot", a, b); }
Expr hypot(const Expr& a, double s) { return Scalar("_hypot_scalar", a, s); }

Expr operator>=(const Expr& a, const Expr& b) {
  return Binary("_greater_equal", "broadcast_greater_equal", a, b);
}
Expr operator<=(const Expr& a, const Expr& b) {
  return Binary("_lesser_equal", "broadcast_lesser_equal", a, b);
}
Expr operator>(const Expr& a, const Expr& b) {
  return Binary("_greater", "broadcast_greater", a, b);
}
Expr operator<(const Expr& a, const Expr& b) { return Binary("_lesser", "broadcast_lesser", a, b); }
Expr operator>=(const Expr& a, double s) { return Scalar("_greater_equal_scalar", a, s); }
Expr operator<=(const Expr& a, double s) { return Scalar("_lesser_equal_scalar", a, s); }
Expr operator>(const Expr& a, double s) { return Scalar("_greater_scalar", a, s); }
Expr operator<(const Expr& a, double s) { return Scalar("_lesser_scalar", a, s); }

#define MXNET_HO_DEFINE_UNARY(name) \
  Expr name(const Expr& a) { return Unary(#name, a); }
MXNET_HO_UNARY_FUNCTIONS(MXNET_HO_DEFINE_UNARY)
#undef MXNET_HO_DEFINE_UNARY

AttrList with_attr(AttrList attrs, const std::string& key, const std::string& value) {
  for (auto& kv : attrs) {
    if (kv.first == key) {
      kv.second = value;
      return attrs;
    }
  }
  attrs.emplace_back(key, value);
  return attrs;
}

Expr apply(const std::string& op, const std::vector<Expr>& inputs, const AttrList& attrs,
           uint32_t index) {
  bool bc = false;
  for (const Expr& e : inputs) bc = bc || e.broadcasting();
  return Make(op, inputs, attrs, bc, index);
}

Expr output(const Expr& e, size_t index) {
  return Expr(Entry{e.entry().node, static_cast<uint32_t>(index), 0}, e.broadcasting());
}

Expr stock_gradient_of(const Expr& forward, const std::vector<Expr>& heads, size_t input) {
  Entries head_entries;
  for (const Expr& h : heads) head_entries.push_back(h.entry());
  return Expr(bridge::CallGradient(forward.entry().node, head_entries).at(input),
              forward.broadcasting());
}

Expr stock_gradient(const std::string& op, const std::vector<Expr>& inputs,
                    const std::vector<Expr>& heads, size_t input, const AttrList& attrs) {
  return stock_gradient_of(apply(op, inputs, attrs), heads, input);
}

namespace {

using EntryKey = std::pair<const void*, uint32_t>;
EntryKey KeyOf(const Entry& e) { return {e.node.get(), e.index}; }

// The nodes between `xs` and the ys that depend on some x, inputs before users.
std::vector<NodePtr> NodesDependingOn(const std::vector<Expr>& ys, const std::set<EntryKey>& xs) {
  std::vector<NodePtr> order;
  std::map<const void*, bool> depends;  // visited nodes: whether they reach xs
  std::function<bool(const NodePtr&)> visit = [&](const NodePtr& node) -> bool {
    auto found = depends.find(node.get());
    if (found != depends.end()) return found->second;
    depends[node.get()] = false;
    bool reaches = false;
    for (const Entry& input : bridge::Inputs(node))
      reaches =
          (xs.count(KeyOf(input)) || (bridge::OpOf(input.node) && visit(input.node))) || reaches;
    depends[node.get()] = reaches;
    if (reaches) order.push_back(node);
    return reaches;
  };
  for (const Expr& y : ys)
    if (!xs.count(KeyOf(y.entry()))) visit(y.entry().node);
  return order;
}

}  // namespace

Grads vjp(const Expr& y, const std::vector<Expr>& xs, const Expr& head) {
  return vjp(std::vector<Expr>{y}, xs, std::vector<Expr>{head});
}

Grads vjp(const std::vector<Expr>& ys, const std::vector<Expr>& xs,
          const std::vector<Expr>& heads) {
  std::set<EntryKey> wanted;
  for (const Expr& x : xs) wanted.insert(KeyOf(x.entry()));
  std::map<EntryKey, Expr> grads;  // gradient of each entry reached so far
  auto accumulate = [&](const Entry& e, const Expr& g) {
    if (bridge::OpName(g.entry().node) == "_NoGradient") return;
    auto found = grads.find(KeyOf(e));
    if (found == grads.end())
      grads.emplace(KeyOf(e), g);
    else
      found->second = add_skipping_zeros(found->second, g);
  };
  for (size_t k = 0; k < ys.size(); ++k) accumulate(ys[k].entry(), heads.at(k));
  const bool broadcasting = heads.at(0).broadcasting();
  std::vector<NodePtr> order = NodesDependingOn(ys, wanted);
  for (auto node = order.rbegin(); node != order.rend(); ++node) {
    Entries heads;
    bool any = false;
    for (uint32_t i = 0; i < bridge::NumOutputs(*node); ++i) {
      Entry out{*node, i, 0};
      auto found = grads.find(KeyOf(out));
      // zero heads only: the node's gradients are zeros, left out (vjp serves rules
      // and symbolic gradients, never a pass whose backward kernels must run)
      any = any || (found != grads.end() && !is_zeros(found->second));
      heads.push_back(found != grads.end() ? found->second.entry()
                                           : zeros_like(Expr(out, false)).entry());
    }
    if (!any) continue;
    const Entries& inputs = bridge::Inputs(*node);
    Entries input_grads = bridge::CallGradient(*node, heads);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const bool on_path = wanted.count(KeyOf(inputs[i])) ||
                           std::find(order.begin(), order.end(), inputs[i].node) != order.end();
      if (on_path) accumulate(inputs[i], Expr(input_grads.at(i), broadcasting));
    }
  }
  Grads result;
  std::set<EntryKey> returned;
  for (const Expr& x : xs) {
    auto found = grads.find(KeyOf(x.entry()));
    const bool first = returned.insert(KeyOf(x.entry())).second;
    result.push_back(found != grads.end() && first ? found->second : zeros_like(x));
  }
  return result;
}

namespace {
// The zeros a rule hands back to MXNet: _npi_full_like(x, 0), not zeros_like.
// Stock's gradient of a forward op that sees only zeros_like/_zeros heads
// answers zeros_like(its own inputs) (MakeZeroGradNodes), and under create_graph
// an input may not have been kept when the op was recorded (its usual gradient
// did not need it), so that node would read an unallocated array and the
// backward pass segfault (nd.relu after FullyConnected: relu keeps its output,
// not the FullyConnected output it would take zeros_like of). MXNet does not
// recognise these zeros (nor leaves them out of its sums); mxnet-ho does, and
// only a higher-order pass holds one.
const char kReturnedZerosOp[] = "_npi_full_like";

bool IsReturnedZeros(const Entry& e) {
  return bridge::OpName(e.node) == kReturnedZerosOp &&
         bridge::Attr(e.node, "fill_value", "") == "0";
}

// MXNet's sums of gradients (exec::AggregateGradient), whose terms may all be zeros.
bool IsGradientSum(const std::string& op) {
  return op == "add_n" || op == "ElementWiseSum" || op == "_grad_add";
}

// The gradients stock gives a zero head of these ops are zeros too: a scaling of
// the head (negative's, a scalar product's) or a copy of it.
bool ScalesItsInput(const std::string& op) {
  return op == "negative" || op == "_mul_scalar" || op == "_div_scalar" || op == "_copy";
}

// A zero, a sum MXNet made of zeros, or a stock gradient's scaling of one: `own` is
// set where one of them is mxnet-ho's (a higher-order pass).
bool IsZeroEntry(const Entry& e, bool* own, int depth = 0) {
  const std::string op = bridge::OpName(e.node);
  if (op == kReturnedZerosOp) {
    const bool zero = bridge::Attr(e.node, "fill_value", "") == "0";
    *own = *own || zero;
    return zero;
  }
  if (op == "_zeros_without_dtype" || op == "zeros_like" || op == "_zeros") return true;
  if (ScalesItsInput(op) && depth <= 8)
    return IsZeroEntry(bridge::Inputs(e.node).at(0), own, depth + 1);
  if (!IsGradientSum(op) || depth > 8) return false;
  for (const Entry& term : bridge::Inputs(e.node))
    if (!IsZeroEntry(term, own, depth + 1)) return false;
  return true;
}

bool IsZeroEntry(const Entry& e) {
  bool own = false;
  return IsZeroEntry(e, &own);
}

// Zeros shaped like `x` that MXNet does not recognise as zeros.
Entry unrecognised_zeros(const Entry& x) {
  return Make(kReturnedZerosOp, {Expr(x, false)}, {{"fill_value", "0"}}, false).entry();
}

// Zeros shaped like `x`, for a gradient a rule returns to MXNet. Where x is a
// variable (a parameter, an input), no gradient function ever sees them, only
// MXNet's sum of x's gradient terms: there zeros_like, which that sum leaves out.
Entry returned_zeros(const Entry& x) {
  if (!bridge::OpOf(x.node) && !bridge::RecordedArrayDropped(x))
    return Make("zeros_like", {Expr(x, false)}, {}, false).entry();
  return unrecognised_zeros(x);
}

// Whether a gradient node may read every input of `node`: not where autograd
// recorded the node without keeping one of them.
bool InputsReadable(const NodePtr& node) {
  for (const Entry& input : bridge::Inputs(node))
    if (bridge::RecordedArrayDropped(input)) return false;
  return true;
}

// The gradients of a node whose heads are all zero: zeros of each input.
Entries ZerosOfInputs(const NodePtr& node) {
  Entries zeros;
  for (const Entry& input : bridge::Inputs(node)) zeros.push_back(returned_zeros(input));
  return zeros;
}

// Zero heads for a stock gradient that must not see zeros it recognises: for
// those it answers zeros_like of its node's inputs (MakeZeroGradNodes), which
// reads an input autograd did not keep (see returned_zeros); with these its
// ordinary backward node runs on zeros.
Entries NotZerosToMXNet(const Entries& heads) {
  Entries result;
  for (const Entry& h : heads) result.push_back(IsReturnedZeros(h) ? h : unrecognised_zeros(h));
  return result;
}
}  // namespace

bool is_zeros(const Expr& a) { return IsZeroEntry(a.entry()); }

Expr add_skipping_zeros(const Expr& a, const Expr& b) {
  if (is_zeros(b)) return a;
  if (is_zeros(a)) return b;
  return a + b;
}

Grads with_inputs_replaced(const Grads& grads, const Replacements& replacements) {
  std::set<const void*> done;
  for (const Expr& g : grads) {
    const NodePtr& node = g.entry().node;
    if (!bridge::OpOf(node) || !done.insert(node.get()).second) continue;
    const Entries& inputs = bridge::Inputs(node);
    for (size_t i = 0; i < inputs.size(); ++i)
      for (const auto& r : replacements)
        if (KeyOf(inputs[i]) == KeyOf(r.first.entry())) bridge::SetInput(node, i, r.second.entry());
  }
  return grads;
}

namespace {
struct BackwardMode {
  bool create_graph = false;
  bool train = true;
};
thread_local BackwardMode t_mode;

// The nodes differentiated by a backward pass that created a graph (weakly
// held, so a freed node's address cannot be mistaken for it).
std::mutex g_differentiated_mutex;
std::unordered_map<const void*, std::weak_ptr<nnvm::Node>> g_differentiated;
}  // namespace

void set_backward_mode(bool create_graph, bool train) {
  t_mode = BackwardMode{create_graph, train};
}

namespace {
thread_local const KnownShapes* t_known_shapes = nullptr;
thread_local bool t_building_symbol = false;
}  // namespace
void set_known_shapes(const KnownShapes* shapes) { t_known_shapes = shapes; }
const KnownShapes* known_shapes() { return t_known_shapes; }
void set_building_symbol(bool on) { t_building_symbol = on; }
bool building_symbol() { return t_building_symbol; }
bool composing() { return creating_graph() || building_symbol(); }
bool creating_graph() { return t_mode.create_graph; }
bool training() { return t_mode.train; }

bool Backward::differentiated_before() const {
  std::lock_guard<std::mutex> lock(g_differentiated_mutex);
  auto found = g_differentiated.find(node_.get());
  const bool before =
      found != g_differentiated.end() && !found->second.expired() && found->second.lock() == node_;
  if (t_mode.create_graph && !before) {
    if (g_differentiated.size() > 4096) {  // forget the nodes that are gone
      for (auto it = g_differentiated.begin(); it != g_differentiated.end();)
        it = it->second.expired() ? g_differentiated.erase(it) : std::next(it);
    }
    g_differentiated[node_.get()] = node_;
  }
  return before;
}

// The sum of `a` to the shape of `like` is the gradient of broadcasting `like`
// against `a`: MXNet's own broadcast_add gradient node computes exactly that,
// and takes its output shapes from the forward node it is tied to.
Expr sum_to(const Expr& a, const Expr& like) {
  if (!a.broadcasting() && !like.broadcasting()) return a;
  return stock_gradient("broadcast_add", {like, a}, {a}, 0);
}

Expr broadcast_like(const Expr& a, const Expr& like) {
  return Make("broadcast_like", {a, like}, {}, true);
}

Expr unreduce(const Expr& reduced, const Expr& x, const AttrList& sum_attrs,
              const std::string& sum_op) {
  return stock_gradient_of(apply(sum_op, {x}, sum_attrs), {reduced}, 0);
}

Backward::Backward(const NodePtr& node, const Entries& heads, bool broadcasting,
                   const Gradient* stock)
    : node_(node), heads_(heads), broadcasting_(broadcasting), stock_(stock) {}

Expr Backward::in(size_t i) const { return Expr(bridge::Inputs(node_).at(i), broadcasting_); }

Expr Backward::head(size_t i) const { return head(i, in(0)); }

Expr Backward::head(size_t i, const Expr& like) const {
  if (head_is_zero(i)) return zeros_like(like);
  return Expr(heads_.at(i), broadcasting_);
}

bool Backward::head_is_zero(size_t i) const { return IsZeroEntry(heads_.at(i)); }

size_t Backward::num_inputs() const { return bridge::Inputs(node_).size(); }

std::vector<Expr> Backward::inputs() const {
  std::vector<Expr> all;
  for (size_t i = 0; i < num_inputs(); ++i) all.push_back(in(i));
  return all;
}

Expr Backward::out(size_t i) const {
  return Expr(Entry{node_, static_cast<uint32_t>(i), 0}, broadcasting_);
}

Grads Backward::stock() const {
  if (stock_ == nullptr || !*stock_)
    throw std::runtime_error("mxnet-ho: " + bridge::OpName(node_) + " has no stock gradient");
  Grads grads;
  for (const Entry& e : (*stock_)(node_, heads_)) grads.emplace_back(e, broadcasting_);
  return grads;
}

std::optional<Expr> Backward::same_kernel(const std::vector<Expr>& heads, size_t forward_output,
                                          const std::string& forward_op) const {
  std::vector<NodePtr> tie = bridge::ControlDeps(node_);
  if (tie.empty() && !forward_op.empty()) {
    const NodePtr& producer = bridge::Inputs(node_).at(forward_output).node;
    if (bridge::OpName(producer) != forward_op) return std::nullopt;
    tie = {producer};
  }
  std::vector<Expr> inputs = heads;
  for (size_t i = heads.size(); i < num_inputs(); ++i) inputs.push_back(in(i));
  Expr kernel = apply(bridge::OpName(node_), inputs, bridge::Attrs(node_));
  if (!tie.empty()) bridge::SetControlDeps(kernel.entry().node, tie);
  return kernel;
}

double Backward::scalar(const std::string& key, double fallback) const {
  const std::string text = bridge::Attr(node_, key, "");
  if (text.empty()) return fallback;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str())
    throw std::runtime_error(bridge::OpName(node_) + ": attribute " + key + "=" + text +
                             " is not a number");
  return value;
}

std::string Backward::attr(const std::string& key, const std::string& fallback) const {
  return bridge::Attr(node_, key, fallback);
}

bool Backward::flag(const std::string& key, bool fallback) const {
  const std::string text = bridge::Attr(node_, key, "\x01");
  if (text == "\x01") return fallback;
  return text == "True" || text == "true" || text == "1";
}

long Backward::integer(const std::string& key, long fallback) const {
  const std::string text = bridge::Attr(node_, key, "");
  if (text.empty()) return fallback;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0')
    throw std::runtime_error(bridge::OpName(node_) + ": attribute " + key + "=" + text +
                             " is not a whole number");
  return value;
}

std::vector<long> Backward::ints(const std::string& key) const {
  const std::string text = bridge::Attr(node_, key, "");
  std::vector<long> values;
  const char* p = text.c_str();
  while (*p) {
    if ((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')) {
      char* end = nullptr;
      values.push_back(std::strtol(p, &end, 10));
      p = end;
    } else {
      ++p;
    }
  }
  return values;
}

AttrList Backward::attrs(const std::vector<std::string>& keys) const {
  AttrList picked;
  for (const std::string& key : keys) {
    const std::string value = bridge::Attr(node_, key, "\x01");
    if (value != "\x01") picked.emplace_back(key, value);
  }
  return picked;
}

// --- rule shapes ------------------------------------------------------------------

BilinearGrads bilinear(const Bilinear& f, const Expr& g, const Expr& a, const Expr& b,
                       const Expr& ha, const Expr& hb, const Expr* hc) {
  const bool use_a = !is_zeros(ha), use_b = !is_zeros(hb);
  const bool use_c = hc != nullptr && !is_zeros(*hc);
  // S h_c rides in the product named by bias_with, or in the other one where
  // only that one is built anyway (no product of zeros just for the bias).
  const bool c_with_a = f.bias_with == 0 ? use_a || !use_b : !use_b && use_a;
  const Expr* bias_a = use_c && c_with_a ? hc : nullptr;
  const Expr* bias_b = use_c && !c_with_a ? hc : nullptr;
  auto adjoint = [&](const Expr& product, size_t input) {
    return f.adjoint ? f.adjoint(product, g, input) : stock_gradient_of(product, {g}, input);
  };
  std::vector<Expr> terms;
  Expr da = zeros_like(a), db = zeros_like(b);
  if (use_a || bias_a) {  // B(h_a, b) [+ S h_c]
    Expr product = f.product(use_a ? ha : zeros_like(a), b, bias_a);
    if (use_a) db = adjoint(product, 1);
    terms.push_back(product);
  }
  if (use_b || bias_b) {  // B(a, h_b) [+ S h_c]
    Expr product = f.product(a, use_b ? hb : zeros_like(b), bias_b);
    if (use_b) da = adjoint(product, 0);
    terms.push_back(product);
  }
  Expr dg = terms.empty() ? zeros_like(g) : terms[0];
  for (size_t i = 1; i < terms.size(); ++i) dg = dg + terms[i];
  return {dg, da, db};
}

Grads bilinear_rule(const Backward& n, const std::string& op,
                    const std::vector<std::string>& keys) {
  const AttrList attrs = n.attrs(keys);
  Bilinear f;
  f.product = [&](const Expr& x, const Expr& y, const Expr*) { return apply(op, {x, y}, attrs); };
  Expr a = n.in(1), b = n.in(2);
  BilinearGrads d = bilinear(f, n.in(0), a, b, n.head(0, a), n.head(1, b));
  return {d.dg, d.da, d.db};
}

Grads linear_adjoint(const Backward& n, const std::function<Expr(const Expr&)>& forward) {
  Expr h = n.head(0);
  Grads grads = {is_zeros(h) ? zeros_like(n.in(0)) : forward(h)};
  for (size_t i = 1; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
  return grads;
}

Grads split_adjoint(const Backward& n, const std::string& split_op, const AttrList& attrs) {
  Expr h = n.head(0);
  Grads grads;
  if (is_zeros(h)) {
    for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(zeros_like(n.in(i)));
    return grads;
  }
  Expr pieces = apply(split_op, {h}, attrs);
  for (size_t i = 0; i < n.num_inputs(); ++i) grads.push_back(output(pieces, i));
  return grads;
}

Grads twin_vjp(const Backward& n, const std::vector<Expr>& outs, const std::vector<Expr>& inputs) {
  std::vector<Expr> ys, heads;
  for (size_t i = 0; i < outs.size(); ++i) {
    if (n.head_is_zero(i)) continue;
    ys.push_back(outs[i]);
    heads.push_back(n.head(i));
  }
  return vjp(ys, inputs, heads);
}

Entries GradientEntry::operator()(const NodePtr& node, const Entries& heads) const {
  // When MXNet records this backward op under create_graph, it first calls the
  // gradient with null heads and inputs to learn which inputs to keep alive
  // (Imperative::GetBackwardDependency). Keep them all: a rule may need any
  // input later, e.g. input 0 as the shape of a zero head.
  bool analysis = !heads.empty(), all_zero = !heads.empty();
  for (const Entry& h : heads) {
    analysis = analysis && h.node == nullptr;
    all_zero = all_zero && IsZeroEntry(h);
  }
  if (analysis && !keeps_stock_) return bridge::Inputs(node);
  if (analysis) {
    Entries kept = stock_(node, heads);
    if (keeps_inputs_)
      for (const Entry& input : bridge::Inputs(node)) kept.push_back(input);
    if (keeps_outputs_)
      for (uint32_t i = 0; i < bridge::NumOutputs(node); ++i) kept.push_back(Entry{node, i, 0});
    return kept;
  }
  const std::string scope = bridge::NodeName(node);
  const std::string* outer = t_scope;
  t_scope = &scope;
  struct Restore {
    const std::string* outer;
    ~Restore() { t_scope = outer; }
  } restore{outer};
  // No gradient flows in: none flows out, as zeros of the inputs, where they may
  // be read (a forward op keeping stock's gradient keeps only what that reads;
  // there the rule sees zeros stock does not recognise, see NotZerosToMXNet).
  const bool readable = !keeps_stock_ || InputsReadable(node);
  if (all_zero && !runs_on_zero_heads_ && readable) return ZerosOfInputs(node);
  const Entries& used = all_zero && !readable ? NotZerosToMXNet(heads) : heads;
  Grads grads = rule_(Backward(node, used, broadcasting_, keeps_stock_ ? &stock_ : nullptr));
  if (grads.size() != bridge::Inputs(node).size())
    throw std::runtime_error("mxnet-ho rule for " + op_ + " returned " +
                             std::to_string(grads.size()) + " gradients for " +
                             std::to_string(bridge::Inputs(node).size()) + " inputs");
  Entries entries;
  for (size_t i = 0; i < grads.size(); ++i) {
    const Entry& g = grads[i].entry();
    entries.push_back(IsZeroEntry(g) ? returned_zeros(bridge::Inputs(node)[i]) : g);
  }
  return entries;
}

Entries SkippingZeroHeads::operator()(const NodePtr& node, const Entries& heads) const {
  bool all_zero = !heads.empty(), own = false;
  for (const Entry& h : heads) all_zero = all_zero && h.node != nullptr && IsZeroEntry(h, &own);
  if (!all_zero) return stock_(node, heads);
  if (!InputsReadable(node)) return stock_(node, NotZerosToMXNet(heads));
  return own ? ZerosOfInputs(node) : stock_(node, heads);
}

std::vector<GradientEntry*>& GradientRegistry() {
  static std::vector<GradientEntry*> registry;
  return registry;
}

GradientEntry& AddGradient(const char* op) {
  GradientRegistry().push_back(new GradientEntry(op));
  return *GradientRegistry().back();
}

}  // namespace op
}  // namespace mxnet_ho
