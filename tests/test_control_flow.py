"""Control flow (contrib.foreach, contrib.cond, contrib.while_loop) to order 3.

Imperatively the three are Python loops and branches over ordinary ops. In a
hybridized block they become the stateful ops _foreach, _cond and _while_loop,
which the _CachedOp rule (src/imperative/cached_op.cc) recomputes as stateless
twins: _foreach unrolled over the length of its data (inferred from the block's
input shapes), _cond as both branches joined by where. _while_loop is refused,
naming it: how many iterations it ran is known only to its op state.

foreach is checked like every rule (harness: central differences at orders 2
and 3, imperative and hybridized, float64). Stock _cond fails in float64 when
hybridized (its type inference expects float32), so cond is checked in float32:
the hybridized derivatives against the imperative ones (a Python branch over
ops the rule tests check), at orders 2 and 3.
"""

import os
import pickle
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest

from harness import Case, context, hybridized, standard_tests
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


CASES = [
    Case("foreach_rnn", rnn_loop, [(4, 2, 3), (2, 3), (3, 3)]),
    Case("foreach_two_streams", two_streams, [(3, 4), (3, 4), (4,), (4,)]),
    Case("foreach_one_step", single_step, [(1, 5), (5,)]),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)

# hybridize(): the loop is a node of the block's graph (the _CachedOp rule);
# hybridize(inline_limit=1000): the block's ops are recorded one by one, the loop
# among them (its own rule).
INLINE = {"cached_op": 0, "inlined": 1000}


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_inlined(case):
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


# -- while_loop: refused ------------------------------------------------------------
class Counting(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, x):
        outs, states = F.contrib.while_loop(
            cond=lambda i, s: i < 3,
            func=lambda i, s: (s * s, [i + 1, F.sin(s)]),
            loop_vars=[F.zeros((1,), dtype="float64"), x],
            max_iterations=5,
        )
        return states[1]


@pytest.mark.parametrize("inline", sorted(INLINE))
def test_while_loop_hybridized_refused(inline):
    block = Counting()
    block.hybridize(inline_limit=INLINE[inline])
    x = mx.nd.array(np.random.RandomState(3).uniform(-1, 1, (2, 3)), dtype="float64")
    x.attach_grad()
    with context(), pytest.raises(mx.base.MXNetError, match="_while_loop.*iterations"):
        with mx.autograd.record():
            (g,) = mx.autograd.grad(block(x).sum(), [x], create_graph=True, retain_graph=True)
            total = (g * g).sum()
        total.backward()


def first_order_of_inlined_blocks():
    """{case: gradient bytes} of each foreach case and of cond, hybridized with
    the loop recorded as a node of its own (its rule's first order)."""
    results = {}
    for case in CASES:
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
