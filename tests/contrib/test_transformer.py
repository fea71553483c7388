"""Gradients of the interleaved attention products (selfatt_qk, selfatt_valatt,
encdec_qk, encdec_valatt) to order 3, and of a multi-head self-attention block
built from them as GluonNLP's encoders build it (a Dense projection to the
interleaved (q, k, v), selfatt_qk, softmax, selfatt_valatt, a Dense output
projection): the gradient of a gradient penalty and a Hessian-vector product
with respect to its weights, imperative and hybridized, against PyTorch.

MXNet runs these ops in float32 only on CPU, so each case names a reference: the
same function with reshape, slice_axis, transpose, batch_dot and div_sqrt_dim,
which run in float64. The harness holds the reference against finite
differences and the op's float32 derivatives against the reference's.
"""

import math

import numpy as np
import pytest
from mxnet import autograd, gluon, nd

from harness import Case, context, standard_tests

try:
    import torch
except ImportError:  # the op cases need no torch; the block test is skipped
    torch = None


# -- the layout: per head h, slots side by side along the last axis ------------------
def slot(F, x, heads, slots, i):
    """Slot i of `slots` per head of x (L, B, H*slots*D), as (B*H, L, D)."""
    t = F.slice_axis(F.reshape(x, shape=(0, 0, heads, slots, -1)), axis=3, begin=i, end=i + 1)
    t = F.transpose(F.reshape(t, shape=(0, 0, 0, -1)), axes=(1, 2, 0, 3))
    return F.reshape(t, shape=(-3, 0, 0))


def heads_side_by_side(F, o, heads):
    """(B*H, L, D) as (L, B, H*D)."""
    o = F.transpose(F.reshape(o, shape=(-4, -1, heads, 0, 0)), axes=(2, 0, 1, 3))
    return F.reshape(o, shape=(0, 0, -1))


def scores(F, q, k):
    return F.batch_dot(F.contrib.div_sqrt_dim(q), k, transpose_b=True)


# -- each op, and its float64 reference ------------------------------------------------
def selfatt_qk(heads):
    def op(F, x):
        return F.contrib.interleaved_matmul_selfatt_qk(x, heads=heads)

    def ref(F, x):
        return scores(F, slot(F, x, heads, 3, 0), slot(F, x, heads, 3, 1))

    return op, ref


def selfatt_valatt(heads):
    def op(F, x, a):
        return F.contrib.interleaved_matmul_selfatt_valatt(x, a, heads=heads)

    def ref(F, x, a):
        return heads_side_by_side(F, F.batch_dot(a, slot(F, x, heads, 3, 2)), heads)

    return op, ref


def encdec_qk(heads):
    def op(F, q, kv):
        return F.contrib.interleaved_matmul_encdec_qk(q, kv, heads=heads)

    def ref(F, q, kv):
        return scores(F, slot(F, q, heads, 1, 0), slot(F, kv, heads, 2, 0))

    return op, ref


def encdec_valatt(heads):
    def op(F, kv, a):
        return F.contrib.interleaved_matmul_encdec_valatt(kv, a, heads=heads)

    def ref(F, kv, a):
        return heads_side_by_side(F, F.batch_dot(a, slot(F, kv, heads, 2, 1)), heads)

    return op, ref


def composed(outer, ops):
    """Case fns outer(F, op, *inputs) for the op and for its reference."""
    return [lambda F, *xs, f=f: outer(F, f, *xs) for f in ops]


def case(name, outer, ops, shapes, **kwargs):
    fn, reference = composed(outer, ops)
    return Case(name, fn, shapes, reference=reference, **kwargs)


def sin_of(F, f, *xs):
    return F.sin(f(F, *xs))


def of_tanh(F, f, *xs):
    """The op of tanh'd inputs, squared: nonzero third derivatives in every input."""
    return f(F, *[F.tanh(x) for x in xs]) ** 2


def attention(qk, valatt):
    """softmax(qk) weighting the values: x -> valatt(x, softmax(qk(x)))."""

    def outer(F, f, x):
        return F.sin(f[1](F, x, F.softmax(f[0](F, x), axis=-1)))

    return outer, [(qk[0], valatt[0]), (qk[1], valatt[1])]


def encdec_attention(heads):
    qk, valatt = encdec_qk(heads), encdec_valatt(heads)

    def outer(F, f, q, kv):
        return F.sin(f[1](F, kv, F.softmax(f[0](F, q, kv), axis=-1)))

    return outer, [(qk[0], valatt[0]), (qk[1], valatt[1])]


def self_attention_case(name, heads, L, B, D):
    outer, ops = attention(selfatt_qk(heads), selfatt_valatt(heads))
    return case(name, outer, ops, [(L, B, 3 * heads * D)])


# (L, B, heads, D): one head, several, odd sizes; encoder-decoder with Lq != Lk.
CASES = [
    case("selfatt_qk_1head", sin_of, selfatt_qk(1), [(3, 2, 3 * 1 * 2)]),
    case("selfatt_qk_2heads", sin_of, selfatt_qk(2), [(4, 3, 3 * 2 * 3)]),
    case("selfatt_qk_3heads_tanh", of_tanh, selfatt_qk(3), [(5, 1, 3 * 3 * 3)]),
    case("selfatt_valatt_1head", sin_of, selfatt_valatt(1), [(3, 2, 3 * 1 * 3), (2, 3, 3)]),
    case("selfatt_valatt_2heads", sin_of, selfatt_valatt(2), [(4, 1, 3 * 2 * 2), (2, 4, 4)]),
    case("selfatt_valatt_3heads_tanh", of_tanh, selfatt_valatt(3), [(3, 2, 3 * 3 * 1), (6, 3, 3)]),
    case("encdec_qk_1head", sin_of, encdec_qk(1), [(3, 2, 1 * 2), (4, 2, 2 * 1 * 2)]),
    case("encdec_qk_2heads", sin_of, encdec_qk(2), [(2, 3, 2 * 3), (5, 3, 2 * 2 * 3)]),
    case("encdec_qk_3heads_tanh", of_tanh, encdec_qk(3), [(4, 1, 3 * 2), (3, 1, 2 * 3 * 2)]),
    case("encdec_valatt_1head", sin_of, encdec_valatt(1), [(4, 2, 2 * 1 * 3), (2, 3, 4)]),
    case("encdec_valatt_2heads", sin_of, encdec_valatt(2), [(3, 1, 2 * 2 * 2), (2, 5, 3)]),
    case("encdec_valatt_3heads_tanh", of_tanh, encdec_valatt(3), [(2, 2, 2 * 3 * 1), (6, 3, 2)]),
    self_attention_case("self_attention_1head", 1, 3, 2, 2),
    self_attention_case("self_attention_2heads", 2, 4, 2, 3),
    self_attention_case("self_attention_3heads", 3, 3, 1, 1),
    case("encdec_attention_2heads", *encdec_attention(2), [(3, 2, 2 * 2), (4, 2, 2 * 2 * 2)]),
    # A constant input: the backward op's other output has a zero head.
    case(
        "selfatt_valatt_constant_weights",
        sin_of,
        selfatt_valatt(2),
        [(3, 2, 3 * 2 * 2), (4, 3, 3)],
        constants=(1,),
    ),
    case(
        "encdec_qk_constant_kv",
        sin_of,
        encdec_qk(2),
        [(3, 2, 2 * 2), (4, 2, 2 * 2 * 2)],
        constants=(1,),
    ),
    case(
        "encdec_valatt_constant_weights",
        sin_of,
        encdec_valatt(2),
        [(4, 2, 2 * 2 * 2), (4, 3, 4)],
        constants=(1,),
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


# -- a multi-head self-attention block, against PyTorch ------------------------------
class SelfAttention(gluon.HybridBlock):
    """x (L, B, E) -> Dense(3E) -> selfatt_qk -> softmax -> selfatt_valatt -> Dense(E)."""

    def __init__(self, units, heads):
        super().__init__()
        self.heads = heads
        with self.name_scope():
            self.qkv = gluon.nn.Dense(3 * units, flatten=False, in_units=units)
            self.proj = gluon.nn.Dense(units, flatten=False, in_units=units)

    def hybrid_forward(self, F, x):
        qkv = self.qkv(x)
        scores = F.contrib.interleaved_matmul_selfatt_qk(qkv, heads=self.heads)
        weights = F.softmax(scores, axis=-1)
        return self.proj(
            F.contrib.interleaved_matmul_selfatt_valatt(qkv, weights, heads=self.heads)
        )


def torch_self_attention(x, w_qkv, b_qkv, w_proj, b_proj, heads):
    L, B, E = x.shape
    D = E // heads
    qkv = (x @ w_qkv.T + b_qkv).reshape(L, B, heads, 3, D).permute(3, 1, 2, 0, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]  # (B, H, L, D)
    weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D), dim=-1)
    out = (weights @ v).permute(2, 0, 1, 3).reshape(L, B, E)
    return out @ w_proj.T + b_proj


def block_quantities(heads, hybridize, x_np, w_np, v_np, params_np):
    """(penalty P = |d L/dx|^2 of L = <tanh(block(x)), w>, dP/dparams, H_params(L) v)
    in float32 (the ops' only CPU dtype)."""
    net = SelfAttention(x_np.shape[2], heads)
    net.initialize(ctx=context())
    params = list(net.collect_params().values())
    for p, a in zip(params, params_np):
        p.set_data(nd.array(a, dtype="float32"))
    if hybridize:
        net.hybridize()
    x, w = nd.array(x_np, dtype="float32"), nd.array(w_np, dtype="float32")
    x.attach_grad()
    with autograd.record():
        loss = (nd.tanh(net(x)) * w).sum()
        (gx,) = autograd.grad(loss, [x], create_graph=True, retain_graph=True)
        penalty = (gx**2).sum()
    penalty.backward()
    penalty_grads = [p.grad().asnumpy() for p in params]
    ws = [p.data() for p in params]
    vs = [nd.array(v, dtype="float32") for v in v_np]
    with autograd.record():
        loss = (nd.tanh(net(x)) * w).sum()
        grads = autograd.grad(loss, ws, create_graph=True, retain_graph=True)
        inner = sum((g * v).sum() for g, v in zip(grads, vs))
    hv = [h.asnumpy() for h in autograd.grad(inner, ws)]
    assert (net._cached_op is not None) == hybridize
    return float(penalty.asscalar()), penalty_grads, hv


def torch_quantities(heads, x_np, w_np, v_np, params_np):
    tw = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in params_np]
    tx = torch.tensor(x_np, requires_grad=True)
    tw_out = torch.tensor(w_np)

    def loss_of(x, ws):
        return (torch.tanh(torch_self_attention(x, *ws, heads)) * tw_out).sum()

    (gx,) = torch.autograd.grad(loss_of(tx, tw), tx, create_graph=True)
    penalty = (gx**2).sum()
    penalty_grads = torch.autograd.grad(penalty, tw)
    grads = torch.autograd.grad(loss_of(tx, tw), tw, create_graph=True)
    inner = sum((g * torch.tensor(v)).sum() for g, v in zip(grads, v_np))
    hv = torch.autograd.grad(inner, tw)
    return (
        float(penalty),
        [g.detach().numpy() for g in penalty_grads],
        [h.detach().numpy() for h in hv],
    )


def assert_near(actual, expected, what, rtol):
    error = np.linalg.norm(np.asarray(actual, dtype="float64") - expected)
    scale = np.linalg.norm(expected)
    assert scale > 1e-6, what + " is vacuous (zero)"
    assert error <= rtol * scale, "%s: relative error %.3g" % (what, error / scale)


@pytest.mark.parametrize("heads", [1, 2, 3])
def test_self_attention_block_against_torch(heads):
    if torch is None:
        pytest.skip("PyTorch is not installed")
    rng = np.random.RandomState(40 + heads)
    L, B, E = 5, 2, 6
    x_np, w_np = rng.uniform(-1, 1, (L, B, E)), rng.uniform(-1, 1, (L, B, E))
    # Dense weights (out, in) as torch's linear weights: qkv then proj.
    shapes = [(3 * E, E), (3 * E,), (E, E), (E,)]
    params_np = [rng.uniform(-0.6, 0.6, s) for s in shapes]
    v_np = [rng.uniform(-1, 1, s) for s in shapes]
    # float32 data as torch sees it, so only the arithmetic differs.
    x_np, w_np = x_np.astype("float32").astype("float64"), w_np.astype("float32").astype("float64")
    params_np = [a.astype("float32").astype("float64") for a in params_np]
    v_np = [a.astype("float32").astype("float64") for a in v_np]

    expected = torch_quantities(heads, x_np, w_np, v_np, params_np)
    runs = {
        mode: block_quantities(heads, mode, x_np, w_np, v_np, params_np) for mode in (False, True)
    }
    names = ["qkv weight", "qkv bias", "proj weight", "proj bias"]
    for hybridize, (penalty, penalty_grads, hv) in runs.items():
        mode = "hybridized" if hybridize else "imperative"
        assert abs(penalty - expected[0]) <= 1e-5 * abs(expected[0]), (mode, penalty, expected[0])
        for name, got, want in zip(names, penalty_grads, expected[1]):
            assert_near(got, want, "%s d penalty / d %s" % (mode, name), 2e-5)
        for name, got, want in zip(names, hv, expected[2]):
            assert_near(got, want, "%s (H v) for %s" % (mode, name), 2e-5)
    # Imperative and hybridized run the same gradient graphs.
    for a, b in zip(runs[False][1] + runs[False][2], runs[True][1] + runs[True][2]):
        assert_near(a, b, "hybridized against imperative", 1e-5)
