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
//    forward ops as copies, and the backward ops made from them as themselves
//    in the first pass only: the update lands where the stock kernels make it,
//    once (MKL-DNN's forward kernel updates them, the native backward kernel
//    does);
//  - ops that draw random numbers must not draw again. A CachedOp made through
//    mx.nd.CachedOp also returns, after the block's own outputs, what those ops
//    drew (ExposeRandomOutputs; Python hides them from the caller), and the
//    recomputation reuses it: Dropout y = x*m with the forward's mask m, a
//    sampler's samples as constants. Dropout in predict mode (or p = 0) is the
//    identity. A sampler whose samples depend on arrays (sample_normal(mu,
//    sigma), shuffle) raises an error naming the op, never a different value.
#include "imperative/cached_op.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "dsl/grad_dsl.h"
#include "operator/bilinear_sampler.h"
#include "operator/contrib/deformable_psroi_pooling.h"
#include "operator/contrib/nn/deformable_im2col.h"
#include "operator/contrib/psroi_pooling.h"
#include "operator/correlation.h"
#include "operator/crop.h"
#include "operator/grid_generator.h"
#include "operator/numpy/random/dist_common.h"
#include "operator/rnn.h"
#include "operator/roi_pooling.h"
#include "operator/sequence_op_common.h"

namespace mxnet_ho {
namespace op {
namespace {

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
      // inputs, then control dependencies (a backward op's forward node), as nnvm
      const Entries& inputs = bridge::Inputs(top.first);
      const std::vector<NodePtr>& deps = bridge::ControlDeps(top.first);
      if (top.second < inputs.size() + deps.size()) {
        const size_t k = top.second++;
        const NodePtr next = k < inputs.size() ? inputs[k].node : deps[k - inputs.size()];
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
  static const char* const kPrefixes[] = {
      "_random_",       "_sample_",      "_npi_random",      "_npi_uniform", "_npi_normal",
      "_npi_bernoulli", "_npi_choice",   "_npi_exponential", "_npi_gamma",   "_npi_gumbel",
      "_npi_laplace",   "_npi_logistic", "_npi_multinomial", "_npi_pareto",  "_npi_powerd",
      "_npi_rayleigh",  "_npi_weibull",  "_shuffle"};
  for (const char* prefix : kPrefixes)
    if (op.rfind(prefix, 0) == 0) return true;
  return false;
}

bool EndsWith(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// A sampler whose samples are constants of the graph: it reads no array, or one
// that gives only a shape (random_normal_like), or one whose stock gradient is
// zero (MakeZeroGradNodes: the discrete samplers, whose samples are piecewise
// constant in their parameters, and uniform and gamma).
bool SamplesAreConstants(const NodePtr& node) {
  static const std::set<std::string> kZeroGradient = {"_npi_bernoulli",   "_npi_choice",
                                                      "_npi_multinomial", "_npi_uniform",
                                                      "_npi_uniform_n",   "_npi_gamma"};
  const std::string op = bridge::OpName(node);
  return DrawsRandomNumbers(op) &&
         (bridge::Inputs(node).empty() || EndsWith(op, "_like") || kZeroGradient.count(op) > 0);
}

// Dropout that may draw a mask: p > 0.
bool DropoutDraws(const NodePtr& node) {
  return bridge::OpName(node) == "Dropout" &&
         std::strtod(bridge::Attr(node, "p", "0.5").c_str(), nullptr) != 0.0;
}

// Dropout that passes its input through when the gradient is taken: predict
// mode (unless mode=always), or p = 0.
bool DropoutIsIdentity(const NodePtr& node) {
  if (!DropoutDraws(node)) return true;
  return !training() && bridge::Attr(node, "mode", "training") != "always";
}

std::runtime_error Unsupported(const NodePtr& node, const std::string& why) {
  return std::runtime_error(
      "mxnet-ho: a higher-order gradient through a hybridized block cannot pass " +
      bridge::OpName(node) + " (node " + bridge::NodeName(node) + "): " + why);
}

// The ops whose output's shape depends on the data (no shape inference before
// they run), which MXNet cannot run inside a recorded gradient graph, whose
// shapes it infers before running any node (stock cannot hybridize them either).
bool ShapeFollowsData(const std::string& op) {
  return op == "_contrib_boolean_mask" || op == "_npi_boolean_mask" || op == "_npi_nonzero" ||
         op == "_npi_unique";
}

std::string EmptyLoop() {
  return "it runs over a length of 0 (an input has an empty axis), and a loop of no steps "
         "cannot be unrolled: give it at least one step";
}

// --- stateless twins of MXNet's stateful (legacy) ops --------------------------
// Each computes the op's outputs from its inputs with stateless forward ops;
// hidden outputs nobody reads in a forward graph (statistics) are left out.

long IntAttr(const NodePtr& node, const char* key, long fallback) {
  return std::stol(bridge::Attr(node, key, std::to_string(fallback)));
}

// The integers of a tuple attribute, "(1, 2)" or "[1,2]".
std::vector<long> IntsAttr(const NodePtr& node, const char* key) {
  std::string text = bridge::Attr(node, key, "()");
  for (char& c : text)
    if (c == '(' || c == ')' || c == ',' || c == '[' || c == ']' || c == 'L') c = ' ';
  std::vector<long> values;
  const char* at = text.c_str();
  for (char* end = nullptr;;
       at = end) {  // strtol: no istream (its bool is newer than manylinux2014)
    const long v = std::strtol(at, &end, 10);
    if (end == at) break;
    values.push_back(v);
  }
  return values;
}

bool BoolAttr(const NodePtr& node, const char* key, bool fallback) {
  const std::string text = bridge::Attr(node, key, fallback ? "1" : "0");
  return text == "1" || text == "True" || text == "true";
}

std::string Str(long v) { return std::to_string(v); }

// SliceChannel: num_outputs equal sections along axis
Expr SliceChannelTwin(const NodePtr& node, const std::vector<Expr>& in) {
  return apply("_split_v2", {in[0]},
               {{"indices", "()"},
                {"sections", Str(IntAttr(node, "num_outputs", 1))},
                {"axis", Str(IntAttr(node, "axis", 1))},
                {"squeeze_axis", BoolAttr(node, "squeeze_axis", false) ? "1" : "0"}});
}

// SwapAxis(d1 < d2) = moveaxis(moveaxis(x, d1 -> d2), d2 - 1 -> d1)
Expr SwapAxisTwin(const NodePtr& node, const Expr& x) {
  const long d1 = IntAttr(node, "dim1", 0), d2 = IntAttr(node, "dim2", 0);
  if (d1 == d2) return apply("_copy", {x});
  const long lo = std::min(d1, d2), hi = std::max(d1, d2);
  const Expr moved = apply("_np_moveaxis", {x}, {{"source", Str(lo)}, {"destination", Str(hi)}});
  return apply("_np_moveaxis", {moved}, {{"source", Str(hi - 1)}, {"destination", Str(lo)}});
}

Expr SliceAxis(const Expr& x, long axis, long begin, long end) {
  return apply("slice_axis", {x},
               {{"axis", Str(axis)}, {"begin", Str(begin)}, {"end", end == 0 ? "None" : Str(end)}});
}

// Pad(pad_width = (b0, a0, b1, a1, ...)) one axis at a time: the constant value,
// copies of the edge (edge) or the mirror image without the edge (reflect)
Expr PadTwin(const NodePtr& node, const Expr& x) {
  const std::vector<long> widths = IntsAttr(node, "pad_width");
  const std::string mode = bridge::Attr(node, "mode", "constant");
  const double value = std::stod(bridge::Attr(node, "constant_value", "0"));
  Expr y = x;
  for (size_t i = 0; i + 1 < widths.size(); i += 2) {
    const long axis = static_cast<long>(i / 2), before = widths[i], after = widths[i + 1];
    if (before == 0 && after == 0) continue;
    auto block = [&](bool leading, long width) {
      if (mode == "reflect") {
        const Expr mirror =
            leading ? SliceAxis(y, axis, 1, width + 1) : SliceAxis(y, axis, -width - 1, -1);
        return apply("reverse", {mirror}, {{"axis", Str(axis)}});
      }
      const Expr edge = leading ? SliceAxis(y, axis, 0, 1) : SliceAxis(y, axis, -1, 0);
      const Expr fill = mode == "edge" ? edge : zeros_like(edge) + value;
      return apply("repeat", {fill}, {{"repeats", Str(width)}, {"axis", Str(axis)}});
    };
    std::vector<Expr> parts;
    if (before > 0) parts.push_back(block(true, before));
    parts.push_back(y);
    if (after > 0) parts.push_back(block(false, after));
    y = apply("Concat", parts,
              {{"num_args", Str(static_cast<long>(parts.size()))}, {"dim", Str(axis)}});
  }
  return y;
}

// InstanceNorm: each (sample, channel) of x (N, C, ...) normalized over the rest,
// (x - mean) / sqrt(var + eps) * gamma + beta
Expr InstanceNormTwin(const NodePtr& node, const std::vector<Expr>& in) {
  const Expr x = in[0], rows = apply("reshape", {x}, {{"shape", "(0,0,-1)"}});
  const double eps = std::stod(bridge::Attr(node, "eps", "0.001"));
  const Expr mean = apply("mean", {rows}, {{"axis", "2"}, {"keepdims", "True"}});
  const Expr centered = apply("broadcast_sub", {rows, mean});
  const Expr var = apply("mean", {square(centered)}, {{"axis", "2"}, {"keepdims", "True"}});
  const Expr normalized = apply("broadcast_div", {centered, sqrt(var + eps)});
  const Expr gamma = apply("reshape", {in[1]}, {{"shape", "(1,-1,1)"}});
  const Expr beta = apply("reshape", {in[2]}, {{"shape", "(1,-1,1)"}});
  const Expr out = apply("broadcast_add", {apply("broadcast_mul", {normalized, gamma}), beta});
  return apply("reshape_like", {out, x});
}

// L2Normalization: x / sqrt(Σ x^2 + eps) over each instance (all but axis 0),
// channel column (axis 1) or spatial map (all but axes 0 and 1)
Expr L2NormalizationTwin(const NodePtr& node, const Expr& x) {
  const std::string mode = bridge::Attr(node, "mode", "instance");
  const double eps = std::stod(bridge::Attr(node, "eps", "1e-10"));
  const bool instance = mode == "instance";
  const char* view = instance ? "(0,-1)" : "(0,0,-1)";
  const char* axis = instance || mode == "channel" ? "1" : "2";
  const Expr rows = apply("reshape", {x}, {{"shape", view}});
  const Expr norm =
      sqrt(apply("sum", {square(rows)}, {{"axis", axis}, {"keepdims", "True"}}) + eps);
  return apply("reshape_like", {apply("broadcast_div", {rows, norm}), x});
}

// SequenceMask: the steps at or past each sequence's length (truncated, as the
// stock kernel reads it) along axis 0 (T, B, ...) or 1 (B, T, ...) set to `value`
Expr SequenceMaskTwin(const NodePtr& node, const std::vector<Expr>& in) {
  if (!BoolAttr(node, "use_sequence_length", false)) return apply("_copy", {in[0]});
  const long axis = IntAttr(node, "axis", 0);
  const double value = std::stod(bridge::Attr(node, "value", "0"));
  const Expr data = in[0], rows = apply("reshape", {data}, {{"shape", "(0,0,-1)"}});
  const Expr steps = apply("_contrib_arange_like", {data}, {{"axis", Str(axis)}});
  const char* step_shape = axis == 0 ? "(-1,1)" : "(1,-1)";
  const char* length_shape = axis == 0 ? "(1,-1)" : "(-1,1)";
  const Expr kept = apply("broadcast_lesser",
                          {apply("reshape", {steps}, {{"shape", step_shape}}),
                           apply("reshape", {apply("trunc", {in[1]})}, {{"shape", length_shape}})});
  const Expr mask = broadcast_like(apply("reshape", {kept}, {{"shape", "(0,0,1)"}}), rows);
  const Expr masked = apply("where", {mask, rows, zeros_like(rows) + value});
  return apply("reshape_like", {masked, data});
}

// SequenceLast: each sequence's last step, L_b - 1 (L_b its truncated length, or
// T), along axis 0 or 1
Expr SequenceLastTwin(const NodePtr& node, const std::vector<Expr>& in) {
  const bool uses_lengths = BoolAttr(node, "use_sequence_length", false);
  return sequence::last_steps(in[0], uses_lengths ? &in[1] : nullptr, IntAttr(node, "axis", 0));
}

// SequenceReverse: the first L_b steps of each sequence reversed (all without lengths)
Expr SequenceReverseTwin(const NodePtr& node, const std::vector<Expr>& in) {
  const bool uses_lengths = BoolAttr(node, "use_sequence_length", false);
  return sequence::reversed_steps(in[0], uses_lengths ? &in[1] : nullptr);
}

// GridGenerator: affine, theta (N, 6) times the target points (and those, grid_dst);
// warp, (flow + pixel coordinates) / half extent - 1
std::vector<Expr> GridGeneratorTwin(const NodePtr& node, const Expr& data) {
  if (bridge::Attr(node, "transform_type", "affine") == "warp") return {WarpGrid(data)};
  const std::vector<long> shape = IntsAttr(node, "target_shape");
  const Expr points = TargetPoints(data, shape.at(0), shape.at(1));
  return {AffineGrid(data, points, shape.at(0), shape.at(1)), points};
}

// SpatialTransformer: the bilinear sampling of data at loc's affine grid (and the
// target points, grid_dst, and the grid as (N, 2, H*W), grid_src)
std::vector<Expr> SpatialTransformerTwin(const NodePtr& node, const std::vector<Expr>& in) {
  const std::vector<long> shape = IntsAttr(node, "target_shape");
  const Expr points = TargetPoints(in[1], shape.at(0), shape.at(1));
  const Expr grid = AffineGrid(in[1], points, shape.at(0), shape.at(1));
  return {BilinearSampling(in[0], grid).sample(in[0]), points,
          apply("reshape", {grid}, {{"shape", "(0, 2, -1)"}})};
}

// Crop: data's window of crop_like's height and width (two inputs) or of h_w, at
// offset or centred
Expr CropTwin(const NodePtr& node, const std::vector<Expr>& in) {
  CropStart start;
  start.center = BoolAttr(node, "center_crop", false);
  const std::vector<long> offset = IntsAttr(node, "offset");
  if (offset.size() == 2) start.offset = offset;
  if (in.size() > 1) return CropTo(in[0], in[1], start);
  const std::vector<long> size = IntsAttr(node, "h_w");
  return CropTo(in[0], SliceAxis(SliceAxis(in[0], 2, 0, size.at(0)), 3, 0, size.at(1)), start);
}

// PSROIPooling: each bin the average of its channel over the bin
Expr PsRoiPoolingTwin(const NodePtr& node, const std::vector<Expr>& in) {
  PsRoiShape shape;
  shape.spatial_scale = single_precision(std::stod(bridge::Attr(node, "spatial_scale", "1")));
  shape.output_dim = IntAttr(node, "output_dim", 1);
  shape.pooled = IntAttr(node, "pooled_size", 1);
  shape.group = IntAttr(node, "group_size", 0);
  if (shape.group == 0) shape.group = shape.pooled;
  return PsRoiAverage(in[0], in[1], shape);
}

// Correlation: the correlation of the padded inputs (and those, channels last,
// tmp1 and tmp2)
std::vector<Expr> CorrelationTwin(const NodePtr& node, const std::vector<Expr>& in) {
  CorrelationShape shape;
  shape.kernel = IntAttr(node, "kernel_size", 1);
  shape.max_displacement = IntAttr(node, "max_displacement", 1);
  shape.stride1 = IntAttr(node, "stride1", 1);
  shape.stride2 = IntAttr(node, "stride2", 1);
  shape.pad = IntAttr(node, "pad_size", 0);
  shape.multiply = BoolAttr(node, "is_multiply", true);
  const Expr p1 = PadSpace(in[0], shape.pad), p2 = PadSpace(in[1], shape.pad);
  const AttrList last = {{"axes", "(0, 2, 3, 1)"}};
  return {Correlate(p1, p2, shape), apply("transpose", {p1}, last), apply("transpose", {p2}, last)};
}

// Pooling_v1 (2-D): x padded with zeros (for every pool_type) pooled without
// padding, the windows clamped to the padded x's end; avg divides by the whole
// kernel size (a float32 constant), or with global_pool is the global average
Expr PoolingV1Twin(const NodePtr& node, const Expr& x) {
  const std::string type = bridge::Attr(node, "pool_type", "max");
  const std::vector<long> kernel = IntsAttr(node, "kernel");
  AttrList attrs = {{"kernel", bridge::Attr(node, "kernel", "()")},
                    {"pooling_convention", bridge::Attr(node, "pooling_convention", "valid")},
                    {"pool_type", type == "avg" ? "sum" : type}};
  if (BoolAttr(node, "global_pool", false)) {
    attrs.emplace_back("global_pool", "True");
    attrs[2].second = type;
    return apply("Pooling", {x}, attrs);
  }
  const std::vector<long> stride = IntsAttr(node, "stride"), pad = IntsAttr(node, "pad");
  if (!stride.empty()) attrs.emplace_back("stride", bridge::Attr(node, "stride", "()"));
  Expr padded = x;
  for (size_t d = 0; d < pad.size(); ++d) {
    if (pad[d] == 0) continue;
    const long axis = static_cast<long>(d) + 2;
    const Expr zeros = apply("repeat", {zeros_like(SliceAxis(padded, axis, 0, 1))},
                             {{"repeats", Str(pad[d])}, {"axis", Str(axis)}});
    padded = apply("Concat", {zeros, padded, zeros}, {{"num_args", "3"}, {"dim", Str(axis)}});
  }
  const Expr pooled = apply("Pooling", {padded}, attrs);
  if (type != "avg") return pooled;
  long size = 1;
  for (long k : kernel) size *= k;
  return pooled * single_precision(1.0 / static_cast<double>(size));
}

// BatchNorm_v1, SyncBatchNorm on one device: BatchNorm with channel axis 1 (and
// the statistics it outputs: the batch mean and biased variance in training
// mode, else the moving ones)
std::vector<Expr> LegacyBatchNormTwin(const NodePtr& node, const std::vector<Expr>& in) {
  AttrList attrs;
  for (const char* key : {"eps", "momentum", "fix_gamma", "use_global_stats"})
    if (bridge::Attr(node, key, "").size()) attrs.emplace_back(key, bridge::Attr(node, key, ""));
  const Expr y = apply("BatchNorm", {in[0], in[1], in[2], in[3], in[4]}, attrs);
  if (!training() || BoolAttr(node, "use_global_stats", false)) return {y, in[3], in[4]};
  const AttrList channel = {{"axis", "1"}, {"exclude", "True"}};
  const Expr mean = apply("mean", {in[0]}, channel);
  AttrList kept = channel;
  kept.emplace_back("keepdims", "True");
  const Expr centered = apply("broadcast_sub", {in[0], apply("mean", {in[0]}, kept)});
  return {y, mean, apply("mean", {square(centered)}, channel)};
}

// DeformableConvolution, ModulatedDeformableConvolution: the grouped product of
// the weight with the sampled columns (times the mask), plus the bias
Expr DeformableTwin(const NodePtr& node, const std::vector<Expr>& in, bool modulated) {
  const DeformableShape shape = DeformableShapeOf(
      IntsAttr(node, "kernel"), IntsAttr(node, "stride"), IntsAttr(node, "dilate"),
      IntsAttr(node, "pad"), IntAttr(node, "num_filter", 1), IntAttr(node, "num_group", 1),
      IntAttr(node, "num_deformable_group", 1), modulated);
  const size_t w = modulated ? 3 : 2;
  const Expr* mask = modulated ? &in[2] : nullptr;
  const Expr* bias = BoolAttr(node, "no_bias", false) ? nullptr : &in.at(w + 1);
  return DeformableConvolve(in[0], in[1], mask, in[w], bias, shape);
}

// DeformablePSROIPooling: each bin's average of its samples, and their count
std::vector<Expr> DeformablePsRoiTwin(const NodePtr& node, const std::vector<Expr>& in) {
  DeformablePsRoiShape shape;
  shape.spatial_scale = single_precision(std::stod(bridge::Attr(node, "spatial_scale", "1")));
  shape.trans_std = single_precision(std::stod(bridge::Attr(node, "trans_std", "0")));
  shape.output_dim = IntAttr(node, "output_dim", 1);
  shape.group = IntAttr(node, "group_size", 1);
  shape.pooled = IntAttr(node, "pooled_size", 1);
  shape.part = IntAttr(node, "part_size", 0);
  if (shape.part == 0) shape.part = shape.pooled;
  shape.samples = IntAttr(node, "sample_per_part", 1);
  const bool no_trans = BoolAttr(node, "no_trans", false);
  return DeformablePsRoiPool(in[0], in[1], no_trans ? nullptr : &in.at(2), shape);
}

std::runtime_error Unsupported(const NodePtr& node, const std::string& why);

std::vector<Expr> StatelessTwin(const NodePtr& node, const std::vector<Expr>& in) {
  const std::string op = bridge::OpName(node);
  if (op == "SwapAxis") return {SwapAxisTwin(node, in[0])};
  if (op == "Pad") return {PadTwin(node, in[0])};
  if (op == "InstanceNorm") return {InstanceNormTwin(node, in)};
  if (op == "L2Normalization") return {L2NormalizationTwin(node, in[0])};
  if (op == "SequenceMask") return {SequenceMaskTwin(node, in)};
  if (op == "SequenceLast") return {SequenceLastTwin(node, in)};
  if (op == "SequenceReverse") return {SequenceReverseTwin(node, in)};
  if (op == "GridGenerator") return GridGeneratorTwin(node, in[0]);
  // BilinearSampler: S(data, grid) (its hidden output tmp is never written on CPU)
  if (op == "BilinearSampler") return {BilinearSampling(in[0], in[1]).sample(in[0])};
  if (op == "SpatialTransformer") return SpatialTransformerTwin(node, in);
  if (op == "Crop") return {CropTwin(node, in)};
  if (op == "_contrib_PSROIPooling") return {PsRoiPoolingTwin(node, in)};
  if (op == "Correlation") return CorrelationTwin(node, in);
  if (op == "Pooling_v1") return {PoolingV1Twin(node, in[0])};
  if (op == "BatchNorm_v1") return LegacyBatchNormTwin(node, in);
  if (op == "_contrib_SyncBatchNorm") {
    if (IntAttr(node, "ndev", 1) != 1 && !BoolAttr(node, "use_global_stats", false))
      throw Unsupported(node,
                        "with ndev > 1 its batch statistics and gradients are averaged with "
                        "other devices' outside the graph, which a recomputation cannot do");
    return LegacyBatchNormTwin(node, in);
  }
  if (op == "_contrib_DeformableConvolution") return {DeformableTwin(node, in, false)};
  if (op == "_contrib_ModulatedDeformableConvolution") return {DeformableTwin(node, in, true)};
  if (op == "_contrib_DeformablePSROIPooling") return DeformablePsRoiTwin(node, in);
  // ROIPooling: each bin's largest entry (its hidden maxidx left out)
  if (op == "ROIPooling")
    return {RoiMaxPooling(in[0], in[1],
                          single_precision(std::stod(bridge::Attr(node, "spatial_scale", "1"))),
                          IntsAttr(node, "pooled_size"))};
  if (op == "SVMOutput" || op == "MakeLoss")
    throw Unsupported(node,
                      "it is a loss layer keeping per-call state: its gradient ignores the "
                      "head, which the gradient of a stateless twin (linear in the head) "
                      "cannot; apply it outside the hybridized block");
  throw Unsupported(node,
                    "it keeps per-call state, which a recorded gradient graph cannot "
                    "hold, and mxnet-ho has no stateless twin for it");
}

// The shapes of a node's inputs, one per input (empty where unknown): what a
// loop body or branch learns of its own inputs' shapes from the graph around it.
using InputShapes = std::vector<std::vector<long>>;

std::vector<Expr> ForeachTwin(const NodePtr& node, const std::vector<Expr>& in, long length,
                              const InputShapes& shapes);
std::vector<Expr> CondTwin(const NodePtr& node, const std::vector<Expr>& in,
                           const InputShapes& shapes);
std::vector<Expr> WhileLoopTwin(const NodePtr& node, const std::vector<Expr>& in,
                                const InputShapes& shapes);

// The block's forward graph rebuilt on `inputs` (the _CachedOp node's inputs).
class Recomputation {
 public:
  // `cached_op`: the recorded _CachedOp node, whose outputs past the block's
  // own hold what the forward pass drew (ExposeRandomOutputs); null for a
  // graph that returns no draws (a control-flow body).
  // `shapes`: those of the graph's inputs where no array was recorded for them
  // (a loop body's, from the graph around the loop).
  Recomputation(const bridge::SymbolGraph& graph, const Entries& inputs, const NodePtr& cached_op,
                const InputShapes& shapes = {})
      : graph_(graph), inputs_(inputs), given_shapes_(shapes) {
    if (cached_op)
      for (uint32_t k = 0; k < graph.outputs.size(); ++k)
        drawn_.emplace(KeyOf(graph.outputs[k]), Entry{cached_op, k, 0});
    for (size_t i = 0; i < graph.inputs.size(); ++i) {
      Expr input(inputs.at(i), false);
      Entry value = input.entry();
      if (graph.is_aux[i]) {  // a copy, so that a forward kernel's update lands there
        value = apply("_copy", {input}).entry();
        aux_copies_.emplace_back(Expr(value, false), input);
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
    std::vector<Expr> outs;  // for an expression: its outputs that the graph may use
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
  // The backward nodes of `grads` reading the auxiliary states themselves where
  // they read the copies: a backward kernel's update lands in the states.
  void RestoreAuxInputs(const Grads& grads) const { with_inputs_replaced(grads, aux_copies_); }

 private:
  void Rebuild(const NodePtr& node) {
    const std::string op = bridge::OpName(node);
    std::vector<Expr> inputs;
    for (const Entry& e : bridge::Inputs(node)) inputs.emplace_back(value(e), false);
    if (op == "Dropout" && DropoutIsIdentity(node)) return Keep(node, inputs, {inputs.at(0)});
    // y = x*m, m the forward's mask (scaled by 1/(1-p); `axes` broadcast)
    if (op == "Dropout") {
      const Expr mask = Drawn(node, 1, "in training mode it needs the forward pass's mask");
      return Keep(node, inputs, {apply("broadcast_mul", {inputs.at(0), mask}), mask});
    }
    if (SamplesAreConstants(node)) {
      std::vector<Expr> samples;
      for (uint32_t i = 0; i < bridge::NumOutputs(node); ++i)
        samples.push_back(Drawn(node, i, "recomputing it would draw new random numbers"));
      return Keep(node, inputs, samples);
    }
    if (IsReparameterizedSampler(op)) {
      const Expr y0 = Drawn(node, 0, "its samples are recomputed from what it drew");
      const Expr noise = Drawn(node, 1, "its samples are recomputed from what it drew");
      auto number = [&](const char* key) -> std::optional<double> {
        const std::string text = bridge::Attr(node, key, "None");
        if (text == "None") return std::nullopt;
        return std::strtod(text.c_str(), nullptr);
      };
      return Keep(node, inputs, {ReparameterizedSample(op, inputs, number, y0, noise), noise});
    }
    if (DrawsRandomNumbers(op))
      throw Unsupported(node,
                        "its samples depend on its array inputs, and recomputing it "
                        "would draw new random numbers");
    // _scatter_set_nd's kernel writes into its lhs's memory, which a node of a
    // recorded gradient graph is not given: lhs kept where no rhs is written,
    // rhs scattered where it is.
    if (op == "_scatter_set_nd") {
      const op::AttrList shape = {{"shape", bridge::Attr(node, "shape", "")}};
      const Expr written = apply("scatter_nd", {ones_like(inputs[1]), inputs[2]}, shape);
      const Expr kept = inputs[0] * (written < 0.5);
      return Keep(node, inputs, {kept + apply("scatter_nd", {inputs[1], inputs[2]}, shape)});
    }
    if (!bridge::IsStateful(bridge::OpOf(node))) {
      if (ShapeFollowsData(op))
        throw Unsupported(node,
                          "the shape of its output is known only once it has run (it depends "
                          "on the data), and MXNet infers a recorded gradient graph's shapes "
                          "before running it: call it outside the hybridized block");
      return KeepNode(node, inputs, op::apply(op, inputs, bridge::Attrs(node)));
    }
    // A stateful op cannot be rebuilt inside a recorded gradient graph:
    // one stateless op computing every output (SliceChannel), or expressions.
    if (op == "SliceChannel") return KeepNode(node, inputs, SliceChannelTwin(node, inputs));
    // Convolution_v1 is Convolution with the same attributes
    if (op == "Convolution_v1")
      return KeepNode(node, inputs, apply("Convolution", inputs, bridge::Attrs(node)));
    if (op == "RNN")
      return Keep(node, inputs, RnnTwin(node, inputs, Length(node, 0, "RNN"), Kernel(node)));
    if (op == "_foreach")
      return Keep(node, inputs,
                  ForeachTwin(node, inputs, Length(node, 0, "_foreach"), ShapesOf(node)));
    if (op == "_cond") return Keep(node, inputs, CondTwin(node, inputs, ShapesOf(node)));
    if (op == "_while_loop") return Keep(node, inputs, WhileLoopTwin(node, inputs, ShapesOf(node)));
    Keep(node, inputs, StatelessTwin(node, inputs));
  }
  // The dtype of a node's data (inferred over the graph from the dtypes of the
  // arrays the _CachedOp node was called with) and the device they are on.
  RnnKernel Kernel(const NodePtr& node) {
    RnnKernel kernel;
    std::vector<std::pair<std::string, int>> known;
    for (size_t k = 0; k < graph_.inputs.size(); ++k) {
      int dtype = -1, dev_type = -1;
      if (!bridge::RecordedTypeAndDevice(inputs_.at(k), &dtype, &dev_type)) continue;
      known.emplace_back(bridge::NodeName(graph_.inputs[k]), dtype);
      kernel.dev_type = dev_type;
    }
    kernel.dtype = bridge::InferType(bridge::Inputs(node).at(0), known);
    return kernel;
  }
  // The length of axis 0 of input `i` of a node of the graph (an RNN's sequence,
  // the data a _foreach iterates over): MXNet's shape inference over the graph
  // from the shapes of the arrays the _CachedOp node was called with.
  long Length(const NodePtr& node, size_t i, const char* what) {
    const std::vector<long> shape = bridge::InferShape(bridge::Inputs(node).at(i), Known());
    for (const auto& known : Known())  // shape inference reads a 0 as unknown
      if (shape.empty() && std::count(known.second.begin(), known.second.end(), 0) > 0)
        throw Unsupported(node, EmptyLoop());
    if (shape.empty())
      throw Unsupported(node, std::string("the length it runs over is unknown, so ") + what +
                                  " cannot be unrolled (the block's input arrays were not "
                                  "recorded, or their shapes do not determine it)");
    return shape[0];
  }
  // The shapes of a node's inputs, inferred as Length's.
  InputShapes ShapesOf(const NodePtr& node) {
    return bridge::InferShapes(bridge::Inputs(node), Known());
  }
  // The shapes of the graph's inputs (by name) that are known: recorded, else
  // given; read once, and only by a graph holding an op that needs them.
  const KnownShapes& Known() {
    if (!known_read_) {
      for (size_t k = 0; k < graph_.inputs.size(); ++k) {
        std::vector<long> shape;
        if (!bridge::RecordedShape(inputs_.at(k), &shape))
          shape = k < given_shapes_.size() ? given_shapes_[k] : std::vector<long>();
        if (!shape.empty()) known_.emplace_back(bridge::NodeName(graph_.inputs[k]), shape);
      }
      known_read_ = true;
    }
    return known_;
  }
  // The node that computes all outputs of `node`: its own gradient applies.
  void KeepNode(const NodePtr& node, const std::vector<Expr>& inputs, const Expr& first) {
    const NodePtr rebuilt = first.entry().node;
    // A backward op (a gradient symbol's) takes its shapes from its forward node.
    std::vector<NodePtr> deps;
    for (const NodePtr& dep : bridge::ControlDeps(node)) {
      auto found = rebuilt_.find(dep.get());
      if (found == rebuilt_.end() || !found->second.node)
        throw Unsupported(
            node, "its forward node " + bridge::NodeName(dep) + " is not rebuilt as one node");
      deps.push_back(found->second.node);
    }
    if (!deps.empty()) bridge::SetControlDeps(rebuilt, deps);
    rebuilt_.emplace(node.get(), Rebuilt{rebuilt, {first}, inputs});
    for (uint32_t i = 0; i < bridge::NumOutputs(rebuilt); ++i)
      values_.emplace(EntryKey{node.get(), i}, Entry{rebuilt, i, 0});
  }
  // Output i of `node` as the forward pass drew it, a constant of the gradient.
  Expr Drawn(const NodePtr& node, uint32_t i, const std::string& why) const {
    auto found = drawn_.find(EntryKey{node.get(), i});
    if (found == drawn_.end())
      throw Unsupported(node, why +
                                  ", which this CachedOp does not return (it was not made "
                                  "through mx.nd.CachedOp with mxnet_ho loaded)");
    return apply("BlockGrad", {Expr(found->second, false)});
  }
  // Outputs of `node` computed as expressions of its inputs (vjp differentiates them).
  void Keep(const NodePtr& node, const std::vector<Expr>& inputs, const std::vector<Expr>& outs) {
    rebuilt_.emplace(node.get(), Rebuilt{nullptr, outs, inputs});
    for (uint32_t i = 0; i < outs.size(); ++i)
      values_.emplace(EntryKey{node.get(), i}, outs[i].entry());
  }

  const bridge::SymbolGraph& graph_;
  const Entries& inputs_;
  InputShapes given_shapes_;
  KnownShapes known_;  // Known()
  bool known_read_ = false;
  std::vector<NodePtr> order_;
  std::map<EntryKey, Entry> values_;
  std::map<const nnvm::Node*, Rebuilt> rebuilt_;
  Replacements aux_copies_;          // (copy, the state it copies)
  std::map<EntryKey, Entry> drawn_;  // graph entry -> the _CachedOp output holding it
};

// The shapes autograd recorded for a node's inputs (empty where none).
InputShapes RecordedShapes(const NodePtr& node) {
  InputShapes shapes;
  for (const Entry& e : bridge::Inputs(node)) {
    shapes.emplace_back();
    if (!bridge::RecordedShape(e, &shapes.back())) shapes.back().clear();
  }
  return shapes;
}

// _foreach(body; data..., states..., remains...): for t < length, the body on
// (data_j[t], states, remains) at the locations in_data_locs, in_state_locs and
// remain_locs of its inputs gives (out_0..out_{k-1}, states'); the outputs are the
// out_j stacked along axis 0, then the last states. Unrolled: the body recomputed
// once per step.
std::vector<Expr> ForeachTwin(const NodePtr& node, const std::vector<Expr>& in, long length,
                              const InputShapes& shapes) {
  if (length == 0) throw Unsupported(node, EmptyLoop());
  const std::vector<long> data_locs = IntsAttr(node, "in_data_locs");
  const std::vector<long> state_locs = IntsAttr(node, "in_state_locs");
  const std::vector<long> remain_locs = IntsAttr(node, "remain_locs");
  const long num_out_data = IntAttr(node, "num_out_data", 0);
  const bridge::SymbolGraph body = bridge::ReadSubgraph(node, 0);
  const size_t nd = data_locs.size(), ns = state_locs.size();
  if (body.inputs.size() != in.size() || nd + ns + remain_locs.size() != in.size())
    throw Unsupported(node, "its loop body takes " + std::to_string(body.inputs.size()) +
                                " inputs for " + std::to_string(in.size()) + " node inputs");
  std::vector<std::vector<Expr>> slices;  // data j at each step
  for (size_t j = 0; j < nd; ++j) {
    const Expr pieces =
        apply("_split_v2", {in[j]},
              {{"indices", "()"}, {"sections", Str(length)}, {"axis", "0"}, {"squeeze_axis", "1"}});
    slices.emplace_back();
    for (long t = 0; t < length; ++t) slices.back().push_back(output(pieces, t));
  }
  InputShapes body_shapes(in.size());  // a step of the data, the states, the remains
  for (size_t j = 0; j < in.size() && j < shapes.size(); ++j) {
    const long loc = j < nd        ? data_locs[j]
                     : j < nd + ns ? state_locs[j - nd]
                                   : remain_locs[j - nd - ns];
    body_shapes.at(loc) = j < nd && !shapes[j].empty()
                              ? std::vector<long>(shapes[j].begin() + 1, shapes[j].end())
                              : shapes[j];
  }
  std::vector<Expr> states(in.begin() + nd, in.begin() + nd + ns);
  std::vector<std::vector<Expr>> outs(num_out_data);
  for (long t = 0; t < length; ++t) {
    Entries step(in.size());
    for (size_t j = 0; j < nd; ++j) step.at(data_locs[j]) = slices[j][t].entry();
    for (size_t j = 0; j < ns; ++j) step.at(state_locs[j]) = states[j].entry();
    for (size_t j = 0; j < remain_locs.size(); ++j)
      step.at(remain_locs[j]) = in[nd + ns + j].entry();
    const Recomputation iteration(body, step, nullptr, body_shapes);
    std::vector<Expr> values;
    for (const Entry& e : body.outputs) values.emplace_back(iteration.value(e), false);
    for (long k = 0; k < num_out_data; ++k) outs[k].push_back(values.at(k));
    states.assign(values.begin() + num_out_data, values.end());
  }
  std::vector<Expr> result;
  for (const std::vector<Expr>& steps : outs)
    result.push_back(apply("stack", steps, {{"axis", "0"}, {"num_args", Str(length)}}));
  result.insert(result.end(), states.begin(), states.end());
  return result;
}

// The outputs of `graph` (subgraph i of a control-flow node), recomputed on the
// node's inputs at `locs`.
std::vector<Expr> Branch(const NodePtr& node, const bridge::SymbolGraph& graph, size_t i,
                         const std::vector<Expr>& in, const std::vector<long>& locs,
                         const InputShapes& shapes) {
  if (graph.inputs.size() != locs.size())
    throw Unsupported(node, "its subgraph " + std::to_string(i) + " takes " +
                                std::to_string(graph.inputs.size()) + " inputs for " +
                                std::to_string(locs.size()) + " locations");
  Entries args;
  InputShapes arg_shapes;
  for (long loc : locs) {
    args.push_back(in.at(loc).entry());
    arg_shapes.push_back(static_cast<size_t>(loc) < shapes.size() ? shapes[loc]
                                                                  : std::vector<long>());
  }
  const Recomputation branch(graph, args, nullptr, arg_shapes);
  std::vector<Expr> outs;
  for (const Entry& e : graph.outputs) outs.emplace_back(branch.value(e), false);
  return outs;
}

std::vector<Expr> Branch(const NodePtr& node, size_t i, const std::vector<Expr>& in,
                         const std::vector<long>& locs, const InputShapes& shapes) {
  return Branch(node, bridge::ReadSubgraph(node, i), i, in, locs, shapes);
}

// _cond(pred; then; else) = then(inputs) where pred(inputs) != 0, else else(inputs):
// both branches recomputed, joined by where (its gradient passes each branch
// only the part of the head its selection took, zeros to the other)
std::vector<Expr> CondTwin(const NodePtr& node, const std::vector<Expr>& in,
                           const InputShapes& shapes) {
  const Expr pred = Branch(node, 0, in, IntsAttr(node, "cond_input_locs"), shapes).at(0);
  const std::vector<Expr> then = Branch(node, 1, in, IntsAttr(node, "then_input_locs"), shapes);
  const std::vector<Expr> otherwise =
      Branch(node, 2, in, IntsAttr(node, "else_input_locs"), shapes);
  if (then.size() != otherwise.size())
    throw Unsupported(node, "its branches give different numbers of outputs");
  const Expr taken = apply("_not_equal_scalar", {pred}, {{"scalar", "0"}});
  std::vector<Expr> outs;
  for (size_t k = 0; k < then.size(); ++k)
    outs.push_back(apply("_npi_where", {taken, then[k], otherwise[k]}));
  return outs;
}

// _while_loop(cond; func; inputs) for at most max_iterations steps: while
// cond(vars) != 0, func(vars) = (out_0..out_{k-1}, vars'). Unrolled to
// max_iterations steps, each one masked by whether the loop was still running:
// running_t = running_{t-1} * (cond(vars_t) != 0), vars_{t+1} = where(running_t,
// vars', vars_t), output row t = where(running_t, out_t, 0). The values of the
// steps taken are the forward's; the rows past the last one (left unwritten by
// the forward kernel) are zeros, and no gradient reaches the steps not taken.
std::vector<Expr> WhileLoopTwin(const NodePtr& node, const std::vector<Expr>& in,
                                const InputShapes& shapes) {
  const long steps = IntAttr(node, "max_iterations", 0);
  const long num_out_data = IntAttr(node, "num_out_data", 0);
  const std::vector<long> cond_locs = IntsAttr(node, "cond_input_locs");
  const std::vector<long> func_locs = IntsAttr(node, "func_input_locs");
  const std::vector<long> var_locs = IntsAttr(node, "func_var_locs");
  const bridge::SymbolGraph cond = bridge::ReadSubgraph(node, 0);
  const bridge::SymbolGraph func = bridge::ReadSubgraph(node, 1);
  if (func.outputs.size() != num_out_data + var_locs.size())
    throw Unsupported(node, "its loop body gives " + std::to_string(func.outputs.size()) +
                                " outputs for " + std::to_string(num_out_data) + " outputs and " +
                                std::to_string(var_locs.size()) + " loop variables");
  std::vector<Expr> vars = in;  // the node's inputs, loop variables updated in place
  std::vector<std::vector<Expr>> rows(num_out_data);
  std::vector<Expr> running;  // running_t, step by step
  for (long t = 0; t < steps; ++t) {
    const Expr go =
        apply("_not_equal_scalar", {Branch(node, cond, 0, vars, cond_locs, shapes).at(0)},
              {{"scalar", "0"}});
    running.push_back(t == 0 ? go : running.back() * go);
    const std::vector<Expr> body = Branch(node, func, 1, vars, func_locs, shapes);
    for (long k = 0; k < num_out_data; ++k)
      rows[k].push_back(apply("_npi_where", {running.back(), body[k], zeros_like(body[k])}));
    for (size_t j = 0; j < var_locs.size(); ++j) {
      Expr& var = vars.at(func_locs.at(var_locs[j]));
      var = apply("_npi_where", {running.back(), body[num_out_data + j], var});
    }
  }
  std::vector<Expr> result;
  for (const std::vector<Expr>& outs : rows)
    result.push_back(apply("stack", outs, {{"axis", "0"}, {"num_args", Str(steps)}}));
  for (long loc : var_locs) result.push_back(vars.at(func_locs.at(loc)));
  return result;
}

// MXNet runs every node of a gradient graph, a forward node reached only through
// a tie (the stock backward node's to the node it differentiates, for shapes)
// included, and asks no output of it that nothing reads (kNullOp). Many kernels
// refuse to leave output 0 unwritten (Convolution, Deconvolution, BatchNorm in
// predict mode): the block's last op is such a node when its own gradient does
// not read its output and no later op does. The nodes of gradients `grads` just
// made from the recomputed `value` (searched up to the nodes in `outside`, which
// the rule did not make) that tie its node, where none of them reads `value`.
std::vector<NodePtr> TiesWithoutReader(const Grads& grads, const Entry& value,
                                       const std::set<const nnvm::Node*>& outside) {
  std::set<const nnvm::Node*> seen;
  std::vector<const NodePtr*> queue;  // breadth first: a reader is near, where one is
  std::vector<NodePtr> ties;
  auto visit = [&](const NodePtr& node) {
    if (!bridge::OpOf(node) || outside.count(node.get()) || !seen.insert(node.get()).second) return;
    queue.push_back(&node);
  };
  for (const Expr& g : grads) {
    if (KeyOf(g.entry()) == KeyOf(value)) return {};  // handed to MXNet, which reads it
    visit(g.entry().node);
  }
  for (size_t k = 0; k < queue.size(); ++k) {
    const NodePtr& node = *queue[k];
    for (const Entry& e : bridge::Inputs(node)) {
      if (KeyOf(e) == KeyOf(value)) return {};
      visit(e.node);
    }
    for (const NodePtr& dep : bridge::ControlDeps(node)) {
      if (dep == value.node) ties.push_back(node);
      visit(dep);
    }
  }
  return ties;
}

// Gradients of a recomputed op that tie it without reading its output 0 `value`
// (y): each such tie also waits for zeros_like(y), a node that reads y (its
// kernel writes nothing, its own output unread). No value changes, and a later
// pass, which records no ties, never reaches it.
Grads ReadingOutput(Grads grads, const Entry& value, const std::set<const nnvm::Node*>& outside) {
  const std::vector<NodePtr> ties = TiesWithoutReader(grads, value, outside);
  if (ties.empty()) return grads;
  const NodePtr reader = zeros_like(Expr(value, false)).entry().node;
  for (const NodePtr& node : ties) {
    std::vector<NodePtr> deps = bridge::ControlDeps(node);  // the forward node stays first
    deps.push_back(reader);
    bridge::SetControlDeps(node, deps);
  }
  return grads;
}

// d<heads, G(x)>/dx for the block's graph G: each op's own gradient, chained.
// `update_states`: whether the backward kernels may update auxiliary states.
Grads BlockGradient(const Backward& n, const bridge::SymbolGraph& graph, bool update_states) {
  const Entries& node_inputs = bridge::Inputs(n.node());
  Recomputation forward(graph, node_inputs, n.node());
  std::map<EntryKey, Expr> grads;  // keyed by the entries of the block's graph
  auto accumulate = [&](const Entry& e, const Expr& g) {
    if (bridge::OpName(g.entry().node) == "_NoGradient") return;
    auto found = grads.find(KeyOf(e));
    if (found == grads.end())
      grads.emplace(KeyOf(e), g);
    else
      found->second = add_skipping_zeros(found->second, g);
  };
  std::set<const nnvm::Node*> outside = {n.node().get()};  // nodes this rule did not make
  for (const Entry& e : node_inputs) outside.insert(e.node.get());
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    if (n.head_is_zero(i)) continue;
    const Entry head = n.head(i).entry();
    outside.insert(head.node.get());
    accumulate(graph.outputs[i], Expr(head, false));
  }

  std::set<const nnvm::Node*> aux;  // the auxiliary states' variables
  for (size_t i = 0; i < graph.inputs.size(); ++i)
    if (graph.is_aux[i]) aux.insert(graph.inputs[i].get());
  const auto& order = forward.order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const NodePtr& node = *it;
    const Recomputation::Rebuilt& rebuilt = forward.rebuilt(node);
    const Entries& inputs = bridge::Inputs(node);
    if (!rebuilt.node) {  // expressions of the node's inputs
      for (uint32_t k = 0; k < rebuilt.outs.size(); ++k) {
        auto found = grads.find(EntryKey{node.get(), k});
        if (found == grads.end()) continue;
        const Grads input_grads = ReadingOutput(vjp(rebuilt.outs[k], rebuilt.inputs, found->second),
                                                rebuilt.outs[k].entry(), outside);
        for (size_t j = 0; j < inputs.size(); ++j) accumulate(inputs[j], input_grads[j]);
      }
      continue;
    }
    std::vector<Expr> heads;
    // Zero heads only: zero gradients, left out, unless the op updates states in
    // its backward kernel (BatchNorm), which stock's backward graph would run.
    bool any = false, updates_states = false;
    for (const Entry& e : inputs) updates_states = updates_states || aux.count(e.node.get());
    for (uint32_t i = 0; i < bridge::NumOutputs(rebuilt.node); ++i) {
      auto found = grads.find(EntryKey{node.get(), i});
      any = any || (found != grads.end() && (updates_states || !is_zeros(found->second)));
      heads.push_back(found != grads.end() ? found->second
                                           : zeros_like(Expr(Entry{rebuilt.node, i, 0}, false)));
    }
    if (!any || inputs.empty()) continue;  // an op of no inputs (zeros) passes nothing back
    if (bridge::GradientPriority(bridge::OpOf(rebuilt.node)) == 0)
      throw std::runtime_error("Operator " + bridge::OpName(rebuilt.node) +
                               " is non-differentiable because it didn't register FGradient "
                               "attribute.");
    Entries head_entries;
    for (const Expr& h : heads) head_entries.push_back(h.entry());
    Grads made;
    for (const Entry& g : bridge::CallGradient(rebuilt.node, head_entries))
      made.emplace_back(g, false);
    const Grads input_grads = ReadingOutput(made, Entry{rebuilt.node, 0, 0}, outside);
    if (update_states) forward.RestoreAuxInputs(input_grads);
    for (size_t j = 0; j < inputs.size(); ++j) accumulate(inputs[j], input_grads.at(j));
  }

  Grads result;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    auto found = grads.find(EntryKey{graph.inputs[i].get(), 0});
    const bool has = found != grads.end() && !graph.is_aux[i];
    result.push_back(has ? found->second : zeros_like(Expr(node_inputs[i], false)));
  }
  return result;
}

// _cond and _while_loop in mxnet_ho.symbol.grad: their twins read the node's
// outputs, whose shapes MXNet's shape inference leaves unknown in a symbol (an
// executor then runs with dynamic shapes, which cannot run the twins' backward
// ops), and stock's backward kernels need the op state only an executor's own
// backward pass records ("We didn't record the computation for iteration 0").
std::runtime_error NoSymbolicGradient(const NodePtr& node) {
  return std::runtime_error("mxnet-ho: no symbolic gradient through " + bridge::OpName(node) +
                            " (node " + bridge::NodeName(node) +
                            "): MXNet infers no shapes for its outputs in a symbol, and its "
                            "stock backward kernel runs only in an executor's own backward "
                            "pass; run it in a hybridized block, where every order works");
}

}  // namespace

// y = foreach(body; data, states, remains) unrolled over the length T of its data (recorded, or
// inferred from the block's input shapes): body(data[t], states_t, remains) = (out_t,
// states_{t+1}); outputs stack(out_t), states_T. Gradient: vjp of the unrolled body (first order:
// stock _backward_foreach)
MXNET_HO_GRADIENT(_foreach).keeps_stock().set_rule([](const Backward& n) -> Grads {
  const KnownShapes* symbolic = known_shapes();
  if (building_symbol() && symbolic == nullptr)
    throw std::runtime_error(
        "mxnet-ho: a symbolic gradient through _foreach (node " + bridge::NodeName(n.node()) +
        ") unrolls the loop over the length of its data, which a symbol does not carry: give "
        "the shapes of the symbol's inputs, mxnet_ho.symbol.grad(..., shapes={name: shape}) "
        "(stock's backward kernel needs the iterations only an executor's own backward pass "
        "records)");
  if (!creating_graph() && symbolic == nullptr) return n.stock();
  InputShapes shapes = RecordedShapes(n.node());
  if (symbolic != nullptr) {
    const InputShapes inferred = bridge::InferShapes(bridge::Inputs(n.node()), *symbolic);
    for (size_t j = 0; j < shapes.size(); ++j)
      if (shapes[j].empty()) shapes[j] = inferred[j];
  }
  if (shapes.at(0).empty())
    throw Unsupported(n.node(),
                      "the length of its data is unknown (no array autograd recorded, and "
                      "the shapes given to mxnet_ho.symbol.grad do not determine it)");
  // A forward op recorded by itself (a hybridized block of at most inline_limit
  // ops is recorded op by op), or a symbol's: the vjp of its twin on the node's
  // inputs (the stock gradient keeps every input).
  const std::vector<Expr> inputs = n.inputs();
  return twin_vjp(n, ForeachTwin(n.node(), inputs, shapes[0][0], shapes), inputs);
});

// y = where(pred(x) != 0, then(x), else(x)), both branches recomputed: the gradient passes each
// branch its selected part of the head, zeros to the other (first order: stock _backward_cond)
MXNET_HO_GRADIENT(_cond).keeps_stock().set_rule([](const Backward& n) -> Grads {
  if (building_symbol()) throw NoSymbolicGradient(n.node());
  if (!creating_graph()) return n.stock();
  const std::vector<Expr> inputs = n.inputs();
  return twin_vjp(n, CondTwin(n.node(), inputs, RecordedShapes(n.node())), inputs);
});

// y = while_loop(cond; func; vars) unrolled to max_iterations steps, step t masked by running_t =
// prod_{s<=t} (cond(vars_s) != 0): vars_{t+1} = where(running_t, func(vars_t), vars_t), output row
// t = where(running_t, out_t, 0). Gradient: vjp of the unrolled loop (first order: stock
// _backward_while_loop)
MXNET_HO_GRADIENT(_while_loop).keeps_stock().set_rule([](const Backward& n) -> Grads {
  if (building_symbol()) throw NoSymbolicGradient(n.node());
  if (!creating_graph()) return n.stock();
  const std::vector<Expr> inputs = n.inputs();
  return twin_vjp(n, WhileLoopTwin(n.node(), inputs, RecordedShapes(n.node())), inputs);
});

Entries RecomputeGraph(const bridge::SymbolGraph& graph, const Entries& inputs) {
  Recomputation forward(graph, inputs, nullptr);
  Entries values;
  for (const Entry& e : graph.outputs) values.push_back(forward.value(e));
  return values;
}

Entries RandomOutputs(const Entries& outputs) {
  Entries drawn;
  for (const NodePtr& node : OpsInOrder(outputs)) {
    if (DropoutDraws(node)) drawn.push_back(Entry{node, 1, 0});
    // a reparameterized sampler's samples and noise (recomputed from its parameters)
    if (IsReparameterizedSampler(bridge::OpName(node)) && !SamplesAreConstants(node))
      for (uint32_t i = 0; i < 2; ++i) drawn.push_back(Entry{node, i, 0});
    if (!SamplesAreConstants(node)) continue;
    for (uint32_t i = 0; i < bridge::NumOutputs(node); ++i) drawn.push_back(Entry{node, i, 0});
  }
  return drawn;
}

void RememberCachedOp(const void* cached_op, bridge::SymbolGraph graph) {
  std::lock_guard<std::mutex> lock(g_graphs_mutex);
  Graphs()[cached_op] = std::make_shared<const bridge::SymbolGraph>(std::move(graph));
}

void ForgetCachedOp(const void* cached_op) {
  std::lock_guard<std::mutex> lock(g_graphs_mutex);
  Graphs().erase(cached_op);
}

// y = G(x): x_bar = each op of G, in reverse, applying its own gradient to the recomputed forward,
// under create_graph and in any later pass through a node differentiated so; its states
// (BatchNorm's moving statistics) updated by the first such pass only (first order: stock
// _backward_CachedOp)
MXNET_HO_GRADIENT(_CachedOp).keeps_stock().set_rule([](const Backward& n) -> Grads {
  const bool before = n.differentiated_before();
  if (!creating_graph() && !before) return n.stock();
  auto graph = GraphOf(bridge::CachedOpOf(n.node()));
  if (!graph) return n.stock();  // not made through mx.nd.CachedOp: stock's own error
  return BlockGradient(n, *graph, !before);
});

}  // namespace op
}  // namespace mxnet_ho
