// Symbolic gradients (MXNet 1.9.1's MXSymbolGrad is "not implemented"): every
// op's own gradient chained in reverse over the symbol's graph, as the DSL's vjp
// does inside rules. The result holds forward ops and stock backward ops tied to
// their forward nodes, so executors infer its shapes, and mxnet-ho's rules make
// it differentiable again.
#include "nnvm/gradient.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {

Entries SymbolGradient(const bridge::SymbolGraph& graph, const std::vector<std::string>& wrt,
                       const Entries& head_grads, const KnownShapes& shapes) {
  if (!head_grads.empty() && head_grads.size() != graph.outputs.size())
    throw std::runtime_error("head_grads has " + std::to_string(head_grads.size()) +
                             " entries for a symbol with " + std::to_string(graph.outputs.size()) +
                             " outputs");
  std::vector<Expr> ys, heads, xs;
  for (size_t k = 0; k < graph.outputs.size(); ++k) {
    ys.emplace_back(graph.outputs[k], false);
    heads.push_back(head_grads.empty() ? ones_like(ys.back()) : Expr(head_grads[k], false));
  }
  // Each variable once (vjp gives a repeated x its gradient at one place only).
  std::vector<std::string> distinct;
  for (const std::string& name : wrt) {
    if (std::find(distinct.begin(), distinct.end(), name) != distinct.end()) continue;
    distinct.push_back(name);
    const NodePtr* found = nullptr;
    for (const NodePtr& v : graph.inputs)
      if (bridge::NodeName(v) == name) found = &v;
    if (found == nullptr) {
      std::string names;
      for (const NodePtr& v : graph.inputs)
        names += (names.empty() ? "" : ", ") + bridge::NodeName(v);
      throw std::runtime_error("the symbol has no input named '" + name +
                               "' (its inputs: " + names + ")");
    }
    xs.emplace_back(Entry{*found, 0, 0}, false);
  }
  Entries grads;
  struct SymbolInScope {  // the rules see `shapes` while this gradient is built
    explicit SymbolInScope(const KnownShapes* s) {
      set_known_shapes(s);
      set_building_symbol(true);
    }
    ~SymbolInScope() {
      set_known_shapes(nullptr);
      set_building_symbol(false);
    }
  } scope(shapes.empty() ? nullptr : &shapes);
  try {
    const Grads distinct_grads = vjp(ys, xs, heads);
    for (const std::string& name : wrt) {
      const size_t at = std::find(distinct.begin(), distinct.end(), name) - distinct.begin();
      grads.push_back(distinct_grads[at].entry());
    }
  } catch (const std::runtime_error& e) {
    // A symbol carries no shapes: the fused RNN cannot be unrolled over its
    // sequence length here, so its gradient is stock's first-order kernel.
    if (std::string(e.what()).find("_backward_RNN") == std::string::npos) throw;
    throw std::runtime_error(std::string(e.what()) +
                             ": a symbolic gradient through RNN (the fused recurrent layer) is "
                             "first order only unless the shapes of the symbol's inputs are "
                             "given (mxnet_ho.symbol.grad(..., shapes={name: shape})): higher "
                             "orders unroll the layer over its sequence length, which a symbol "
                             "does not carry");
  }
  return grads;
}

}  // namespace op
}  // namespace mxnet_ho
