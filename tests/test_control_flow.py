"""Control flow (contrib.foreach, contrib.cond, contrib.while_loop) to order 3.

Imperatively the three are Python loops and branches over ordinary ops. In a
hybridized block they become the stateful ops _foreach, _cond and _while_loop,
which the _CachedOp rule (src/imperative/cached_op.cc) recomputes as stateless
twins: _foreach unrolled over the length of its data (inferred from the block's
input shapes), _cond as both branches joined by where, _while_loop unrolled to
max_iterations steps, each masked by whether the loop was still running (how
many steps it ran is known only to its op state).

foreach and while_loop are checked like every rule (harness: central
differences at orders 2 and 3, imperative and hybridized, float64), and one
hybridized while_loop on inputs that take different numbers of steps. Stock
_cond fails in float64 when hybridized (its type inference expects float32), so
cond is checked in float32: the hybridized derivatives against the imperative
ones (a Python branch over ops the rule tests check), at orders 2 and 3.
"""

import os
import pickle
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest

from harness import Case, context, hybridized, standard_tests
from mxnet_ho import symbol as mxnet_ho_symbol
from mxnet_ho.test_utils import check_higher_order_grad, higher_order_grads

HERE = os.path.dirname(os.path.abspath(__file__))


def rnn_loop(F, x, h0, w):
    """h_t = tanh(x_t w + h_{t-1}), emitting h_t * h_{t-1}: one datum, one state,
    one free variable (w, a remaining input of the loop body)."""

    def step(xt, states):
        h = F.tanh(F.dot(xt, w) + states[0])
        return h * states[0], [h]

    outs, states = F.contrib.foreach(step, x, [h0])
    return F.broadcast_mul(outs, F.expand_dims(F.sin(states[0]), 0))


def two_streams(F, x, y, s, c):
    """Two data arrays, two states, two outputs per step."""

    def step(data, states):
        xt, yt = data
        a = F.sin(xt * states[0]) + yt
        b = states[1] * F.cos(a)
        return [a * b, b], [a, b + c]

    (p, q), (u, v) = F.contrib.foreach(step, [x, y], [s, s * 0.5])
    return F.concat(p.reshape((-1,)), q.reshape((-1,)), u * v, dim=0)


def single_step(F, x, h):
    def step(xt, states):
        return F.exp(xt) * states[0], [states[0] * xt]

    outs, states = F.contrib.foreach(step, x, [h])
    return F.broadcast_add(outs * outs, F.expand_dims(states[0], 0))


def nested_loops(F, x, w):
    """A foreach over axis 0 whose body runs a foreach over the next axis: the
    inner loop's length is known only through the outer one's. (A while_loop in
    a foreach body fails stock's shape inference of the forward pass.)"""

    def outer(xt, states):
        def inner(xs, st):
            h = F.tanh(xs * w + st[0])
            return h, [h]

        outs, st = F.contrib.foreach(inner, xt, [states[0]])
        return outs.sum(axis=0), [F.sin(st[0]) * 0.5]

    outs, st = F.contrib.foreach(outer, x, [F.zeros_like(w)])
    return F.concat(outs.reshape((-1,)), st[0], dim=0)


def counted_loop(F, x, w):
    """Three steps of at most five, a counter among the loop variables, one free
    variable (w); rows past the third are left unwritten by stock's kernels
    (imperatively too), so only the rows of the steps taken are returned."""
    outs, (_, s) = F.contrib.while_loop(
        cond=lambda i, s: i < 3,
        func=lambda i, s: (s * s * w, [i + 1, F.sin(s) * w + s]),
        loop_vars=[F.zeros((1,), dtype="float64"), x],
        max_iterations=5,
    )
    return F.concat(F.slice_axis(outs, axis=0, begin=0, end=3).reshape((-1,)), s, dim=0)


def growing_loop(F, x, w):
    """As many steps as it takes |s|^2 to pass 4 (data-dependent: 3 to 6 steps for these
    inputs, far from the threshold, so central differences do not change it).
    The loop starts from x * 1: stock's _while_loop fails ("Assigning to NDArrays
    that are already in a computational graph") when its cond reads one of the
    block's inputs as a loop variable while autograd records, mxnet-ho or not
    (and, recorded as a node of its own, whenever its cond reads an array autograd
    recorded: see STOCK_FAILS_INLINED)."""
    _, (s, n) = F.contrib.while_loop(
        cond=lambda s, n: F.sum(s * s) < 4,
        func=lambda s, n: ([], [s * 1.4 + 0.1 * F.sin(w * s), n + 1]),
        loop_vars=[x * 1, F.slice_axis(x, axis=0, begin=0, end=1) * 0],
        max_iterations=12,
    )
    return F.broadcast_mul(s, n)


def idle_loop(F, x, w):
    """A loop that never runs: its loop variables pass through. (No per-step
    outputs: stock cannot infer their shape when no step runs. A body reading
    only its loop variables: stock's first-order kernel leaves the gradients of
    the body's other inputs unwritten when no step runs.)"""
    _, (s,) = F.contrib.while_loop(
        cond=lambda s: F.sum(s) > 100,
        func=lambda s: ([], [s * s]),
        loop_vars=[x],
        max_iterations=3,
    )
    return F.sin(s) * w


CASES = [
    Case("foreach_rnn", rnn_loop, [(4, 2, 3), (2, 3), (3, 3)]),
    Case("foreach_two_streams", two_streams, [(3, 4), (3, 4), (4,), (4,)]),
    Case("foreach_one_step", single_step, [(1, 5), (5,)]),
    Case("foreach_nested", nested_loops, [(3, 2, 4), (4,)]),
    Case("while_counted", counted_loop, [(6,), (6,)]),
    Case("while_growing", growing_loop, [(3,), (3,)], low=0.3, high=0.5),
    Case("while_idle", idle_loop, [(2, 3), (2, 3)]),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)

# hybridize(): the loop is a node of the block's graph (the _CachedOp rule);
# hybridize(inline_limit=1000): the block's ops are recorded one by one, the loop
# among them (its own rule).
INLINE = {"cached_op": 0, "inlined": 1000}
# Stock's _while_loop recorded as a node of its own runs its cond's CachedOp into
# the same output array at every step, and from the second step on autograd
# refuses to record into it ("Assigning to NDArrays that are already in a
# computational graph") when the cond reads a recorded array: first order fails,
# MXNET_HO_DISABLE=1 too.
STOCK_FAILS_INLINED = {"while_growing"}


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_inlined(case):
    if case.name in STOCK_FAILS_INLINED:
        pytest.skip("stock MXNet fails at first order (STOCK_FAILS_INLINED)")
    block, inputs = hybridized(case)
    block.hybridize(inline_limit=INLINE["inlined"])
    with context():
        for order in case.orders:
            check_higher_order_grad(block, inputs, order=order)


# -- cond ------------------------------------------------------------------------
class Branchy(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, x, y):
        return F.contrib.cond(F.sum(x) > 0, lambda: F.sin(x) * y * y, lambda: F.cos(y) * x * x)


def cond_derivatives(block, x, y, orders=(2, 3)):
    rng = np.random.RandomState(1)
    xs = [mx.nd.array(a, dtype="float32") for a in (x, y)]
    cotangent = mx.nd.array(rng.uniform(-1, 1, x.shape), dtype="float32")
    directions = [
        [mx.nd.array(rng.uniform(-1, 1, a.shape), dtype="float32") for a in xs]
        for _ in range(max(orders))
    ]
    return {k: higher_order_grads(block, xs, k - 1, cotangent, directions) for k in orders}


@pytest.mark.parametrize("inline", sorted(INLINE))
@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["then", "else"])
def test_cond_hybridized_equals_imperative(sign, inline):
    rng = np.random.RandomState(2)
    x = sign * rng.uniform(0.1, 1.0, (2, 3))
    y = rng.uniform(-1.0, 1.0, (2, 3))
    with context():
        want = cond_derivatives(Branchy(), x, y)
        block = Branchy()
        block.hybridize(inline_limit=INLINE[inline])
        got = cond_derivatives(block, x, y)
    for k in want:
        np.testing.assert_allclose(got[k][0], want[k][0], rtol=1e-5, err_msg="S_%d" % (k - 1))
        for i, (g, w) in enumerate(zip(got[k][1], want[k][1])):
            np.testing.assert_allclose(
                g, w, rtol=1e-5, atol=1e-6, err_msg="order %d, input %d" % (k, i)
            )


# -- while_loop: the number of steps -------------------------------------------------
class Growing(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, x, w):
        return growing_loop(F, x, w)


def test_while_loop_steps_follow_the_data():
    """One hybridized block called on inputs that take different numbers of steps:
    each call's derivatives at orders 2 and 3 equal the Python loop's."""
    rng = np.random.RandomState(3)
    w = rng.uniform(-1, 1, (3,))
    block = Growing()
    block.hybridize()
    steps = set()
    with context():
        for scale in (0.1, 0.3, 1.0):
            xs = [mx.nd.array(a, dtype="float64") for a in (scale * rng.uniform(0.5, 1, (3,)), w)]
            steps.add(int(round(float(block(*xs)[0].asscalar() / growing_state(xs)[0]))))
            cotangent = mx.nd.array(rng.uniform(-1, 1, (3,)), dtype="float64")
            directions = [[mx.nd.array(rng.uniform(-1, 1, (3,)), dtype="float64")] * 2] * 3
            for order in (2, 3):
                got = higher_order_grads(block, xs, order - 1, cotangent, directions)
                want = higher_order_grads(Growing(), xs, order - 1, cotangent, directions)
                for g, r in zip(got[1], want[1]):
                    np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-14)
    assert len(steps) == 3, steps


def growing_state(xs):
    """growing_loop's final state, by a NumPy loop."""
    s, w = (a.asnumpy() for a in xs)
    while (s * s).sum() < 4:
        s = s * 1.4 + 0.1 * np.sin(w * s)
    return s


# -- a fused LSTM in a loop body --------------------------------------------------------
class LstmInLoop(mx.gluon.HybridBlock):
    """rnn.LSTM run on each slice of x (axis 0) by a foreach, its states carried:
    the layer's sequence length is known only through the loop's shapes."""

    def __init__(self):
        super().__init__()
        self.lstm = mx.gluon.rnn.LSTM(4, input_size=3)

    def hybrid_forward(self, F, x):
        def body(xt, states):
            out, new = self.lstm(xt, states)
            return out.sum(axis=0), new

        zeros = [F.zeros((1, 1, 4), dtype="float64") for _ in range(2)]
        outs, (h, c) = F.contrib.foreach(body, x, zeros)
        return F.concat(outs.reshape((-1,)), h.reshape((-1,)), c.reshape((-1,)), dim=0)


def test_lstm_in_loop_body_hybridized_equals_imperative():
    rng = np.random.RandomState(6)
    x = [mx.nd.array(rng.uniform(-1, 1, (2, 5, 1, 3)), dtype="float64")]
    cotangent = mx.nd.array(rng.uniform(-1, 1, (2 * 4 + 8,)), dtype="float64")
    directions = [[mx.nd.array(rng.uniform(-1, 1, (2, 5, 1, 3)), dtype="float64")]] * 3
    weights = None
    results = []
    with context():
        for hybridize in (False, True):
            block = LstmInLoop()
            block.initialize()
            block.cast("float64")
            params = block.collect_params().values()
            if weights is None:
                weights = [rng.uniform(-0.5, 0.5, p.shape) for p in params]
            for p, w in zip(params, weights):
                p.set_data(mx.nd.array(w, dtype="float64"))
            if hybridize:
                block.hybridize()
            results.append(
                {k: higher_order_grads(block, x, k - 1, cotangent, directions) for k in (2, 3)}
            )
    imperative, hybridized_ = results
    for k in (2, 3):
        np.testing.assert_allclose(
            hybridized_[k][1][0], imperative[k][1][0], rtol=1e-10, atol=1e-14
        )
        assert np.abs(imperative[k][1][0]).max() > 1e-3  # not a vacuous zero


# -- symbolic gradients (mxnet_ho.symbol.grad) -----------------------------------------
def symbolic_and_imperative(fn, values, wrt, dtype="float64", shapes=True):
    """d/d(inputs) of <D, d<C, fn(inputs)>/d(wrt)>: by mxnet_ho.symbol.grad twice
    (bound and run), and by autograd on the same function run imperatively."""
    rng = np.random.RandomState(7)
    names = ["in%d" % i for i in range(len(values))]
    out_shape = fn(mx.nd, *[mx.nd.array(v, dtype=dtype) for v in values]).shape
    c = rng.uniform(-1, 1, out_shape)
    d = rng.uniform(-1, 1, values[wrt].shape)
    feed = dict(zip(names, values), c=c, d=d)
    given = {n: v.shape for n, v in feed.items()} if shapes else None

    xs = [mx.sym.var(n) for n in names]
    (g,) = mxnet_ho_symbol.grad(
        mx.sym.sum(fn(mx.sym, *xs) * mx.sym.var("c")), [names[wrt]], shapes=given
    )
    second = mxnet_ho_symbol.grad(mx.sym.sum(g * mx.sym.var("d")), names, shapes=given)
    args = {k: mx.nd.array(v, dtype=dtype) for k, v in feed.items()}
    got = [
        s.bind(mx.cpu(), {k: args[k] for k in s.list_arguments()}).forward()[0].asnumpy()
        for s in [g] + second
    ]

    arrays = [mx.nd.array(v, dtype=dtype) for v in values]
    for a in arrays:
        a.attach_grad()
    with mx.autograd.record():
        y = mx.nd.sum(fn(mx.nd, *arrays) * args["c"])
        (gi,) = mx.autograd.grad(y, [arrays[wrt]], create_graph=True, retain_graph=True)
        total = mx.nd.sum(gi * args["d"])
    want_g = gi.asnumpy()
    total.backward()
    return got, [want_g] + [a.grad.asnumpy() for a in arrays]


@pytest.mark.parametrize("case", [c for c in CASES if c.name.startswith("foreach")], ids=repr)
def test_symbolic_foreach_with_shapes(case):
    rng = np.random.RandomState(8)
    values = [rng.uniform(-1, 1, s) for s in case.shapes]
    with context():
        got, want = symbolic_and_imperative(case.fn, values, wrt=len(values) - 1)
    for k, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg="output %d" % k)


def test_symbolic_control_flow_refused_by_name():
    """foreach without shapes; cond and while_loop always (MXNet infers no shapes
    for their outputs in a symbol, and their stock backward kernels fail there:
    "We didn't record the computation for iteration 0")."""
    x, w = mx.sym.var("x"), mx.sym.var("w")
    with pytest.raises(mx.base.MXNetError, match="_foreach .*shapes="):
        mxnet_ho_symbol.grad(mx.sym.sum(rnn_loop(mx.sym, x, mx.sym.var("h"), w)), ["w"])
    with pytest.raises(mx.base.MXNetError, match="no symbolic gradient through _while_loop"):
        mxnet_ho_symbol.grad(mx.sym.sum(counted_loop(mx.sym, x, w)), ["w"])
    branchy = Branchy()(x, w)
    with pytest.raises(mx.base.MXNetError, match="no symbolic gradient through _cond"):
        mxnet_ho_symbol.grad(mx.sym.sum(branchy), ["w"])


def first_order_of_inlined_blocks():
    """{case: gradient bytes} of each foreach case and of cond, hybridized with
    the loop recorded as a node of its own (its rule's first order)."""
    results = {}
    for case in CASES:
        if case.name in STOCK_FAILS_INLINED:
            continue
        block, inputs = hybridized(case)
        block.hybridize(inline_limit=INLINE["inlined"])
        xs = [mx.nd.array(a, dtype="float64") for a in inputs]
        results[case.name] = plain_gradients(block, xs)
    block = Branchy()
    block.hybridize(inline_limit=INLINE["inlined"])
    rng = np.random.RandomState(4)
    xs = [mx.nd.array(rng.uniform(-1, 1, (2, 3)), dtype="float32") for _ in range(2)]
    results["cond"] = plain_gradients(block, xs)
    return results


def plain_gradients(block, xs):
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        y = block(*xs)
    y.backward(mx.nd.array(np.random.RandomState(5).uniform(-1, 1, y.shape), dtype=y.dtype))
    return [x.grad.asnumpy().tobytes() for x in xs]


def test_inlined_first_order_bit_identical():
    code = (
        "import pickle, sys; sys.path.insert(0, %r); import test_control_flow as t; "
        "sys.stdout.buffer.write(pickle.dumps(t.first_order_of_inlined_blocks()))" % HERE
    )
    stock = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        stdout=subprocess.PIPE,
        env=dict(os.environ, MXNET_HO_DISABLE="1"),
    ).stdout
    with context():
        assert first_order_of_inlined_blocks() == pickle.loads(stock)
