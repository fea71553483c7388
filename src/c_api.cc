// The C entry points the Python package calls through ctypes.
#include <string>
#include <unordered_set>
#include <vector>

#include "bridge/bridge.h"
#include "operator/grad_dsl.h"

namespace {

using mxnet_ho::bridge::Entries;
using mxnet_ho::bridge::Entry;
using mxnet_ho::bridge::NodePtr;

thread_local std::string t_result;
thread_local std::string t_error;
bool g_checked = false;
bool g_active = false;

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

// The op nodes a gradient graph adds, stopping at `root` and at variables.
std::string GradientGraphJson(const NodePtr& root, const Entries& grads) {
  std::vector<NodePtr> stack;
  std::unordered_set<const nnvm::Node*> seen{root.get()};
  for (const Entry& e : grads) stack.push_back(e.node);
  std::string nodes;
  while (!stack.empty()) {
    NodePtr node = stack.back();
    stack.pop_back();
    if (!node || !seen.insert(node.get()).second) continue;
    if (mxnet_ho::bridge::OpOf(node) == nullptr) continue;
    std::string attrs;
    for (const auto& kv : mxnet_ho::bridge::Attrs(node))
      attrs += (attrs.empty() ? "" : ",") + JsonString(kv.first) + ":" + JsonString(kv.second);
    nodes += (nodes.empty() ? "" : ",") + std::string("{\"op\":") +
             JsonString(mxnet_ho::bridge::OpName(node)) + ",\"attrs\":{" + attrs + "}}";
    for (const Entry& e : mxnet_ho::bridge::Inputs(node)) stack.push_back(e.node);
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
    for (const auto* entry : mxnet_ho::op::GradientRegistry()) {
      const nnvm::Op* op = mxnet_ho::bridge::FindOp(entry->op());
      if (op == nullptr) continue;  // absent from this build of MXNet
      mxnet_ho::bridge::RegisterGradient(op, *entry);
      ++count;
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

// -1: no such op; 0: no FGradient; else the priority it is registered at.
__attribute__((visibility("default"))) int MXHOGradientPriority(const char* op_name) {
  if (!g_checked) return -1;
  const nnvm::Op* op = mxnet_ho::bridge::FindOp(op_name);
  return op ? mxnet_ho::bridge::GradientPriority(op) : -1;
}

// Builds `op` with the given attributes over placeholder inputs, applies its
// current FGradient to placeholder head gradients and returns, as JSON, the
// op nodes of the resulting gradient graph: {"nodes": [{"op", "attrs"}]},
// or {"error": "..."}.
__attribute__((visibility("default"))) const char* MXHOProbe(const char* op_name, uint32_t n,
                                                             const char** keys,
                                                             const char** values) {
  if (!g_checked) return Result("{\"error\":\"the self-check has not passed\"}");
  try {
    mxnet_ho::bridge::AttrList attrs;
    for (uint32_t i = 0; i < n; ++i) attrs.emplace_back(keys[i], values[i]);
    NodePtr node = mxnet_ho::bridge::MakePlaceholderNode(op_name, attrs);
    Entries heads;
    for (uint32_t i = 0; i < mxnet_ho::bridge::NumOutputs(node); ++i)
      heads.push_back(Entry{mxnet_ho::bridge::MakeVariable("head" + std::to_string(i)), 0, 0});
    Entries grads = mxnet_ho::bridge::CallGradient(node, heads);
    return Result(GradientGraphJson(node, grads));
  } catch (const std::exception& e) {
    return Result("{\"error\":" + JsonString(e.what()) + "}");
  }
}

}  // extern "C"
