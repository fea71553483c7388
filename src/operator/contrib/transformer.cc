// Gradients of the backward ops of the interleaved attention products
// (contrib/transformer.cc), the ones GluonNLP's BERT and transformer cells use.
//
// With heads H and head size D, a self-attention input x (L, B, 3*H*D) holds, for
// each step and sequence, the projections of head h side by side as slots
// (q, k, v); an encoder-decoder pair is q (Lq, B, H*D) and kv (Lk, B, 2*H*D), each
// head as slots (k, v); an output (L, B, H*D) holds one slot per head. Viewed per
// batch-head b*H + h as matrices (L, D) — Q, K, V the slots, G the head gradient,
// A the attention weights (B*H, Lq, Lk) — and with s = 1/sqrt(D):
//   selfatt_qk(x) = s*Q*K^T,   selfatt_valatt(x, A) = A*V,
//   encdec_qk(q, kv) = s*Q*K^T, encdec_valatt(kv, A) = A*V,
// bilinear in the views, which are linear maps of the inputs. Each rule takes
// the views of the inputs and of the heads, forms the products of the bilinear
// rule, and lays gradients of views out again (zeros in the slots an op does not
// read); [a, b, c] below is that layout. Only reshape, slice_axis, transpose,
// Concat, batch_dot and div_sqrt_dim are used: the stock backward kernels of
// encdec_qk and selfatt_valatt return before writing their second output when
// the first is not requested, which a higher-order pass does (a product with a
// constant direction), so rules never build those ops.
#include "dsl/grad_dsl.h"

namespace mxnet_ho {
namespace op {
namespace {

Expr reshape(const Expr& x, const std::string& shape) {
  return apply("Reshape", {x}, {{"shape", shape}});
}

// x (L, B, H*S*D), its S slots per head side by side, as (B, H, S, L, D).
Expr slots_per_head(const Expr& x, long heads, int slots) {
  Expr by_slot =
      reshape(x, "(0, 0, " + std::to_string(heads) + ", " + std::to_string(slots) + ", -1)");
  return apply("transpose", {by_slot}, {{"axes", "(1, 2, 3, 0, 4)"}});
}

// Slot i of slots_per_head, per batch-head b*H + h: (B*H, L, D).
Expr slot(const Expr& per_head, int i) {
  Expr one = apply("slice_axis", {per_head},
                   {{"axis", "2"}, {"begin", std::to_string(i)}, {"end", std::to_string(i + 1)}});
  return reshape(one, "(-3, -3, 0)");
}

// Slot i of the `slots` of x per batch-head (x itself, per batch-head, for one slot).
Expr slot_of(const Expr& x, long heads, int slots, int i) {
  if (slots > 1) return slot(slots_per_head(x, heads, slots), i);
  Expr per_head = reshape(x, "(0, 0, " + std::to_string(heads) + ", -1)");
  return reshape(apply("transpose", {per_head}, {{"axes", "(1, 2, 0, 3)"}}), "(-3, 0, 0)");
}

// The inverse layout: [pieces...], each (B*H, L, D), as the slots per head of
// (L, B, H*S*D).
Expr interleave(const std::vector<Expr>& pieces, long heads) {
  const std::string S = std::to_string(pieces.size());
  Expr joined =
      pieces.size() == 1 ? pieces[0] : apply("Concat", pieces, {{"num_args", S}, {"dim", "1"}});
  Expr per_head = reshape(joined, "(-4, -1, " + std::to_string(heads) + ", -4, " + S + ", -1, 0)");
  Expr steps_first =
      apply("transpose", {per_head}, {{"axes", "(3, 0, 1, 2, 4)"}});  // (L, B, H, S, D)
  return reshape(steps_first, "(0, 0, -1)");
}

Expr batch_dot(const Expr& a, const Expr& b, bool transpose_a, bool transpose_b) {
  return apply("batch_dot", {a, b},
               {{"transpose_a", transpose_a ? "True" : "False"},
                {"transpose_b", transpose_b ? "True" : "False"}});
}

// s*x: x/sqrt(D), D its last axis.
Expr scaled(const Expr& x) { return apply("_contrib_div_sqrt_dim", {x}); }

// s*Q*K^T, and its partial gradients at G: s*G*K and s*G^T*Q.
Expr scores(const Expr& q, const Expr& k) { return batch_dot(scaled(q), k, false, true); }
Expr scores_grad_q(const Expr& g, const Expr& k) { return batch_dot(g, scaled(k), false, false); }
Expr scores_grad_k(const Expr& g, const Expr& q) { return batch_dot(g, scaled(q), true, false); }

// A*V, and its partial gradients at G: G*V^T and A^T*G.
Expr weighted(const Expr& a, const Expr& v) { return batch_dot(a, v, false, false); }
Expr weighted_grad_a(const Expr& g, const Expr& v) { return batch_dot(g, v, false, true); }
Expr weighted_grad_v(const Expr& g, const Expr& a) { return batch_dot(a, g, true, false); }

long Heads(const Backward& n) { return n.integer("heads", 1); }

// The rule of the weighted values A*V, V = slot v_slot of kv (v_slots slots), at
// inputs (g, kv, A): {d/dg, d/dkv, d/dA}.
Grads weighted_rule(const Backward& n, int v_slots, int v_slot) {
  const long heads = Heads(n);
  Expr g = n.in(0), kv = n.in(1), a = n.in(2);
  Expr h_kv = n.head(0, kv), h_a = n.head(1, a);
  Expr G = slot_of(g, heads, 1, 0);
  std::optional<Expr> dg;
  Expr dkv = zeros_like(kv), da = zeros_like(a);
  if (!is_zeros(h_a)) {
    dg = weighted(h_a, slot_of(kv, heads, v_slots, v_slot));
    Expr dv = weighted_grad_v(G, h_a);
    std::vector<Expr> pieces(v_slots, zeros_like(dv));
    pieces[v_slot] = dv;
    dkv = interleave(pieces, heads);
  }
  if (!is_zeros(h_kv)) {
    Expr V_h = slot_of(h_kv, heads, v_slots, v_slot);
    Expr term = weighted(a, V_h);
    dg = dg ? *dg + term : term;
    da = weighted_grad_a(G, V_h);
  }
  return {dg ? interleave({*dg}, heads) : zeros_like(g), dkv, da};
}

}  // namespace

// gx = [s*g*K, s*g^T*Q, 0] (Q, K the slots of x per batch-head, s = 1/sqrt(D)):
// d/dg = s*(Q_h*K^T + Q*K_h^T); d/dx = [s*g*K_h, s*g^T*Q_h, 0] (Q_h, K_h the slots of h)
MXNET_HO_GRADIENT(_backward_interleaved_matmul_selfatt_qk).set_rule([](const Backward& n) -> Grads {
  const long heads = Heads(n);
  Expr g = n.in(0), x = n.in(1), h = n.head(0, x);
  Expr x_heads = slots_per_head(x, heads, 3), h_heads = slots_per_head(h, heads, 3);
  Expr Q = slot(x_heads, 0), K = slot(x_heads, 1), Q_h = slot(h_heads, 0), K_h = slot(h_heads, 1);
  Expr dq = scores_grad_q(g, K_h);
  return {scores(Q_h, K) + scores(Q, K_h),
          interleave({dq, scores_grad_k(g, Q_h), zeros_like(dq)}, heads)};
});

// (gx, ga) = ([0, 0, a^T*G], G*V^T) (G = g per batch-head, V the value slot of x):
// d/dg = h_a*V + a*V_h; d/dx = [0, 0, h_a^T*G]; d/da = G*V_h^T
MXNET_HO_GRADIENT(_backward_interleaved_matmul_selfatt_valatt)
    .set_rule([](const Backward& n) -> Grads { return weighted_rule(n, 3, 2); });

// (gq, gkv) = (s*g*K, [s*g^T*Q, 0]) (Q = q per batch-head, K the key slot of kv):
// d/dg = s*(Q_h*K^T + Q*K_h^T); d/dq = s*g*K_h; d/dkv = [s*g^T*Q_h, 0]
MXNET_HO_GRADIENT(_backward_interleaved_matmul_encdec_qk).set_rule([](const Backward& n) -> Grads {
  const long heads = Heads(n);
  Expr g = n.in(0), q = n.in(1), kv = n.in(2);
  Expr h_q = n.head(0, q), h_kv = n.head(1, kv);
  std::optional<Expr> dg;
  Expr dq = zeros_like(q), dkv = zeros_like(kv);
  if (!is_zeros(h_q)) {
    Expr Q_h = slot_of(h_q, heads, 1, 0);
    dg = scores(Q_h, slot_of(kv, heads, 2, 0));
    Expr dk = scores_grad_k(g, Q_h);
    dkv = interleave({dk, zeros_like(dk)}, heads);
  }
  if (!is_zeros(h_kv)) {
    Expr K_h = slot_of(h_kv, heads, 2, 0);
    Expr term = scores(slot_of(q, heads, 1, 0), K_h);
    dg = dg ? *dg + term : term;
    dq = interleave({scores_grad_q(g, K_h)}, heads);
  }
  return {dg ? *dg : zeros_like(g), dq, dkv};
});

// (gkv, ga) = ([0, a^T*G], G*V^T) (V the value slot of kv): d/dg = h_a*V + a*V_h;
// d/dkv = [0, h_a^T*G]; d/da = G*V_h^T
MXNET_HO_GRADIENT(_backward_interleaved_matmul_encdec_valatt)
    .set_rule([](const Backward& n) -> Grads { return weighted_rule(n, 2, 1); });

}  // namespace op
}  // namespace mxnet_ho
