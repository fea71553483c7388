// The C entry points the Python package calls through ctypes.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "bridge/bridge.h"
#include "c_api/c_api_function.h"
#include "dsl/grad_dsl.h"
#include "imperative/cached_op.h"
#include "nnvm/gradient.h"

namespace {

using mxnet_ho::bridge::Entries;
using mxnet_ho::bridge::Entry;
using mxnet_ho::bridge::NodePtr;

thread_local std::string t_result;
thread_local std::string t_error;
bool g_checked = false;
bool g_active = false;
// The ops (by identity: an alias names the same op) given a rule of mxnet-ho's.
std::unordered_set<const nnvm::Op*> g_rule_ops;

const char* Result(std::string text) {
  t_result = std::move(text);
  return t_result.c_str();
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[(c >> 4) & 0xf];
      out += hex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// Variables standing for the head gradients of `node`'s outputs.
Entries PlaceholderHeads(const NodePtr& node) {
  Entries heads;
  for (uint32_t i = 0; i < mxnet_ho::bridge::NumOutputs(node); ++i)
    heads.push_back(Entry{mxnet_ho::bridge::MakeVariable("head" + std::to_string(i)), 0, 0});
  return heads;
}

// The op nodes reachable from `grads`, stopping at `root` and at variables.
std::vector<NodePtr> GraphNodes(const NodePtr& root, const Entries& grads) {
  std::vector<NodePtr> stack, found;
  std::unordered_set<const nnvm::Node*> seen{root.get()};
  for (const Entry& e : grads) stack.push_back(e.node);
  while (!stack.empty()) {
    NodePtr node = stack.back();
    stack.pop_back();
    if (!node || !seen.insert(node.get()).second) continue;
    if (mxnet_ho::bridge::OpOf(node) == nullptr) continue;
    found.push_back(node);
    for (const Entry& e : mxnet_ho::bridge::Inputs(node)) stack.push_back(e.node);
  }
  return found;
}

// {"op", "attrs"} of one node, as JSON.
std::string NodeJson(const NodePtr& node) {
  std::string attrs;
  for (const auto& kv : mxnet_ho::bridge::Attrs(node))
    attrs += (attrs.empty() ? "" : ",") + JsonString(kv.first) + ":" + JsonString(kv.second);
  return "{\"op\":" + JsonString(mxnet_ho::bridge::OpName(node)) + ",\"attrs\":{" + attrs + "}";
}

// {"nodes": [{"op", "attrs", "grad_ops" | "grad_error"}]}: each node of the
// gradient graph, with the nodes ({"op", "attrs"}) of that node's own gradient
// graph, built on the node itself (backward ops of legacy operators cannot be
// rebuilt from attributes alone: their input count depends on their forward node).
std::string GradientGraphJson(const NodePtr& root, const Entries& grads) {
  std::string nodes;
  for (const NodePtr& node : GraphNodes(root, grads)) {
    std::string next;
    if (mxnet_ho::bridge::GradientPriority(mxnet_ho::bridge::OpOf(node)) > 0) {
      try {
        std::string ops;
        for (const NodePtr& g :
             GraphNodes(node, mxnet_ho::bridge::CallGradient(node, PlaceholderHeads(node))))
          ops += (ops.empty() ? "" : ",") + NodeJson(g) + "}";
        next = ",\"grad_ops\":[" + ops + "]";
      } catch (const std::exception& e) {
        next = ",\"grad_error\":" + JsonString(e.what());
      }
    }
    nodes += (nodes.empty() ? "" : ",") + NodeJson(node) + next + "}";
  }
  return "{\"nodes\":[" + nodes + "]}";
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) const char* MXHOSelfCheck(int expected_version) {
  std::string failure = mxnet_ho::bridge::SelfCheck(expected_version);
  g_checked = failure.empty();
  return Result(failure);
}

__attribute__((visibility("default"))) const char* MXHOLastError() { return t_error.c_str(); }

__attribute__((visibility("default"))) int MXHOActivate() {
  if (!g_checked) {
    t_error = "the self-check has not passed";
    return -1;
  }
  try {
    int count = 0;
    for (auto* entry : mxnet_ho::op::GradientRegistry()) {
      const nnvm::Op* op = mxnet_ho::bridge::FindOp(entry->op());
      if (op == nullptr) continue;  // absent from this build of MXNet
      if (entry->has_keeps_stock() && !g_active) {
        mxnet_ho::bridge::Gradient stock = mxnet_ho::bridge::CurrentGradient(op);
        if (!stock) throw std::runtime_error(entry->op() + " has no stock FGradient to keep");
        entry->set_stock(std::move(stock));
      }
      mxnet_ho::bridge::RegisterGradient(op, *entry);
      g_rule_ops.insert(op);
      ++count;
    }
    // Every other op with a gradient keeps stock's, which then skips zero heads
    // of higher-order passes (the user's Custom ops run their backward as ever).
    for (const std::string& name : mxnet_ho::bridge::AllOpNames()) {
      const nnvm::Op* op = mxnet_ho::bridge::FindOp(name);
      const int priority = op ? mxnet_ho::bridge::GradientPriority(op) : 0;
      if (priority <= 0 || priority >= mxnet_ho::bridge::kPriority || name == "Custom") continue;
      mxnet_ho::bridge::RegisterGradient(
          op, mxnet_ho::op::SkippingZeroHeads(mxnet_ho::bridge::CurrentGradient(op)));
    }
    g_active = true;
    return count;
  } catch (const std::exception& e) {
    t_error = e.what();
    return -1;
  }
}

__attribute__((visibility("default"))) int MXHOIsActive() { return g_active ? 1 : 0; }

// Every op that has a rule here, one per line.
__attribute__((visibility("default"))) const char* MXHORuleOps() {
  std::vector<std::string> names;
  for (const auto* entry : mxnet_ho::op::GradientRegistry()) names.push_back(entry->op());
  return Result(JoinLines(names));
}

// 1 where the op (or the op it aliases) has one of mxnet-ho's rules, else 0.
__attribute__((visibility("default"))) int MXHOHasRule(const char* op_name) {
  if (!g_active) return 0;
  return g_rule_ops.count(mxnet_ho::bridge::FindOp(op_name)) ? 1 : 0;
}

// -1: no such op; 0: no FGradient; else the priority it is registered at.
__attribute__((visibility("default"))) int MXHOGradientPriority(const char* op_name) {
  if (!g_checked) return -1;
  const nnvm::Op* op = mxnet_ho::bridge::FindOp(op_name);
  return op ? mxnet_ho::bridge::GradientPriority(op) : -1;
}

// "name=3,2,4;name2=5" -> {(name, (3, 2, 4)), (name2, (5,))}.
mxnet_ho::op::KnownShapes ParseShapes(const std::string& spec) {
  mxnet_ho::op::KnownShapes shapes;
  size_t at = 0;
  while (at < spec.size()) {
    const size_t end = std::min(spec.find(';', at), spec.size());
    const std::string item = spec.substr(at, end - at);
    const size_t eq = item.find('=');
    if (eq == std::string::npos) throw std::runtime_error("bad shape spec " + item);
    std::vector<long> dims;
    for (size_t d = eq + 1; d < item.size();) {
      const size_t comma = std::min(item.find(',', d), item.size());
      dims.push_back(std::stol(item.substr(d, comma - d)));
      d = comma + 1;
    }
    shapes.emplace_back(item.substr(0, eq), dims);
    at = end + 1;
  }
  return shapes;
}

// A probe builds a gradient as a higher-order pass does (under create_graph:
// keeps_stock rules give their composed form), with the shapes of some
// placeholders known (a fused RNN's sequence length, a loop's data).
struct ProbeScope {
  explicit ProbeScope(const mxnet_ho::op::KnownShapes* shapes) {
    mxnet_ho::op::set_backward_mode(true, true);
    mxnet_ho::op::set_known_shapes(shapes->empty() ? nullptr : shapes);
  }
  ~ProbeScope() {
    mxnet_ho::op::set_backward_mode(false, true);
    mxnet_ho::op::set_known_shapes(nullptr);
  }
};

// The gradient graph of `node` (its op nodes and theirs, as JSON) built by its
// current FGradient on placeholder head gradients: {"nodes": [{"op", "attrs"}]},
// or {"error": "..."}.
const char* ProbeNode(const NodePtr& node, const char* shape_spec) {
  const mxnet_ho::op::KnownShapes shapes = ParseShapes(shape_spec ? shape_spec : "");
  const ProbeScope scope(&shapes);
  Entries grads = mxnet_ho::bridge::CallGradient(node, PlaceholderHeads(node));
  return Result(GradientGraphJson(node, grads));
}

// The gradient graph of `op` built with the given attributes over placeholder
// inputs (named input0, input1, ...; `shape_spec` may give their shapes).
__attribute__((visibility("default"))) const char* MXHOProbe(const char* op_name, uint32_t n,
                                                             const char** keys, const char** values,
                                                             const char* shape_spec) {
  if (!g_checked) return Result("{\"error\":\"the self-check has not passed\"}");
  try {
    mxnet_ho::bridge::AttrList attrs;
    for (uint32_t i = 0; i < n; ++i) attrs.emplace_back(keys[i], values[i]);
    return ProbeNode(mxnet_ho::bridge::MakePlaceholderNode(op_name, attrs), shape_spec);
  } catch (const std::exception& e) {
    return Result("{\"error\":" + JsonString(e.what()) + "}");
  }
}

// The same for the node computing output 0 of a symbol (ops that need a real
// graph around them: control flow with its subgraphs); `shape_spec` names the
// symbol's variables.
__attribute__((visibility("default"))) const char* MXHOProbeSymbol(void* symbol_handle,
                                                                   const char* shape_spec) {
  if (!g_checked) return Result("{\"error\":\"the self-check has not passed\"}");
  try {
    return ProbeNode(mxnet_ho::bridge::ReadSymbolOutputs(symbol_handle).at(0).node, shape_spec);
  } catch (const std::exception& e) {
    return Result("{\"error\":" + JsonString(e.what()) + "}");
  }
}

// Records the graph a CachedOp runs (its symbol), for the gradient of the
// `_CachedOp` nodes it records. 0 on success, else -1 (MXHOLastError).
__attribute__((visibility("default"))) int MXHORememberCachedOp(void* cached_op_handle,
                                                                void* symbol_handle) {
  if (!g_checked) {
    t_error = "the self-check has not passed";
    return -1;
  }
  try {
    mxnet_ho::op::RememberCachedOp(mxnet_ho::bridge::CachedOpOfHandle(cached_op_handle),
                                   mxnet_ho::bridge::ReadSymbol(symbol_handle));
    return 0;
  } catch (const std::exception& e) {
    t_error = e.what();
    return -1;
  }
}

// The symbol a CachedOp should run so that its gradient can reuse what the
// graph draws at random: `symbol_handle`'s outputs followed by the drawn
// entries (RandomOutputs), in *out (free it with MXSymbolFree); *out is null
// when the graph draws nothing. 0 on success, else -1 (MXHOLastError).
__attribute__((visibility("default"))) int MXHOExposeRandomOutputs(void* symbol_handle,
                                                                   void** out) {
  *out = nullptr;
  if (!g_checked) {
    t_error = "the self-check has not passed";
    return -1;
  }
  try {
    Entries outputs = mxnet_ho::bridge::ReadSymbolOutputs(symbol_handle);
    const Entries drawn = mxnet_ho::op::RandomOutputs(outputs);
    if (drawn.empty()) return 0;
    outputs.insert(outputs.end(), drawn.begin(), drawn.end());
    *out = mxnet_ho::bridge::NewSymbol(outputs);
    return 0;
  } catch (const std::exception& e) {
    t_error = e.what();
    return -1;
  }
}

__attribute__((visibility("default"))) void MXHOForgetCachedOp(void* cached_op_handle) {
  if (g_checked) mxnet_ho::op::ForgetCachedOp(mxnet_ho::bridge::CachedOpOfHandle(cached_op_handle));
}

// The CachedOp behind a handle, and behind the node that computed output 0 of
// a symbol (0 when that is no _CachedOp): equal when the bridge reads nodes right.
__attribute__((visibility("default"))) const void* MXHOCachedOpOfHandle(void* handle) {
  return g_checked ? mxnet_ho::bridge::CachedOpOfHandle(handle) : nullptr;
}
__attribute__((visibility("default"))) const void* MXHOCachedOpOfSymbol(void* symbol_handle) {
  if (!g_checked) return nullptr;
  const Entries outputs = mxnet_ho::bridge::ReadSymbolOutputs(symbol_handle);
  return outputs.empty() ? nullptr : mxnet_ho::bridge::CachedOpOf(outputs[0].node);
}

// What the backward pass about to run was asked for (set around each call).
__attribute__((visibility("default"))) void MXHOSetBackwardMode(int create_graph, int train) {
  mxnet_ho::op::set_backward_mode(create_graph != 0, train != 0);
}

// The gradients of `symbol` (weighted by the outputs of `head_grads`, or by ones
// when it is null) with respect to its inputs named `wrt`, as a new symbol with
// one output per name. 0 on success, else -1 (MXHOLastError).
// `shapes`: the shapes of `num_shapes` of its inputs (names `shape_names`, shape
// k the `shape_ndims[k]` numbers from `shape_dims` on, one after another), or 0.
__attribute__((visibility("default"))) int MXHOSymbolGrad(
    void* symbol, uint32_t num_wrt, const char** wrt, void* head_grads, uint32_t num_shapes,
    const char** shape_names, const uint32_t* shape_ndims, const int64_t* shape_dims, void** out) {
  if (!g_active) {
    t_error = "mxnet-ho is not active (MXNET_HO_DISABLE, or it failed to load)";
    return -1;
  }
  try {
    const std::vector<std::string> names(wrt, wrt + num_wrt);
    const Entries heads = head_grads ? mxnet_ho::bridge::ReadSymbolOutputs(head_grads) : Entries();
    std::vector<std::pair<std::string, std::vector<long>>> shapes;
    for (uint32_t k = 0, at = 0; k < num_shapes; at += shape_ndims[k++])
      shapes.emplace_back(shape_names[k],
                          std::vector<long>(shape_dims + at, shape_dims + at + shape_ndims[k]));
    const Entries grads =
        mxnet_ho::op::SymbolGradient(mxnet_ho::bridge::ReadSymbol(symbol), names, heads, shapes);
    mxnet_ho::bridge::DistinguishTiedNodes(grads);
    *out = mxnet_ho::bridge::NewSymbol(grads);
    return 0;
  } catch (const std::exception& e) {
    t_error = e.what();
    return -1;
  }
}

// The tracer the `_CustomFunction` gradient asks for a Function's backward under
// create_graph (mxnet_ho.function; c_api/c_api_function.h); null: none.
__attribute__((visibility("default"))) void MXHOSetFunctionTracer(void* tracer) {
  mxnet_ho::op::SetFunctionTracer(reinterpret_cast<mxnet_ho::op::FunctionTracer>(tracer));
}

// The tracer's message for its failure, read when it returns -1.
__attribute__((visibility("default"))) void MXHOSetFunctionError(const char* message) {
  mxnet_ho::op::SetFunctionError(message);
}

// The MXCallbackList of the `_CustomFunction` node computing a symbol's output 0
// (an autograd symbol), or null: the self-check that Python and the library
// name a Function alike.
__attribute__((visibility("default"))) const void* MXHOCustomFunctionOfSymbol(void* symbol_handle) {
  if (!g_checked) return nullptr;
  try {
    return mxnet_ho::bridge::CustomFunctionOf(
        mxnet_ho::bridge::ReadSymbolOutputs(symbol_handle).at(0).node);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // extern "C"
