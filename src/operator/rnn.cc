// RNN, the fused recurrent layer behind Gluon's rnn.LSTM, rnn.GRU and rnn.RNN.
//
// Its stock gradient `_backward_RNN` reads the forward's reserve space out of
// the op's state, and a stateful op cannot run inside a recorded gradient graph
// (docs/BINARY-FACTS.md, 7). First order stays that stock kernel; when a graph
// is being created the rule recomputes the layer as its unrolled twin (gates,
// cell and hidden states step by step, with FullyConnected, _split_v2, the
// activations, elementwise arithmetic and stack) from the node's inputs, and
// returns the twin's vjp, differentiable to any order.
//
// The twin unrolls over the sequence length T, which is not an attribute of the
// op: it is read from the array autograd recorded for the node's output
// (bridge::RecordedShape), or, in a hybridized block, inferred from the shapes
// of the block's inputs (imperative/cached_op.cc).
#include "operator/rnn.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace mxnet_ho {
namespace op {
namespace {

std::string Str(long v) { return std::to_string(v); }

bool Flag(const NodePtr& node, const char* key) {
  const std::string text = bridge::Attr(node, key, "0");
  return text == "1" || text == "True" || text == "true";
}

bool Given(const NodePtr& node, const char* key) {
  const std::string text = bridge::Attr(node, key, "None");
  return !text.empty() && text != "None";
}

std::runtime_error Refused(const std::string& why) {
  return std::runtime_error(
      "mxnet-ho: no gradient of order 2 or more through RNN (the fused recurrent layer): " + why);
}

// The layer's shape: G gates of H units per layer and direction.
struct Layout {
  std::string mode;
  long H, L, D, G;
};

// Whether the forward pass applied the dropout between layers. MKL-DNN's kernel
// (float32 on CPU) ignores p; the native CPU kernel applies it whenever
// autograd records, in predict mode too; cuDNN is not checked here.
bool DropoutApplied(double p, long layers, const RnnKernel& kernel) {
  if (p <= 0 || layers < 2) return false;
  const bool mkldnn = kernel.dev_type == 1 && kernel.dtype == 0 && bridge::MkldnnRnnEnabled();
  return !mkldnn;
}

Layout ReadLayout(const NodePtr& node, const RnnKernel& kernel) {
  Layout l;
  l.mode = bridge::Attr(node, "mode", "");
  l.H = std::atol(bridge::Attr(node, "state_size", "0").c_str());
  l.L = std::atol(bridge::Attr(node, "num_layers", "0").c_str());
  l.D = Flag(node, "bidirectional") ? 2 : 1;
  l.G = l.mode == "lstm" ? 4 : l.mode == "gru" ? 3 : 1;
  if (l.mode != "lstm" && l.mode != "gru" && l.mode != "rnn_tanh" && l.mode != "rnn_relu")
    throw Refused("unknown mode " + l.mode);
  if (Flag(node, "use_sequence_length"))
    throw Refused(
        "use_sequence_length is not supported (stock runs it on cuDNN only, so it "
        "cannot be checked on CPU)");
  if (Given(node, "projection_size"))
    throw Refused("projection_size is not supported (stock cannot record it on CPU)");
  if (Given(node, "lstm_state_clip_min") || Given(node, "lstm_state_clip_max"))
    throw Refused("lstm_state_clip_min/max is not supported (cuDNN only)");
  const double p = std::strtod(bridge::Attr(node, "p", "0").c_str(), nullptr);
  if (DropoutApplied(p, l.L, kernel))
    throw Refused(
        "the dropout between layers (p > 0) drew a mask the op does not expose (the "
        "native CPU kernel applies it whenever autograd records, in predict mode "
        "too; only MKL-DNN's float32 kernel ignores it); use p = 0 or the unfused "
        "cells");
  return l;
}

Expr Slice(const Expr& x, long begin, long end) {  // x[begin:end] on axis 0; end 0: to the end
  return apply("slice_axis", {x},
               {{"axis", "0"}, {"begin", Str(begin)}, {"end", end == 0 ? "None" : Str(end)}});
}

// `x` cut into `n` equal pieces along `axis`, that axis dropped if `squeeze`.
std::vector<Expr> Split(const Expr& x, long n, long axis, bool squeeze) {
  const Expr pieces = apply("_split_v2", {x},
                            {{"indices", "()"},
                             {"sections", Str(n)},
                             {"axis", Str(axis)},
                             {"squeeze_axis", squeeze ? "1" : "0"}});
  std::vector<Expr> out;
  for (long i = 0; i < n; ++i) out.push_back(output(pieces, static_cast<size_t>(i)));
  return out;
}

Expr Stack(const std::vector<Expr>& xs, long axis) {
  return apply("stack", xs, {{"axis", Str(axis)}, {"num_args", Str(static_cast<long>(xs.size()))}});
}

Expr Dense(const Expr& x, const Expr& w, const Expr& b, long units, bool flatten) {
  return apply("FullyConnected", {x, w, b},
               {{"num_hidden", Str(units)}, {"flatten", flatten ? "True" : "False"}});
}

// One layer and direction's weights and biases, cut out of the flat parameter
// vector. MXNet lays it out as every weight, then every bias: for each layer,
// for each direction, i2h (G*H, input) then h2h (G*H, H) weights; then for each
// layer and direction the i2h and h2h biases (G*H each). Layer 0's input width
// is not known here, so everything is addressed from the end of the vector,
// and layer 0's directions split its (equal) share.
struct Weights {
  Expr i2h_w, h2h_w, i2h_b, h2h_b;
};

std::vector<Weights> CutParameters(const Layout& l, const Expr& params) {
  const long GH = l.G * l.H, wi = GH * l.D * l.H, wh = GH * l.H;
  const long biases = l.L * l.D * 2 * GH, deep = (l.L - 1) * l.D * (wi + wh);
  const long tail = deep + biases;  // the part after layer 0's weights
  auto from_tail = [&](long begin, long size) {
    return Slice(params, begin - tail, begin + size - tail);
  };
  const std::vector<Expr> first =
      Split(Slice(params, 0, -tail), l.D, 0, false);  // layer 0: (i2h, h2h) per direction
  std::vector<Weights> cut;
  for (long layer = 0; layer < l.L; ++layer) {
    for (long d = 0; d < l.D; ++d) {
      Expr i2h =
          layer == 0 ? Slice(first[d], 0, -wh) : from_tail(((layer - 1) * l.D + d) * (wi + wh), wi);
      Expr h2h = layer == 0 ? Slice(first[d], -wh, 0)
                            : from_tail(((layer - 1) * l.D + d) * (wi + wh) + wi, wh);
      const long bias = deep + (layer * l.D + d) * 2 * GH;
      cut.push_back({apply("reshape", {i2h}, {{"shape", "(" + Str(GH) + ",-1)"}}),
                     apply("reshape", {h2h}, {{"shape", "(" + Str(GH) + "," + Str(l.H) + ")"}}),
                     from_tail(bias, GH), from_tail(bias + GH, GH)});
    }
  }
  return cut;
}

struct State {
  Expr h, c;
};

// One step: x the input's i2h product (N, G*H), s the state before.
//   lstm: i, f, g, o = σ, σ, tanh, σ of x + W_h h + b_h;  c' = f c + i g;  h' = o tanh(c')
//   gru:  r, z = σ(x_rz + (W_h h + b_h)_rz);  n = tanh(x_n + r (W_h h + b_h)_n);  h' = n + z (h -
//   n) rnn_tanh / rnn_relu: h' = act(x + W_h h + b_h)
State Step(const Layout& l, const Weights& w, const Expr& x, const State& s) {
  const Expr hh = Dense(s.h, w.h2h_w, w.h2h_b, l.G * l.H, true);
  if (l.mode == "lstm") {
    const std::vector<Expr> gates = Split(x + hh, 4, 1, false);
    const Expr c = sigmoid(gates[1]) * s.c + sigmoid(gates[0]) * tanh(gates[2]);
    return {sigmoid(gates[3]) * tanh(c), c};
  }
  if (l.mode == "gru") {
    const std::vector<Expr> xs = Split(x, 3, 1, false), hs = Split(hh, 3, 1, false);
    const Expr r = sigmoid(xs[0] + hs[0]), z = sigmoid(xs[1] + hs[1]);
    const Expr n = tanh(xs[2] + r * hs[2]);
    return {n + z * (s.h - n), s.c};
  }
  return {l.mode == "rnn_relu" ? relu(x + hh) : tanh(x + hh), s.c};
}

}  // namespace

std::vector<Expr> RnnTwin(const NodePtr& node, const std::vector<Expr>& in, long seq_len,
                          const RnnKernel& kernel) {
  const Layout l = ReadLayout(node, kernel);
  if (seq_len == 0)
    throw Refused(
        "the sequence (axis 0 of its data) has length 0: a layer of no steps cannot be "
        "unrolled; give it at least one step");
  if (seq_len < 0) throw Refused("the sequence length is unknown");
  const bool lstm = l.mode == "lstm";
  const std::vector<Weights> weights = CutParameters(l, in.at(1));
  const std::vector<Expr> h0 = Split(in.at(2), l.L * l.D, 0, true);
  const std::vector<Expr> c0 = lstm ? Split(in.at(3), l.L * l.D, 0, true) : h0;
  std::vector<Expr> h_final, c_final;
  Expr x = in.at(0);  // (T, N, input)
  for (long layer = 0; layer < l.L; ++layer) {
    std::vector<Expr> directions;
    for (long d = 0; d < l.D; ++d) {
      const long k = layer * l.D + d;
      const Weights& w = weights[k];
      const std::vector<Expr> xw =
          Split(Dense(x, w.i2h_w, w.i2h_b, l.G * l.H, false), seq_len, 0, true);
      State s{h0[k], c0[k]};
      std::vector<Expr> hs(seq_len, s.h);
      for (long i = 0; i < seq_len; ++i) {  // forward in time, or backward (d = 1)
        const long t = d == 0 ? i : seq_len - 1 - i;
        s = Step(l, w, xw[t], s);
        hs[t] = s.h;
      }
      h_final.push_back(s.h);
      c_final.push_back(s.c);
      directions.push_back(Stack(hs, 0));  // (T, N, H)
    }
    x = l.D == 1 ? directions[0] : apply("Concat", directions, {{"num_args", "2"}, {"dim", "2"}});
  }
  std::vector<Expr> outs{x};
  if (Flag(node, "state_outputs")) {
    outs.push_back(Stack(h_final, 0));
    if (lstm) outs.push_back(Stack(c_final, 0));
  }
  return outs;
}

// Under create_graph the rule is the vjp of the unrolled twin, chained through
// every step's gates. A later pass through a node differentiated so is the twin too: stock's native
// kernel gets the lower layers' parameter gradients wrong when the data's gradient
// is not asked for (a Hessian-vector product w.r.t. the weights), and the passes
// then agree. A symbol's gradient (mxnet_ho.symbol.grad) given its inputs'
// shapes is the twin as well, T inferred from them, so that it is
// differentiable again.

// y = RNN(x, w, h0[, c0]) unrolled: lstm i,f,g,o = σ,σ,tanh,σ(W_i x_t + b_i + W_h h + b_h), c' = f
// c + i g, h' = o tanh(c');
// gru r,z = σ(..), n = tanh(W_in x_t + b_in + r (W_hn h + b_hn)), h' = n + z (h - n);
// rnn_tanh/relu h' = act(W_i x_t + b_i + W_h h + b_h); layers stacked, the reverse direction over
// reversed time, outputs concatenated. Gradient: vjp of that composition (first order: stock
// _backward_RNN)
MXNET_HO_GRADIENT(RNN).keeps_stock().set_rule([](const Backward& n) -> Grads {
  const KnownShapes* symbolic = known_shapes();
  const bool before = n.differentiated_before();
  if (!creating_graph() && symbolic == nullptr && !before) return n.stock();
  std::vector<long> shape;
  RnnKernel kernel;
  if (bridge::RecordedShape(Entry{n.node(), 0, 0}, &shape))
    bridge::RecordedTypeAndDevice(Entry{n.node(), 0, 0}, &kernel.dtype, &kernel.dev_type);
  else if (symbolic != nullptr)
    shape = bridge::InferShape(bridge::Inputs(n.node()).at(0), *symbolic);
  if (shape.size() != 3)
    throw Refused(
        "the sequence length is not known here: the node holds no array autograd "
        "recorded, and the shapes given (mxnet_ho.symbol.grad's shapes) do not "
        "determine its data's");
  const std::vector<Expr> inputs = n.inputs();
  return twin_vjp(n, RnnTwin(n.node(), inputs, shape[0], kernel), inputs);
});

}  // namespace op
}  // namespace mxnet_ho
