// The bridge: mxnet-ho's only contact with MXNet 1.9.1's internals.
//
// The stock wheels were compiled by GCC 4.8 with a different layout for
// std::unordered_map (so nnvm::NodeAttrs and nnvm::Node differ in size) and a
// different std::function calling convention for by-value arguments
// (docs/BINARY-FACTS.md, "3. Layouts that differ" and "5. std::function calling
// convention"). Everything that depends on those facts lives in bridge.cc and
// is verified by SelfCheck() before any rule is registered.
// Code outside the bridge treats nodes as opaque handles.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nnvm/node.h>
#include <nnvm/op_attr_types.h>

namespace mxnet_ho {
namespace bridge {

using Entry = nnvm::NodeEntry;
using NodePtr = nnvm::ObjectPtr;
using Entries = std::vector<Entry>;
using AttrList = std::vector<std::pair<std::string, std::string>>;
using Gradient = nnvm::FGradient;

// Priority of our FGradient registrations; the stock ones use 10.
constexpr int kPriority = 11;

// Verifies every layout and calling-convention assumption against the loaded
// libmxnet.so, which must report `expected_version` (10901 for 1.9.1).
// Returns an empty string when all hold, else what failed.
// Must succeed before any other function below is used.
std::string SelfCheck(int expected_version);

// The MXNet version the running binary reports (e.g. 10901).
int MXNetVersion();

// --- the operator registry ------------------------------------------------
// nullptr when no operator has that name.
const nnvm::Op* FindOp(const std::string& name);
// The names of every registered operator.
std::vector<std::string> AllOpNames();
// Whether the op has an FGradient registered at any priority, and at which.
int GradientPriority(const nnvm::Op* op);  // 0 when none
// Install `fn` as the op's FGradient above the stock priority.
void RegisterGradient(const nnvm::Op* op, Gradient fn);
// The FGradient currently registered for the node's op, applied to it.
Entries CallGradient(const NodePtr& node, const Entries& heads);
// A copy of the op's FGradient as registered now (empty when it has none).
Gradient CurrentGradient(const nnvm::Op* op);
// Inputs / outputs counts the op declares for these attributes.
uint32_t NumInputs(const NodePtr& node);
uint32_t NumOutputs(const NodePtr& node);

// --- nodes ----------------------------------------------------------------
// A node of `op` with `inputs`, its attributes parsed by MXNet itself.
// Throws std::runtime_error with MXNet's message when MXNet rejects it.
NodePtr MakeNode(const std::string& op, const Entries& inputs, const AttrList& attrs,
                 const std::string& name);
// A placeholder variable node (used by the coverage probe).
NodePtr MakeVariable(const std::string& name);
// A node of `op` whose inputs are fresh placeholder variables.
NodePtr MakePlaceholderNode(const std::string& op, const AttrList& attrs);

// MXNet also calls gradients with null nodes standing for inputs and heads
// (Imperative::GetBackwardDependency); these accept them.
const nnvm::Op* OpOf(const NodePtr& node);  // nullptr for variables and null
std::string OpName(const NodePtr& node);    // "" for variables and null
std::string NodeName(const NodePtr& node);
const Entries& Inputs(const NodePtr& node);
// Points input i of a node a rule has just built at `entry` instead.
void SetInput(const NodePtr& node, size_t i, const Entry& entry);
// The nodes a node must run after: a backward op's forward node, which it reads
// its shapes (and, for legacy ops, its state) from.
const std::vector<NodePtr>& ControlDeps(const NodePtr& node);
void SetControlDeps(const NodePtr& node, const std::vector<NodePtr>& deps);
// Gives every node of the graph that is tied to a forward node (control
// dependencies: a stock backward op reads its shapes there) an attribute
// "__mxnet_ho_tie__" naming the nodes it is tied to. MXNet's common-expression elimination (graph
// executor and CachedOp) compares op, attributes and inputs but not control
// dependencies, so two backward nodes of different forward nodes that read the
// same head (the _backward_sum of sum(a) + sum(b)) would become one, with one
// forward node's shapes (docs/BINARY-FACTS.md).
void DistinguishTiedNodes(const Entries& outputs);
// The node's attribute `key` as the user wrote it, or `fallback`.
std::string Attr(const NodePtr& node, const std::string& key, const std::string& fallback);
// All user-visible attributes of the node (MXNet's parsed dict).
AttrList Attrs(const NodePtr& node);
// Whether the op keeps per-call state (FCreateOpState: Dropout, RNN, _CachedOp,
// ...). Such an op cannot run inside a gradient graph that MXNet records under
// create_graph: Imperative::Backward sizes its state table for the forward nodes.
bool IsStateful(const nnvm::Op* op);

// --- arrays that autograd recorded (imperative mode) ---------------------------
// A node recorded by autograd (an op run under autograd.record(), or a marked or
// implicit variable) holds the arrays of its outputs in its Imperative::AGInfo,
// with their shapes even where the array itself was not kept. The shape of output
// `e.index` of `e.node` there: false when the node holds no recording (a symbol's
// node, a hybridized graph's node, one whose recording was cleared) or the shape
// is unknown (docs/BINARY-FACTS.md, "8. Autograd's recorded arrays").
bool RecordedShape(const Entry& e, std::vector<long>* shape);
// The dtype (mshadow's flag: 0 float32, 1 float64, ...) and device type (1 CPU,
// 2 GPU) of that recorded array: false where the array itself was not kept.
bool RecordedTypeAndDevice(const Entry& e, int* dtype, int* dev_type);
// Whether autograd recorded `e.node` but kept no array for output `e.index` (its
// consumers' gradients did not read it): a node of a backward pass reading `e`
// would read an unallocated array. False for a node holding no recording.
bool RecordedArrayDropped(const Entry& e);
// Whether MXNet runs its fused RNN on MKL-DNN for float32 CPU arrays: the binary
// has MKL-DNN, and neither MXNET_MKLDNN_ENABLED nor MXNET_USE_MKLDNN_RNN turns
// it off (values MXNet would read as off, or cannot be sure of, count as off).
bool MkldnnRnnEnabled();
// The dtype of `e` inferred over its graph from the dtypes of some of the
// graph's variables (by name), as InferShape; -1 where it cannot be inferred.
int InferType(const Entry& e, const std::vector<std::pair<std::string, int>>& known);
// The shape of `e` inferred over its graph from the shapes of some of the
// graph's variables (by name; names the graph lacks are ignored): MXNet's own
// partial shape inference. Empty where it cannot be inferred.
std::vector<long> InferShape(const Entry& e,
                             const std::vector<std::pair<std::string, std::vector<long>>>& known);
// The same for several entries of one graph, in one inference.
std::vector<std::vector<long>> InferShapes(
    const Entries& entries, const std::vector<std::pair<std::string, std::vector<long>>>& known);

// --- hybridized graphs (CachedOp) -------------------------------------------
// A hybridized block runs as one `_CachedOp` node whose attrs.parsed holds the
// CachedOp. These name that CachedOp by an opaque key, from the node or from a
// C API CachedOpHandle (both hold a shared_ptr<CachedOp>); nullptr when the
// node is not a `_CachedOp` or holds none.
const void* CachedOpOf(const NodePtr& node);
const void* CachedOpOfHandle(void* cached_op_handle);
// A Python autograd.Function records one `_CustomFunction` node whose
// attrs.parsed holds its parameters, with the MXCallbackList Python made for it
// (the context MXCustomFunctionRecord was given): that list's address, which
// names the Function; nullptr when the node is not a `_CustomFunction`.
const void* CustomFunctionOf(const NodePtr& node);
// A C API SymbolHandle's graph: its outputs, and its input variables in the
// order CachedOp takes them (MXNet's list_inputs), each with whether it is an
// auxiliary state (mutated by its op, e.g. BatchNorm's moving statistics).
struct SymbolGraph {
  Entries outputs;
  std::vector<NodePtr> inputs;
  std::vector<bool> is_aux;
};
SymbolGraph ReadSymbol(void* symbol_handle);
// The graph of a control-flow node's subgraph i (attrs.subgraphs: _foreach's
// loop body, ...), read as ReadSymbol reads a symbol; throws where it has none.
SymbolGraph ReadSubgraph(const NodePtr& node, size_t i);
Entries ReadSymbolOutputs(void* symbol_handle);
// A new C API SymbolHandle with these outputs (the caller frees it, MXSymbolFree).
void* NewSymbol(const Entries& outputs);

}  // namespace bridge
}  // namespace mxnet_ho
