// The gradient of a hybridized block: the `_CachedOp` node that a hybridized
// Gluon block (or a SymbolBlock, or any mx.nd.CachedOp) records.
//
// First order stays stock: `_backward_CachedOp` runs CachedOp's own backward
// graph. Under create_graph stock refuses ("CachedOp does not support higher
// order gradients": CachedOp::Backward must not record). There the block's
// graph is differentiated op by op instead:
//   y = G(x)   =>   x_bar = sum over G's ops, in reverse, of each op's own gradient
// with G's forward recomputed from the node's inputs (CachedOp keeps them all),
// so every node of the result is an ordinary op whose gradient has a rule again.
//
// The recomputation must not repeat side effects of the forward pass:
//  - auxiliary states (BatchNorm's moving statistics) reach the recomputed
//    forward ops as copies, and the backward ops made from them as themselves:
//    the update lands where the stock kernels make it once (MKL-DNN's forward
//    kernel updates them, the native backward kernel does), as when imperative;
//  - ops that draw random numbers would draw again: Dropout is the identity when
//    the gradient is taken in predict mode (or p = 0); otherwise, and for every
//    sampling op, it raises an error naming the op, never a different value.
#include "imperative/cached_op.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "operator/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

struct Mode {
  bool create_graph = false;
  bool train = true;
};
thread_local Mode t_mode;

std::mutex g_graphs_mutex;
std::unordered_map<const void*, std::shared_ptr<const bridge::SymbolGraph>>& Graphs() {
  static std::unordered_map<const void*, std::shared_ptr<const bridge::SymbolGraph>> graphs;
  return graphs;
}

std::shared_ptr<const bridge::SymbolGraph> GraphOf(const void* cached_op) {
  std::lock_guard<std::mutex> lock(g_graphs_mutex);
  auto found = Graphs().find(cached_op);
  return found == Graphs().end() ? nullptr : found->second;
}

using EntryKey = std::pair<const nnvm::Node*, uint32_t>;
EntryKey KeyOf(const Entry& e) { return {e.node.get(), e.index}; }

// The op nodes of the graph, inputs before their users.
std::vector<NodePtr> OpsInOrder(const Entries& outputs) {
  std::vector<NodePtr> order;
  std::set<const nnvm::Node*> seen;
  std::vector<std::pair<NodePtr, size_t>> stack;
  for (const Entry& e : outputs) {
    if (!bridge::OpOf(e.node) || !seen.insert(e.node.get()).second) continue;
    stack.emplace_back(e.node, 0);
    while (!stack.empty()) {
      auto& top = stack.back();
      const Entries& inputs = bridge::Inputs(top.first);
      if (top.second < inputs.size()) {
        const NodePtr next = inputs[top.second++].node;
        if (bridge::OpOf(next) && seen.insert(next.get()).second) stack.emplace_back(next, 0);
        continue;
      }
      order.push_back(top.first);
      stack.pop_back();
    }
  }
  return order;
}

bool DrawsRandomNumbers(const std::string& op) {
  static const char* const kPrefixes[] = {"_random_", "_sample_", "_npi_random", "_npi_uniform",
                                          "_npi_normal", "_npi_bernoulli", "_npi_choice",
                                          "_npi_exponential", "_npi_gamma", "_npi_gumbel",
                                          "_npi_laplace", "_npi_logistic", "_npi_multinomial",
                                          "_npi_pareto", "_npi_powerd", "_npi_rayleigh",
                                          "_npi_weibull", "_shuffle"};
  for (const char* prefix : kPrefixes)
    if (op.rfind(prefix, 0) == 0) return true;
  return false;
}

// Dropout that passes its input through when the gradient is taken: predict
// mode (unless mode=always), or p = 0.
bool DropoutIsIdentity(const NodePtr& node) {
  const std::string p = bridge::Attr(node, "p", "0.5");
  if (std::strtod(p.c_str(), nullptr) == 0.0) return true;
  return !t_mode.train && bridge::Attr(node, "mode", "training") != "always";
}

std::runtime_error Unsupported(const NodePtr& node, const std::string& why) {
  return std::runtime_error(
      "mxnet-ho: a higher-order gradient through a hybridized block cannot pass " +
      bridge::OpName(node) + " (node " + bridge::NodeName(node) + "): " + why);
}

// The block's forward graph rebuilt on `inputs` (the _CachedOp node's inputs).
class Recomputation {
 public:
  Recomputation(const bridge::SymbolGraph& graph, const Entries& inputs) {
    for (size_t i = 0; i < graph.inputs.size(); ++i) {
      Expr input(inputs.at(i), false);
      Entry value = input.entry();
      if (graph.is_aux[i]) {  // a copy, so that a forward kernel's update lands there
        value = apply("_copy", {input}).entry();
        aux_copies_.emplace(KeyOf(value), input.entry());
      }
      values_.emplace(EntryKey{graph.inputs[i].get(), 0}, value);
    }
    order_ = OpsInOrder(graph.outputs);
    for (const NodePtr& node : order_) Rebuild(node);
  }
  const std::vector<NodePtr>& order() const { return order_; }
  // How a graph node was rebuilt: one node whose own gradient applies (`node`),
  // or an expression of its inputs that vjp differentiates (`node` null).
  struct Rebuilt {
    NodePtr node;
    Expr out;
    std::vector<Expr> inputs;
  };
  const Rebuilt& rebuilt(const NodePtr& node) const { return rebuilt_.at(node.get()); }
  Entry value(const Entry& e) const {
    auto found = values_.find(KeyOf(e));
    if (found == values_.end())
      throw std::runtime_error("mxnet-ho: the hybridized graph uses output " +
                               std::to_string(e.index) + " of " + bridge::NodeName(e.node) +
                               ", which its recomputation does not have");
    return found->second;
  }
  // Points the backward nodes of `grads` at the auxiliary states themselves
  // where they read the copies: a backward kernel's update lands in the states.
  void RestoreAuxInputs(const Entries& grads) const {
    std::set<const nnvm::Node*> done;
    for (const Entry& g : grads) {
      if (!bridge::OpOf(g.node) || !done.insert(g.node.get()).second) continue;
      const Entries& inputs = bridge::Inputs(g.node);
      for (size_t i = 0; i < inputs.size(); ++i) {
        auto found = aux_copies_.find(KeyOf(inputs[i]));
        if (found != aux_copies_.end()) bridge::SetInput(g.node, i, found->second);
      }
    }
  }

 private:
  void Rebuild(const NodePtr& node) {
    const std::string op = bridge::OpName(node);
    std::vector<Expr> inputs;
    for (const Entry& e : bridge::Inputs(node)) inputs.emplace_back(value(e), false);
    if (op == "Dropout" && DropoutIsIdentity(node)) return Keep(node, inputs, inputs.at(0));
    if (op == "Dropout")
      throw Unsupported(node, "in training mode it needs the forward pass's mask, which "
                              "CachedOp does not keep; take the gradient in predict mode "
                              "or run the block without hybridize()");
    if (DrawsRandomNumbers(op))
      throw Unsupported(node, "recomputing it would draw new random numbers");
    if (bridge::IsStateful(bridge::OpOf(node))) {
      const Expr twin = StatelessTwin(node, inputs);
      // one op computing every output (split), or an expression with one output
      if (bridge::NumOutputs(node) > 1) return KeepNode(node, inputs, twin);
      return Keep(node, inputs, twin);
    }
    KeepNode(node, inputs, op::apply(op, inputs, bridge::Attrs(node)));
  }
  // The node that computes all outputs of `node`: its own gradient applies.
  void KeepNode(const NodePtr& node, const std::vector<Expr>& inputs, const Expr& first) {
    const NodePtr rebuilt = first.entry().node;
    rebuilt_.emplace(node.get(), Rebuilt{rebuilt, first, inputs});
    for (uint32_t i = 0; i < bridge::NumOutputs(rebuilt); ++i)
      values_.emplace(EntryKey{node.get(), i}, Entry{rebuilt, i, 0});
  }
  // A single-output node computed as `out`, an expression of its inputs.
  void Keep(const NodePtr& node, const std::vector<Expr>& inputs, const Expr& out) {
    rebuilt_.emplace(node.get(), Rebuilt{nullptr, out, inputs});
    values_.emplace(EntryKey{node.get(), 0}, out.entry());
  }

  // Stateful ops (MXNet's legacy OperatorProperty ops) cannot be rebuilt inside
  // a gradient graph: these stateless ops compute the same values.
  Expr StatelessTwin(const NodePtr& node, const std::vector<Expr>& in) {
    const std::string op = bridge::OpName(node);
    auto attr = [&](const char* key, const char* fallback) {
      return bridge::Attr(node, key, fallback);
    };
    // SliceChannel: equal sections along `axis`
    if (op == "SliceChannel")
      return op::apply("_split_v2", in, {{"indices", "()"},
                                         {"sections", attr("num_outputs", "1")},
                                     {"axis", attr("axis", "1")},
                                     {"squeeze_axis", attr("squeeze_axis", "0")}});
    // SwapAxis(d1, d2) = moveaxis(moveaxis(x, d1 -> d2), d2 -/+ 1 -> d1)
    if (op == "SwapAxis") {
      const long d1 = std::stol(attr("dim1", "0")), d2 = std::stol(attr("dim2", "0"));
      if (d1 == d2) return op::apply("_copy", in);
      const long lo = std::min(d1, d2), hi = std::max(d1, d2);
      const Expr moved = op::apply("_np_moveaxis", in, {{"source", std::to_string(lo)},
                                                    {"destination", std::to_string(hi)}});
      return apply("_np_moveaxis", {moved}, {{"source", std::to_string(hi - 1)},
                                            {"destination", std::to_string(lo)}});
    }
    // constant Pad: NumPy's pad with the flat (before, after, ...) widths paired
    // per axis (NumPy's edge and reflect pads have no gradient in MXNet 1.9.1)
    if (op == "Pad" && attr("mode", "constant") == "constant") {
      std::vector<long> widths;
      std::string text = attr("pad_width", "()");
      for (char& c : text)
        if (c == '(' || c == ')' || c == ',' || c == '[' || c == ']') c = ' ';
      std::istringstream stream(text);
      for (long w; stream >> w;) widths.push_back(w);
      std::string pairs = "(";
      for (size_t i = 0; i + 1 < widths.size(); i += 2)
        pairs += "(" + std::to_string(widths[i]) + "," + std::to_string(widths[i + 1]) + "),";
      pairs += ")";
      return op::apply("_npi_pad", in, {{"pad_width", pairs},
                                    {"mode", "constant"},
                                    {"constant_value", attr("constant_value", "0")}});
    }
    throw Unsupported(node, "it keeps per-call state, which a recorded gradient graph "
                            "cannot hold, and mxnet-ho has no stateless twin for it");
  }

  std::vector<NodePtr> order_;
  std::map<EntryKey, Entry> values_;
  std::map<const nnvm::Node*, Rebuilt> rebuilt_;
  std::map<EntryKey, Entry> aux_copies_;  // copy -> the state it copies
};

// d<heads, G(x)>/dx for the block's graph G: each op's own gradient, chained.
Grads BlockGradient(const Backward& n, const bridge::SymbolGraph& graph) {
  const Entries& node_inputs = bridge::Inputs(n.node());
  Recomputation forward(graph, node_inputs);
  std::map<EntryKey, Expr> grads;  // keyed by the entries of the block's graph
  auto accumulate = [&](const Entry& e, const Expr& g) {
    if (bridge::OpName(g.entry().node) == "_NoGradient") return;
    auto found = grads.find(KeyOf(e));
    if (found == grads.end()) grads.emplace(KeyOf(e), g);
    else found->second = found->second + g;
  };
  for (size_t i = 0; i < graph.outputs.size(); ++i)
    if (!n.head_is_zero(i)) accumulate(graph.outputs[i], Expr(n.head(i).entry(), false));

  const auto& order = forward.order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const NodePtr& node = *it;
    const Recomputation::Rebuilt& rebuilt = forward.rebuilt(node);
    const Entries& inputs = bridge::Inputs(node);
    if (!rebuilt.node) {  // an expression of the node's inputs (one output)
      auto found = grads.find(EntryKey{node.get(), 0});
      if (found == grads.end()) continue;
      const Grads input_grads = vjp(rebuilt.out, rebuilt.inputs, found->second);
      for (size_t j = 0; j < inputs.size(); ++j) accumulate(inputs[j], input_grads[j]);
      continue;
    }
    Entries heads;
    bool any = false;
    for (uint32_t i = 0; i < bridge::NumOutputs(rebuilt.node); ++i) {
      auto found = grads.find(EntryKey{node.get(), i});
      any = any || found != grads.end();
      heads.push_back(found != grads.end()
                          ? found->second.entry()
                          : zeros_like(Expr(Entry{rebuilt.node, i, 0}, false)).entry());
    }
    if (!any) continue;
    if (bridge::GradientPriority(bridge::OpOf(rebuilt.node)) == 0)
      throw std::runtime_error("Operator " + bridge::OpName(rebuilt.node) +
                               " is non-differentiable because it didn't register FGradient "
                               "attribute.");
    const Entries input_grads = bridge::CallGradient(rebuilt.node, heads);
    forward.RestoreAuxInputs(input_grads);
    for (size_t j = 0; j < inputs.size(); ++j) accumulate(inputs[j], Expr(input_grads.at(j), false));
  }

  Grads result;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    auto found = grads.find(EntryKey{graph.inputs[i].get(), 0});
    const bool has = found != grads.end() && !graph.is_aux[i];
    result.push_back(has ? found->second : zeros_like(Expr(node_inputs[i], false)));
  }
  return result;
}

}  // namespace

void RememberCachedOp(const void* cached_op, bridge::SymbolGraph graph) {
  std::lock_guard<std::mutex> lock(g_graphs_mutex);
  Graphs()[cached_op] = std::make_shared<const bridge::SymbolGraph>(std::move(graph));
}

void ForgetCachedOp(const void* cached_op) {
  std::lock_guard<std::mutex> lock(g_graphs_mutex);
  Graphs().erase(cached_op);
}

void SetBackwardMode(bool create_graph, bool train) { t_mode = Mode{create_graph, train}; }

// _CachedOp: first order stock; under create_graph, the block's graph op by op
MXNET_HO_GRADIENT(_CachedOp).keeps_stock().set_rule([](const Backward& n) -> Grads {
  if (!t_mode.create_graph) return n.stock();
  auto graph = GraphOf(bridge::CachedOpOf(n.node()));
  if (!graph) return n.stock();  // not made through mx.nd.CachedOp: stock's own error
  return BlockGradient(n, *graph);
});

}  // namespace op
}  // namespace mxnet_ho
