// The gradient of `_CustomFunction`, the node a Python mx.autograd.Function
// records: its backward is Python code, which runs while recording under
// create_graph so that its own operators form the gradient graph.
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "c_api/c_api_function.h"
#include "dsl/grad_dsl.h"
#include "imperative/cached_op.h"

namespace mxnet_ho {
namespace op {
namespace {

FunctionTracer g_tracer = nullptr;
thread_local std::string t_error;

}  // namespace

void SetFunctionTracer(FunctionTracer tracer) { g_tracer = tracer; }
void SetFunctionError(const char* message) { t_error = message ? message : ""; }

namespace {

// The user's backward B(heads; saved inputs and outputs), traced by Python on
// placeholders, rebuilt over this node's heads, inputs and outputs.
Grads TracedBackward(const Backward& n, const void* function) {
  const Entries& inputs = bridge::Inputs(n.node());
  const int num_in = static_cast<int>(inputs.size());
  const int num_out = static_cast<int>(bridge::NumOutputs(n.node()));
  void* symbol = nullptr;
  std::vector<int> roles(2 * num_in + num_out, 0);
  int num_saved = 0;
  t_error.clear();
  if (g_tracer(function, num_in, num_out, &symbol, roles.data(), &num_saved) != 0)
    throw std::runtime_error(t_error.empty() ? "mxnet-ho: tracing a Function's backward failed"
                                             : t_error);
  const bridge::SymbolGraph traced = bridge::ReadSymbol(symbol);
  std::vector<size_t> given;  // the inputs whose gradient the symbol holds
  for (int j = 0; j < num_in; ++j)
    if (roles[j]) given.push_back(j);
  const size_t heads_at = given.size(), saved_at = heads_at + num_out;
  if (traced.outputs.size() != saved_at + num_saved)
    throw std::runtime_error("mxnet-ho: a Function's traced backward has " +
                             std::to_string(traced.outputs.size()) + " outputs, expected " +
                             std::to_string(saved_at + num_saved));
  // Each placeholder variable stands for a head, an input or an output of this node.
  std::unordered_map<const nnvm::Node*, Entry> bound;
  for (int k = 0; k < num_out; ++k) {
    const Expr out(Entry{n.node(), static_cast<uint32_t>(k), 0}, false);
    bound[traced.outputs[heads_at + k].node.get()] = n.head(k, out).entry();
  }
  for (int s = 0; s < num_saved; ++s) {
    const int role = roles[num_in + s];
    bound[traced.outputs[saved_at + s].node.get()] =
        role >= 0 ? inputs.at(role) : Entry{n.node(), static_cast<uint32_t>(-1 - role), 0};
  }
  Entries values;
  for (const NodePtr& var : traced.inputs) {
    auto found = bound.find(var.get());
    if (found == bound.end())
      throw std::runtime_error(
          "mxnet-ho: the backward of Function " + bridge::NodeName(n.node()) +
          " reads an array that is neither a head nor a saved input or output");
    values.push_back(found->second);
  }
  bridge::SymbolGraph graph = traced;
  graph.outputs.assign(traced.outputs.begin(), traced.outputs.begin() + heads_at);
  const Entries grads = RecomputeGraph(graph, values);
  Grads result;
  for (int j = 0, g = 0; j < num_in; ++j)
    result.push_back(roles[j] ? Expr(grads.at(g++), false) : zeros_like(n.in(j)));
  return result;
}

}  // namespace

// x_bar = B(y_bar; saved inputs and outputs), B the Function's backward run while recording under
// create_graph (its operators differentiated again, saved outputs through this node again); first
// order: stock _backward_CustomFunction (B run as MXNet runs it)
MXNET_HO_GRADIENT(_CustomFunction)
    .keeps_stock()
    .keeps_inputs()
    .keeps_outputs()
    .set_rule([](const Backward& n) -> Grads {
      if (!creating_graph() || g_tracer == nullptr) return n.stock();
      const void* function = bridge::CustomFunctionOf(n.node());
      if (function == nullptr) return n.stock();
      return TracedBackward(n, function);
    });

}  // namespace op
}  // namespace mxnet_ho
