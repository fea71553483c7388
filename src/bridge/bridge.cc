// The bridge to MXNet 1.9.1's internals. See bridge.h and docs/BINARY-FACTS.md
// (cited by section below) for why each piece is done the way it is.
#include "bridge/bridge.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>

#include <dmlc/any.h>
#include <mxnet/imperative.h>
#include <mxnet/op_attr_types.h>
#include <nnvm/op.h>
#include <nnvm/symbolic.h>

// The MXNet C API entry points we use (declared here rather than by including
// both c_api.h headers, whose handle typedefs collide).
extern "C" {
int MXGetVersion(int* out);
const char* MXGetLastError();
int NNGetOpHandle(const char* op_name, void** op_out);
int NNListAllOpNames(uint32_t* out_size, const char*** out_array);
int MXSymbolCreateAtomicSymbol(void* creator, uint32_t num_param, const char** keys,
                               const char** vals, void** out);
int MXSymbolCreateVariable(const char* name, void** out);
int MXSymbolCompose(void* sym, const char* name, uint32_t num_args, const char** keys, void** args);
int MXSymbolFree(void* symbol);
int MXSymbolGetAttr(void* symbol, const char* key, const char** out, int* success);
int MXSymbolSetAttr(void* symbol, const char* key, const char* value);
int MXSymbolListAttrShallow(void* symbol, uint32_t* out_size, const char*** out);
int MXSymbolSaveToJSON(void* symbol, const char** out_json);
int MXSymbolListAuxiliaryStates(void* symbol, uint32_t* out_size, const char*** out);
int NNSymbolListInputNames(void* symbol, int option, uint32_t* out_size, const char*** out);
int MXSymbolInferShapePartialEx(void* sym, uint32_t num_args, const char** keys,
                                const uint32_t* arg_ind_ptr, const int* arg_shape_data,
                                uint32_t* in_shape_size, const int** in_shape_ndim,
                                const int*** in_shape_data, uint32_t* out_shape_size,
                                const int** out_shape_ndim, const int*** out_shape_data,
                                uint32_t* aux_shape_size, const int** aux_shape_ndim,
                                const int*** aux_shape_data, int* complete);
int MXNDArrayCreateEx(const uint32_t* shape, uint32_t ndim, int dev_type, int dev_id,
                      int delay_alloc, int dtype, void** out);
int MXNDArrayFree(void* handle);
int MXNDArrayGetShapeEx(void* handle, int* out_dim, const int** out_pdata);
int MXNDArrayGetData(void* handle, void** out_pdata);
int MXNDArrayWaitToRead(void* handle);
int MXImperativeInvokeEx(void* creator, int num_inputs, void** inputs, int* num_outputs,
                         void*** outputs, int num_params, const char** param_keys,
                         const char** param_vals, const int** out_stypes);
int MXAutogradSetIsRecording(int is_recording, int* prev);
int MXAutogradMarkVariables(uint32_t num_var, void** var_handles, uint32_t* reqs_array,
                            void** grad_handles);
int MXAutogradGetSymbol(void* handle, void** out);
int MXNDArrayGetDType(void* handle, int* out_dtype);
int MXNDArrayGetContext(void* handle, int* out_dev_type, int* out_dev_id);
int MXSymbolInferTypePartial(void* sym, uint32_t num_args, const char** keys,
                             const int* arg_type_data, uint32_t* in_type_size,
                             const int** in_type_data, uint32_t* out_type_size,
                             const int** out_type_data, uint32_t* aux_type_size,
                             const int** aux_type_data, int* complete);
}
// MXLibInfoFeatures and its LibFeature come with mxnet/c_api.h (via mxnet/imperative.h).

namespace {

using mxnet_ho::bridge::Entries;
using mxnet_ho::bridge::Entry;
using mxnet_ho::bridge::Gradient;
using mxnet_ho::bridge::NodePtr;
using GradientMap = nnvm::OpMap<Gradient>;
using GradientSlots = std::vector<std::pair<Gradient, int>>;

// --- access to private members that the headers declare --------------------
// Explicit instantiation may name private members; this reads their offsets
// from the very headers the binary was built with (layouts unchanged there:
// docs/BINARY-FACTS.md, "4. Layouts that agree").
template <typename Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type Get(Tag) { return Member; }
};
struct OpIndexTag {
  using type = uint32_t nnvm::Op::*;
  friend type Get(OpIndexTag);
};
struct GradientSlotsTag {
  using type = GradientSlots GradientMap::*;
  friend type Get(GradientSlotsTag);
};
struct GetAttrMapTag {
  using type = const dmlc::any* (*)(const std::string&);
  friend type Get(GetAttrMapTag);
};
template struct Expose<OpIndexTag, &nnvm::Op::index_>;
template struct Expose<GradientSlotsTag, &GradientMap::data_>;
template struct Expose<GetAttrMapTag, &nnvm::Op::GetAttrMap>;

// --- Op::UpdateAttrMap with GCC 4.8's std::function convention --------------
// The binary's std::function<void(dmlc::any*)> invokes its target as
// invoker(storage, any_ptr), passing the pointer by value; ours would expect a
// reference. So we hand the binary a std::function laid out by hand
// (docs/BINARY-FACTS.md, "5. std::function calling convention"; the symbol is
// exported: "2. What the binary exports").
struct LegacyUpdater {
  const void* storage[2];
  bool (*manager)(void* dest, const void* source, int operation);
  void (*invoker)(const void* storage, dmlc::any* map);
};
static_assert(sizeof(LegacyUpdater) == sizeof(std::function<void(dmlc::any*)>),
              "std::function layout");

// A by-value class argument is passed by address in the Itanium ABI.
extern "C" void UpdateAttrMapInBinary(const std::string& key, LegacyUpdater* updater) __asm__(
    "_ZN4nnvm2Op13UpdateAttrMapERKSsSt8functionIFvPN4dmlc3anyEEE");

bool LegacyManager(void* dest, const void* source, int operation) {
  enum { kTypeInfo = 0, kFunctorPtr = 1, kClone = 2, kDestroy = 3 };
  switch (operation) {
    case kTypeInfo:
      *static_cast<const std::type_info**>(dest) = &typeid(LegacyUpdater);
      break;
    case kFunctorPtr:
      *static_cast<const void**>(dest) = source;
      break;
    case kClone:
      std::memcpy(dest, source, sizeof(LegacyUpdater::storage));
      break;
    default:  // kDestroy: the storage owns nothing
      break;
  }
  return false;
}

struct InstallRequest {
  const nnvm::Op* op;
  const Gradient* gradient;
  std::string error;
};

void InstallGradient(const void* storage, dmlc::any* map_any) {
  auto* request = *static_cast<InstallRequest* const*>(storage);
  try {
    if (map_any->empty()) throw std::runtime_error("the FGradient attribute map is empty");
    GradientSlots& slots = nnvm::get<GradientMap>(*map_any).*Get(GradientSlotsTag());
    const uint32_t index = request->op->*Get(OpIndexTag());
    if (slots.size() <= index) slots.resize(index + 1, std::make_pair(Gradient(), 0));
    if (slots[index].second <= mxnet_ho::bridge::kPriority)
      slots[index] = std::make_pair(*request->gradient, mxnet_ho::bridge::kPriority);
  } catch (const std::exception& e) {
    request->error = e.what();
  }
}

const GradientMap& GradientAttr() {
  const dmlc::any* map = Get(GetAttrMapTag())("FGradient");
  if (map == nullptr) throw std::runtime_error("MXNet has no FGradient attribute map");
  return nnvm::get<GradientMap>(*map);
}

// --- where Node::inputs lives in the binary's nnvm::Node --------------------
// docs/BINARY-FACTS.md, "3. Layouts that differ": found at load time, never
// hard-coded; the fields around it are reached from it.
size_t g_inputs_offset = 0;

// attrs.parsed in the binary's Node: the dmlc::any just before attrs.subgraphs,
// which ends where inputs begins (NodeAttrs is 120 bytes there, inputs at 120:
// parsed@64, subgraphs@96). A dmlc::any is a type pointer then its storage; a
// shared_ptr (16 bytes) is stored inline, element pointer first.
constexpr size_t kSubgraphsBytes = sizeof(std::vector<std::shared_ptr<nnvm::Symbol>>);
constexpr size_t kAnyBytes = sizeof(dmlc::any);
static_assert(kAnyBytes == 32, "dmlc::any layout (docs/BINARY-FACTS.md, 4)");

const void* ParsedSharedPointee(const NodePtr& node) {
  const char* parsed =
      reinterpret_cast<const char*>(node.get()) + g_inputs_offset - kSubgraphsBytes - kAnyBytes;
  const void* type = *reinterpret_cast<const void* const*>(parsed);
  if (type == nullptr) return nullptr;  // empty any
  return *reinterpret_cast<const void* const*>(parsed + sizeof(void*));
}

// attrs.subgraphs in the binary's Node: the vector that ends where inputs begins.
using Subgraphs = std::vector<std::shared_ptr<nnvm::Symbol>>;
const Subgraphs& SubgraphsAt(const NodePtr& node) {
  return *reinterpret_cast<const Subgraphs*>(reinterpret_cast<const char*>(node.get()) +
                                             g_inputs_offset - kSubgraphsBytes);
}

Entries& InputsAt(const NodePtr& node) {
  return *reinterpret_cast<Entries*>(reinterpret_cast<char*>(node.get()) + g_inputs_offset);
}

// Node::control_deps follows inputs (nnvm/node.h; same in the binary).
std::vector<NodePtr>& ControlDepsAt(const NodePtr& node) {
  return *reinterpret_cast<std::vector<NodePtr>*>(reinterpret_cast<char*>(node.get()) +
                                                  g_inputs_offset + sizeof(Entries));
}

// Node::info, the dmlc::any where autograd keeps a recorded node's
// Imperative::AGInfo, follows control_deps (nnvm/node.h; same in the binary).
// dmlc::any is a pointer to its type's table {destroy, create_from_data,
// std::type_info*}, then its storage; AGInfo (far over 24 bytes) lives on the
// heap, the storage's first word pointing at it (docs/BINARY-FACTS.md, 8).
struct AnyTypeTable {
  void (*destroy)(void*);
  void (*create_from_data)(void*, const void*);
  const std::type_info* ptype_info;
};
struct AnyView {
  const AnyTypeTable* type;
  const void* heap;
};
static_assert(sizeof(AnyView) <= sizeof(dmlc::any), "dmlc::any layout");

using AGInfo = mxnet::Imperative::AGInfo;

// The AGInfo a node holds, or nullptr: its type checked by the mangled name of
// AGInfo, which GCC writes alike in both compilers.
const AGInfo* RecordedInfo(const NodePtr& node) {
  if (!node) return nullptr;
  const char* info = reinterpret_cast<const char*>(node.get()) + g_inputs_offset + sizeof(Entries) +
                     sizeof(std::vector<NodePtr>);
  const AnyView* any = reinterpret_cast<const AnyView*>(info);
  if (any->type == nullptr || any->type->ptype_info == nullptr) return nullptr;
  if (std::strcmp(any->type->ptype_info->name(), typeid(AGInfo).name()) != 0) return nullptr;
  return static_cast<const AGInfo*>(any->heap);
}

// The NDArray a recorded node holds for output i (an NDArray* is the C API's
// NDArrayHandle), or nullptr.
void* RecordedArray(const NodePtr& node, uint32_t i) {
  const AGInfo* info = RecordedInfo(node);
  if (info == nullptr || i >= info->outputs.size()) return nullptr;
  return const_cast<mxnet::NDArray*>(&info->outputs[i]);
}

std::string LastMXNetError() {
  const char* message = MXGetLastError();
  return message ? message : "(no message)";
}

void Check(int status, const std::string& what) {
  if (status != 0) throw std::runtime_error(what + ": " + LastMXNetError());
}

// Nodes are made and read through the C API, never constructed here
// (docs/BINARY-FACTS.md, "6. Making and reading nodes through the C API").
// A symbol handle that frees itself.
struct OwnedSymbol {
  void* handle = nullptr;
  ~OwnedSymbol() {
    if (handle) MXSymbolFree(handle);
  }
  nnvm::Symbol& symbol() { return *static_cast<nnvm::Symbol*>(handle); }
};

// Wraps one node in a stack Symbol so the C API can read its attributes.
struct NodeView {
  nnvm::Symbol symbol;
  explicit NodeView(const NodePtr& node) { symbol.outputs.emplace_back(Entry{node, 0, 0}); }
  void* handle() { return &symbol; }
};

// The JSON MXNet writes for the graph ending in `output`.
std::string SymbolJson(const Entry& output) {
  nnvm::Symbol symbol;
  symbol.outputs.push_back(output);
  const char* json = nullptr;
  Check(MXSymbolSaveToJSON(&symbol, &json), "saving a symbol");
  return json;
}

NodePtr ComposeForCheck(const char* op, const char* name, std::vector<void*> args) {
  void* op_handle = nullptr;
  Check(NNGetOpHandle(op, &op_handle), std::string("no operator ") + op);
  OwnedSymbol sym;
  Check(MXSymbolCreateAtomicSymbol(op_handle, 0, nullptr, nullptr, &sym.handle), op);
  Check(MXSymbolCompose(sym.handle, name, static_cast<uint32_t>(args.size()), nullptr, args.data()),
        op);
  return sym.symbol().outputs.at(0).node;
}

// Finds the byte offset of `inputs` in the binary's Node: the one place where
// a vector of NodeEntry holds exactly the entries the node was composed with.
// Only the node's own bytes are read: `inputs` directly follows `attrs`, which
// is no larger in the binary than in the headers (docs/BINARY-FACTS.md,
// section 3), so it starts at most sizeof(nnvm::NodeAttrs) in. Past the node
// lies the neighbouring heap, where three words can pass for a vector and be
// dereferenced (a load-time segfault, seen twice in some 300 processes).
size_t LocateInputs(const NodePtr& node, const std::vector<const nnvm::Node*>& expected) {
  const size_t want_bytes = expected.size() * sizeof(Entry);
  size_t found = 0;
  for (size_t offset = 16; offset <= sizeof(nnvm::NodeAttrs); offset += sizeof(void*)) {
    const char* base = reinterpret_cast<const char*>(node.get()) + offset;
    const Entry* const* triple = reinterpret_cast<const Entry* const*>(base);
    const char* begin = reinterpret_cast<const char*>(triple[0]);
    const char* end = reinterpret_cast<const char*>(triple[1]);
    const char* cap = reinterpret_cast<const char*>(triple[2]);
    if (begin == nullptr || reinterpret_cast<uintptr_t>(begin) % alignof(Entry) != 0 ||
        end - begin != static_cast<ptrdiff_t>(want_bytes) || cap < end ||
        cap - begin > static_cast<ptrdiff_t>(64 * sizeof(Entry)))
      continue;
    bool same = true;
    for (size_t i = 0; i < expected.size(); ++i)
      same = same && triple[0][i].node.get() == expected[i];
    if (!same) continue;
    if (found != 0) return 0;  // ambiguous
    found = offset;
  }
  return found;
}

std::unordered_map<std::string, void*>& OpHandleCache() {
  static std::unordered_map<std::string, void*> handles;
  return handles;
}
std::mutex g_op_handles_mutex;

void* LookupOpHandle(const std::string& name) {
  std::lock_guard<std::mutex> lock(g_op_handles_mutex);
  auto it = OpHandleCache().find(name);
  if (it != OpHandleCache().end()) return it->second;
  void* handle = nullptr;
  if (NNGetOpHandle(name.c_str(), &handle) != 0) handle = nullptr;
  OpHandleCache()[name] = handle;
  return handle;
}

}  // namespace

namespace mxnet_ho {
namespace bridge {

namespace {
// docs/BINARY-FACTS.md, 8: records exp(x) for a marked (2, 3, 5) array through
// the C API and reads autograd's node back: its AGInfo holds one output array
// (so the vector's stride is sizeof(NDArray)), the very array exp returned (same
// data), with that shape; x's variable node holds x. Restores recording after.
std::string CheckRecordedArrays() {
  struct Handles {
    std::vector<void*> arrays;
    void* symbol = nullptr;
    ~Handles() {
      for (void* a : arrays) MXNDArrayFree(a);
      if (symbol) MXSymbolFree(symbol);
    }
  } h;
  const uint32_t dims[3] = {2, 3, 5};
  void *x = nullptr, *gx = nullptr;
  Check(MXNDArrayCreateEx(dims, 3, 1, 0, 0, 0, &x), "creating an array");
  h.arrays.push_back(x);
  Check(MXNDArrayCreateEx(dims, 3, 1, 0, 0, 0, &gx), "creating an array");
  h.arrays.push_back(gx);
  uint32_t write = 1;
  Check(MXAutogradMarkVariables(1, &x, &write, &gx), "marking a variable");
  int was_recording = 0, ignored = 0;
  Check(MXAutogradSetIsRecording(1, &was_recording), "recording");
  int num_outputs = 0;
  void** outputs = nullptr;
  const int* stypes = nullptr;
  const int status = MXImperativeInvokeEx(LookupOpHandle("exp"), 1, &x, &num_outputs, &outputs, 0,
                                          nullptr, nullptr, &stypes);
  MXAutogradSetIsRecording(was_recording, &ignored);
  Check(status, "recording exp");
  if (num_outputs != 1) return "exp returned " + std::to_string(num_outputs) + " arrays";
  void* y = outputs[0];
  h.arrays.push_back(y);
  Check(MXAutogradGetSymbol(y, &h.symbol), "reading autograd's graph");
  const Entry out = static_cast<nnvm::Symbol*>(h.symbol)->outputs.at(0);
  if (OpName(out.node) != "exp") return "autograd's graph does not end in exp";
  const AGInfo* info = RecordedInfo(out.node);
  if (info == nullptr) return "Node::info of a recorded node does not hold an Imperative::AGInfo";
  const char* const* raw = reinterpret_cast<const char* const*>(&info->outputs);
  if (raw[1] - raw[0] != static_cast<ptrdiff_t>(sizeof(mxnet::NDArray)))
    return "AGInfo::outputs of a one-output node is not one NDArray of " +
           std::to_string(sizeof(mxnet::NDArray)) + " bytes";
  // Reading the data pointer allocates a delay-allocated array that the engine
  // has not yet computed, racing the engine's own allocation (then the two
  // reads below can see different buffers): wait for exp first.
  Check(MXNDArrayWaitToRead(y), "waiting for exp");
  void *recorded = nullptr, *returned = nullptr;
  Check(MXNDArrayGetData(RecordedArray(out.node, 0), &recorded), "reading a recorded array");
  Check(MXNDArrayGetData(y, &returned), "reading an array");
  if (recorded == nullptr || recorded != returned)
    return "the array AGInfo::outputs holds is not the recorded output";
  std::vector<long> shape;
  const std::vector<long> expected{2, 3, 5};
  if (!RecordedShape(out, &shape) || shape != expected)
    return "the recorded output's shape does not read back as (2, 3, 5)";
  if (!RecordedShape(Inputs(out.node).at(0), &shape) || shape != expected)
    return "the recorded variable's shape does not read back as (2, 3, 5)";
  if (RecordedInfo(MakeVariable("mxnet_ho_check_unrecorded")) != nullptr)
    return "a symbol's variable reads as recorded";
  return "";
}
}  // namespace

int MXNetVersion() {
  int version = 0;
  if (MXGetVersion(&version) != 0) return -1;
  return version;
}

// Each check below re-measures one fact of docs/BINARY-FACTS.md in the running
// process (sections 3 to 6); the document lists which.
std::string SelfCheck(int expected_version) {
  try {
    if (MXNetVersion() != expected_version)
      return "libmxnet.so reports version " + std::to_string(MXNetVersion()) + ", expected " +
             std::to_string(expected_version);
    if (sizeof(nnvm::Symbol) != sizeof(Entries) || sizeof(Entry) != 24)
      return "nnvm::Symbol or nnvm::NodeEntry has an unexpected size";

    // Node inputs: compose sin(x) and elemwise_add(x, y) and find them.
    OwnedSymbol x, y;
    Check(MXSymbolCreateVariable("mxnet_ho_check_x", &x.handle), "variable");
    Check(MXSymbolCreateVariable("mxnet_ho_check_y", &y.handle), "variable");
    const nnvm::Node* x_node = x.symbol().outputs.at(0).node.get();
    const nnvm::Node* y_node = y.symbol().outputs.at(0).node.get();
    NodePtr sin_node = ComposeForCheck("sin", "mxnet_ho_check_sin", {x.handle});
    NodePtr add_node = ComposeForCheck("elemwise_add", "mxnet_ho_check_add", {x.handle, y.handle});
    const size_t offset = LocateInputs(sin_node, {x_node});
    if (offset == 0) return "could not locate nnvm::Node::inputs in the binary's Node layout";
    if (LocateInputs(add_node, {x_node, y_node}) != offset)
      return "nnvm::Node::inputs is not at one fixed offset (" + std::to_string(offset) + ")";
    g_inputs_offset = offset;

    // attrs.op and attrs.name sit before the differently-sized dict.
    if (sin_node->attrs.op != nnvm::Op::Get("sin") || sin_node->attrs.name != "mxnet_ho_check_sin")
      return "nnvm::NodeAttrs::op or ::name is not where the headers put it";

    // Attribute reading through the C API.
    NodePtr scaled =
        MakeNode("_mul_scalar", {Entry{sin_node, 0, 0}}, {{"scalar", "2.5"}}, "mxnet_ho_check_mul");
    if (Attr(scaled, "scalar", "") != "2.5") return "cannot read node attributes";

    // The FGradient map, the op index and calling a stock gradient.
    const GradientMap& map = GradientAttr();
    if (!map.count(nnvm::Op::Get("sin"))) return "sin has no FGradient: unexpected registry";
    Entries grads = CallGradient(sin_node, {Entry{add_node, 0, 0}});
    if (grads.size() != 1 || OpName(grads[0].node) != "_backward_sin")
      return "calling sin's stock FGradient did not give _backward_sin";
    if (Inputs(grads[0].node).size() != 2 || Inputs(grads[0].node)[0].node != add_node)
      return "the inputs of a stock gradient node are not readable";
    // MXNet ties a backward node to its forward node by a control dependency.
    if (ControlDeps(grads[0].node).size() != 1 || ControlDeps(grads[0].node)[0] != sin_node ||
        !ControlDeps(sin_node).empty())
      return "nnvm::Node::control_deps is not right after inputs";

    // A _CachedOp node made from a subgraph holds its CachedOp in attrs.parsed:
    // two such nodes hold two CachedOps, each reporting the subgraph's arity.
    const std::string sin_json = SymbolJson(Entry{sin_node, 0, 0});
    NodePtr cached_a = MakeNode("_CachedOp", {Entry{add_node, 0, 0}}, {{"subgraph", sin_json}},
                                "mxnet_ho_check_cached_a");
    NodePtr cached_b = MakeNode("_CachedOp", {Entry{add_node, 0, 0}}, {{"subgraph", sin_json}},
                                "mxnet_ho_check_cached_b");
    if (CachedOpOf(cached_a) == nullptr || CachedOpOf(cached_a) == CachedOpOf(cached_b) ||
        CachedOpOf(sin_node) != nullptr)
      return "nnvm::NodeAttrs::parsed of a _CachedOp node is not where expected";
    // A control-flow node holds its body in attrs.subgraphs, just before inputs:
    // _foreach composed with sin(x) as its body reads that body back.
    OwnedSymbol loop;
    const char* keys[] = {"num_args",      "num_outputs",  "num_out_data",
                          "in_state_locs", "in_data_locs", "remain_locs"};
    const char* values[] = {"2", "1", "1", "()", "(0,)", "()"};
    OwnedSymbol body;
    body.handle = NewSymbol({Entry{sin_node, 0, 0}});
    Check(MXSymbolCreateAtomicSymbol(LookupOpHandle("_foreach"), 6, keys, values, &loop.handle),
          "_foreach");
    void* loop_args[] = {body.handle, x.handle};
    Check(MXSymbolCompose(loop.handle, "mxnet_ho_check_foreach", 2, nullptr, loop_args),
          "composing _foreach");
    const NodePtr loop_node = loop.symbol().outputs.at(0).node;
    const Subgraphs& bodies = SubgraphsAt(loop_node);
    if (bodies.size() != 1 || !bodies[0] || bodies[0]->outputs.size() != 1 ||
        OpName(bodies[0]->outputs[0].node) != "sin" || !SubgraphsAt(sin_node).empty() ||
        Inputs(loop_node).size() != 1)
      return "nnvm::NodeAttrs::subgraphs of a _foreach node is not just before inputs";
    return CheckRecordedArrays();
  } catch (const std::exception& e) {
    return e.what();
  }
}

const nnvm::Op* FindOp(const std::string& name) {
  return static_cast<const nnvm::Op*>(LookupOpHandle(name));
}

std::vector<std::string> AllOpNames() {
  uint32_t n = 0;
  const char** names = nullptr;
  Check(NNListAllOpNames(&n, &names), "listing the operators");
  return std::vector<std::string>(names, names + n);
}

int GradientPriority(const nnvm::Op* op) {
  const GradientMap& map = GradientAttr();
  const GradientSlots& slots = map.*Get(GradientSlotsTag());
  const uint32_t index = op->*Get(OpIndexTag());
  if (index >= slots.size() || slots[index].first == nullptr) return 0;
  return slots[index].second;
}

void RegisterGradient(const nnvm::Op* op, Gradient fn) {
  InstallRequest request{op, &fn, ""};
  LegacyUpdater updater{{&request, nullptr}, &LegacyManager, &InstallGradient};
  UpdateAttrMapInBinary("FGradient", &updater);
  if (!request.error.empty())
    throw std::runtime_error("registering FGradient of " + op->name + ": " + request.error);
  if (GradientPriority(op) != kPriority)
    throw std::runtime_error("FGradient of " + op->name + " did not take effect");
}

Entries CallGradient(const NodePtr& node, const Entries& heads) {
  const GradientMap& map = GradientAttr();
  const nnvm::Op* op = OpOf(node);
  if (op == nullptr || !map.count(op))
    throw std::runtime_error("Operator " + OpName(node) + " has no FGradient");
  return map[op](node, heads);
}

Gradient CurrentGradient(const nnvm::Op* op) {
  const GradientMap& map = GradientAttr();
  return map.count(op) ? map[op] : Gradient();
}

uint32_t NumInputs(const NodePtr& node) {
  const nnvm::Op* op = OpOf(node);
  if (op == nullptr) return 0;
  return op->get_num_inputs ? op->get_num_inputs(node->attrs) : op->num_inputs;
}

uint32_t NumOutputs(const NodePtr& node) {
  const nnvm::Op* op = OpOf(node);
  if (op == nullptr) return 1;
  return op->get_num_outputs ? op->get_num_outputs(node->attrs) : op->num_outputs;
}

namespace {
NodePtr CreateNode(const std::string& op, const AttrList& attrs, const std::string& name) {
  void* op_handle = LookupOpHandle(op);
  if (op_handle == nullptr) throw std::runtime_error("MXNet has no operator " + op);
  std::vector<const char*> keys, values;
  for (const auto& kv : attrs) {
    keys.push_back(kv.first.c_str());
    values.push_back(kv.second.c_str());
  }
  OwnedSymbol sym;
  Check(MXSymbolCreateAtomicSymbol(op_handle, static_cast<uint32_t>(attrs.size()), keys.data(),
                                   values.data(), &sym.handle),
        "creating " + op);
  NodePtr node = sym.symbol().outputs.at(0).node;
  node->attrs.name = name;
  return node;
}
}  // namespace

NodePtr MakeNode(const std::string& op, const Entries& inputs, const AttrList& attrs,
                 const std::string& name) {
  NodePtr node = CreateNode(op, attrs, name);
  const uint32_t want = NumInputs(node);
  if (want != inputs.size())
    throw std::runtime_error(op + " takes " + std::to_string(want) + " inputs, given " +
                             std::to_string(inputs.size()));
  InputsAt(node) = inputs;
  return node;
}

NodePtr MakePlaceholderNode(const std::string& op, const AttrList& attrs) {
  NodePtr node = CreateNode(op, attrs, "probe");
  // Ops whose input count comes from attributes they were not given may
  // report nonsense (e.g. (uint32_t)-1).
  const uint32_t kMaxInputs = 64;
  if (NumInputs(node) > kMaxInputs)
    throw std::runtime_error(op + " reports " + std::to_string(NumInputs(node)) +
                             " inputs for these attributes");
  Entries inputs;
  for (uint32_t i = 0; i < NumInputs(node); ++i)
    inputs.push_back(Entry{MakeVariable("input" + std::to_string(i)), 0, 0});
  InputsAt(node) = inputs;
  return node;
}

NodePtr MakeVariable(const std::string& name) {
  OwnedSymbol sym;
  Check(MXSymbolCreateVariable(name.c_str(), &sym.handle), "creating variable " + name);
  return sym.symbol().outputs.at(0).node;
}

const nnvm::Op* OpOf(const NodePtr& node) { return node ? node->attrs.op : nullptr; }

std::string OpName(const NodePtr& node) {
  const nnvm::Op* op = OpOf(node);
  return op ? op->name : std::string();
}

std::string NodeName(const NodePtr& node) { return node->attrs.name; }

const Entries& Inputs(const NodePtr& node) { return InputsAt(node); }

void SetInput(const NodePtr& node, size_t i, const Entry& entry) { InputsAt(node).at(i) = entry; }

const std::vector<NodePtr>& ControlDeps(const NodePtr& node) { return ControlDepsAt(node); }

void SetControlDeps(const NodePtr& node, const std::vector<NodePtr>& deps) {
  ControlDepsAt(node) = deps;
}

void DistinguishTiedNodes(const Entries& outputs) {
  std::unordered_map<const nnvm::Node*, bool> seen;
  std::vector<NodePtr> stack;
  for (const Entry& e : outputs) stack.push_back(e.node);
  while (!stack.empty()) {
    const NodePtr node = stack.back();
    stack.pop_back();
    if (!node || !seen.emplace(node.get(), true).second) continue;
    for (const Entry& e : Inputs(node)) stack.push_back(e.node);
    for (const NodePtr& dep : ControlDeps(node)) stack.push_back(dep);
    if (!OpOf(node) || ControlDeps(node).empty()) continue;
    // Named by the nodes it is tied to (distinct while they live, and a graph
    // keeps them alive), so backward nodes of one forward node may still merge.
    // (std::to_string: an ostringstream needs a newer libstdc++ than manylinux2014.)
    std::string tie;
    for (const NodePtr& dep : ControlDeps(node))
      tie += std::to_string(reinterpret_cast<std::uintptr_t>(dep.get())) + " ";
    // Through the C API, which also parses the attributes again (a hidden
    // "__...__" key, which parameter parsers skip). A node MXNet refuses (its
    // return code ignored) keeps its attributes as they were.
    NodeView view(node);
    MXSymbolSetAttr(view.handle(), "__mxnet_ho_tie__", tie.c_str());
  }
}

std::string Attr(const NodePtr& node, const std::string& key, const std::string& fallback) {
  NodeView view(node);
  const char* value = nullptr;
  int success = 0;
  if (MXSymbolGetAttr(view.handle(), key.c_str(), &value, &success) != 0 || !success)
    return fallback;
  return value;
}

bool IsStateful(const nnvm::Op* op) {
  const dmlc::any* map = Get(GetAttrMapTag())("FCreateOpState");
  if (map == nullptr || op == nullptr) return false;
  return nnvm::get<nnvm::OpMap<mxnet::FCreateOpState>>(*map).count(op) > 0;
}

const void* CachedOpOf(const NodePtr& node) {
  static const nnvm::Op* cached_op = FindOp("_CachedOp");
  if (OpOf(node) == nullptr || OpOf(node) != cached_op) return nullptr;
  return ParsedSharedPointee(node);
}

const void* CustomFunctionOf(const NodePtr& node) {
  static const nnvm::Op* custom_function = FindOp("_CustomFunction");
  if (OpOf(node) == nullptr || OpOf(node) != custom_function) return nullptr;
  // attrs.parsed holds CustomFunctionParam (two size_t, then the
  // shared_ptr<MXCallbackList> info, then two vectors: 80 bytes), too large for
  // dmlc::any's 24 bytes in place, so the any points at it on the heap; the
  // shared_ptr's element pointer comes first. mxnet_ho.function checks on one
  // Function at import that this finds the list Python made.
  const char* param = static_cast<const char*>(ParsedSharedPointee(node));
  if (param == nullptr) return nullptr;
  return *reinterpret_cast<const void* const*>(param + 2 * sizeof(size_t));
}

const void* CachedOpOfHandle(void* cached_op_handle) {
  // A CachedOpHandle points at a heap shared_ptr<CachedOp>: element pointer first.
  return cached_op_handle ? *static_cast<const void* const*>(cached_op_handle) : nullptr;
}

Entries ReadSymbolOutputs(void* symbol_handle) {
  return static_cast<nnvm::Symbol*>(symbol_handle)->outputs;
}

void* NewSymbol(const Entries& outputs) {
  // MXNet allocates the Symbol (so MXSymbolFree deletes what it made); its one
  // member, the outputs vector, has the same layout on both sides.
  void* handle = nullptr;
  Check(MXSymbolCreateVariable("mxnet_ho_symbol", &handle), "creating a symbol");
  static_cast<nnvm::Symbol*>(handle)->outputs = outputs;
  return handle;
}

SymbolGraph ReadSymbol(void* symbol_handle) {
  SymbolGraph graph;
  graph.outputs = ReadSymbolOutputs(symbol_handle);
  // Variables in post-order depth-first order over inputs, as nnvm lists them.
  std::unordered_map<const nnvm::Node*, bool> seen;
  std::vector<std::pair<NodePtr, size_t>> stack;
  for (const Entry& e : graph.outputs) {
    if (seen[e.node.get()]) continue;
    seen[e.node.get()] = true;
    stack.emplace_back(e.node, 0);
    while (!stack.empty()) {
      auto& top = stack.back();
      // inputs, then control dependencies, as nnvm's depth-first visit
      const Entries& ins = OpOf(top.first) ? Inputs(top.first) : Entries();
      const size_t deps = OpOf(top.first) ? ControlDeps(top.first).size() : 0;
      if (top.second < ins.size() + deps) {
        const size_t k = top.second++;
        const NodePtr next = k < ins.size() ? ins[k].node : ControlDeps(top.first)[k - ins.size()];
        if (!seen[next.get()]) {
          seen[next.get()] = true;
          stack.emplace_back(next, 0);
        }
        continue;
      }
      if (OpOf(top.first) == nullptr) graph.inputs.push_back(top.first);
      stack.pop_back();
    }
  }
  uint32_t n = 0;
  const char** names = nullptr;
  Check(NNSymbolListInputNames(symbol_handle, 0, &n, &names), "listing a symbol's inputs");
  if (n != graph.inputs.size())
    throw std::runtime_error("the symbol lists " + std::to_string(n) + " inputs, " +
                             std::to_string(graph.inputs.size()) + " found");
  for (uint32_t i = 0; i < n; ++i)
    if (graph.inputs[i]->attrs.name != names[i])
      throw std::runtime_error("symbol input " + std::to_string(i) + " is " + names[i] +
                               ", found " + graph.inputs[i]->attrs.name);
  const char** aux = nullptr;
  Check(MXSymbolListAuxiliaryStates(symbol_handle, &n, &aux), "listing auxiliary states");
  std::unordered_map<std::string, bool> aux_names;
  for (uint32_t i = 0; i < n; ++i) aux_names[aux[i]] = true;
  for (const NodePtr& v : graph.inputs) graph.is_aux.push_back(aux_names.count(v->attrs.name) > 0);
  return graph;
}

bool RecordedShape(const Entry& e, std::vector<long>* shape) {
  void* array = RecordedArray(e.node, e.index);
  if (array == nullptr) return false;
  int ndim = 0;
  const int* dims = nullptr;
  if (MXNDArrayGetShapeEx(array, &ndim, &dims) != 0 || ndim <= 0) return false;
  // An array has a shape: a 0 is an empty axis (NumPy shape semantics), not an unknown one
  if (std::any_of(dims, dims + ndim, [](int d) { return d < 0; })) return false;
  shape->assign(dims, dims + ndim);
  return true;
}

bool RecordedTypeAndDevice(const Entry& e, int* dtype, int* dev_type) {
  void* array = RecordedArray(e.node, e.index);
  int dev_id = 0;
  if (array == nullptr || MXNDArrayGetDType(array, dtype) != 0 || *dtype < 0 ||
      MXNDArrayGetContext(array, dev_type, &dev_id) != 0 || *dev_type <= 0)
    return false;
  return true;
}

bool RecordedArrayDropped(const Entry& e) {
  void* array = RecordedArray(e.node, e.index);
  int dtype = -1;
  return array != nullptr && (MXNDArrayGetDType(array, &dtype) != 0 || dtype < 0);
}

namespace {
// An environment flag as dmlc::GetEnv reads it: unset or empty gives the default;
// "true"/"false" (any case) or an integer; anything else reads as unknown (-1).
int EnvFlag(const char* key, int fallback) {
  const char* value = std::getenv(key);
  if (value == nullptr || *value == '\0') return fallback;
  std::string text(value);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text == "true") return 1;
  if (text == "false") return 0;
  char* end = nullptr;
  const long number = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0') return -1;
  return number != 0 ? 1 : 0;
}
}  // namespace

bool MkldnnRnnEnabled() {
  const LibFeature* features = nullptr;
  size_t size = 0;
  bool built = false;
  if (MXLibInfoFeatures(&features, &size) == 0)
    for (size_t i = 0; i < size; ++i)
      built = built || (std::strcmp(features[i].name, "MKLDNN") == 0 && features[i].enabled);
  return built && EnvFlag("MXNET_MKLDNN_ENABLED", 1) == 1 &&
         EnvFlag("MXNET_USE_MKLDNN_RNN", 1) == 1;
}

namespace {

// The names of a symbol's input variables (inference is told only of those).
std::unordered_set<std::string> InputNames(nnvm::Symbol* symbol) {
  uint32_t n = 0;
  const char** names = nullptr;
  Check(NNSymbolListInputNames(symbol, 0, &n, &names), "listing a symbol's inputs");
  return std::unordered_set<std::string>(names, names + n);
}

}  // namespace

int InferType(const Entry& e, const std::vector<std::pair<std::string, int>>& known) {
  nnvm::Symbol symbol;
  symbol.outputs.push_back(e);
  const std::unordered_set<std::string> present = InputNames(&symbol);
  std::vector<const char*> keys;
  std::vector<int> types;
  for (const auto& kv : known) {
    if (!present.count(kv.first)) continue;
    keys.push_back(kv.first.c_str());
    types.push_back(kv.second);
  }
  uint32_t in_size = 0, out_size = 0, aux_size = 0;
  const int *in_types = nullptr, *out_types = nullptr, *aux_types = nullptr;
  int complete = 0;
  Check(MXSymbolInferTypePartial(&symbol, static_cast<uint32_t>(keys.size()), keys.data(),
                                 types.data(), &in_size, &in_types, &out_size, &out_types,
                                 &aux_size, &aux_types, &complete),
        "inferring dtypes");
  return out_size == 1 ? out_types[0] : -1;
}

std::vector<std::vector<long>> InferShapes(
    const Entries& entries, const std::vector<std::pair<std::string, std::vector<long>>>& known) {
  nnvm::Symbol symbol;
  symbol.outputs = entries;
  const std::unordered_set<std::string> present = InputNames(&symbol);
  std::vector<const char*> keys;
  std::vector<uint32_t> offsets{0};
  std::vector<int> dims;
  for (const auto& kv : known) {
    if (!present.count(kv.first)) continue;
    keys.push_back(kv.first.c_str());
    for (long d : kv.second) dims.push_back(static_cast<int>(d));
    offsets.push_back(static_cast<uint32_t>(dims.size()));
  }
  uint32_t in_size = 0, out_size = 0, aux_size = 0;
  const int *in_ndim = nullptr, *out_ndim = nullptr, *aux_ndim = nullptr;
  const int **in_data = nullptr, **out_data = nullptr, **aux_data = nullptr;
  int complete = 0;
  Check(MXSymbolInferShapePartialEx(&symbol, static_cast<uint32_t>(keys.size()), keys.data(),
                                    offsets.data(), dims.data(), &in_size, &in_ndim, &in_data,
                                    &out_size, &out_ndim, &out_data, &aux_size, &aux_ndim,
                                    &aux_data, &complete),
        "inferring shapes");
  std::vector<std::vector<long>> shapes(entries.size());
  if (out_size != entries.size()) return shapes;
  for (size_t k = 0; k < entries.size(); ++k) {
    if (out_ndim[k] <= 0) continue;
    std::vector<long> shape(out_data[k], out_data[k] + out_ndim[k]);
    bool known_dims = true;
    for (long d : shape) known_dims = known_dims && d > 0;
    if (known_dims) shapes[k] = shape;
  }
  return shapes;
}

std::vector<long> InferShape(const Entry& e,
                             const std::vector<std::pair<std::string, std::vector<long>>>& known) {
  return InferShapes({e}, known).at(0);
}

SymbolGraph ReadSubgraph(const NodePtr& node, size_t i) {
  const Subgraphs& subgraphs = SubgraphsAt(node);
  if (i >= subgraphs.size() || !subgraphs[i])
    throw std::runtime_error(OpName(node) + " node " + NodeName(node) + " has no subgraph " +
                             std::to_string(i));
  return ReadSymbol(subgraphs[i].get());
}

AttrList Attrs(const NodePtr& node) {
  NodeView view(node);
  uint32_t size = 0;
  const char** pairs = nullptr;
  Check(MXSymbolListAttrShallow(view.handle(), &size, &pairs), "listing attributes");
  AttrList attrs;
  for (uint32_t i = 0; i < size; ++i) attrs.emplace_back(pairs[2 * i], pairs[2 * i + 1]);
  return attrs;
}

}  // namespace bridge
}  // namespace mxnet_ho
