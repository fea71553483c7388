"""Gradients of SequenceLast with sequence lengths, to order 3.

SequenceLast without lengths is left out: stock 1.9.1's backward kernel reads
its step indices from uninitialised scratch memory there (the forward fills
them, the backward does not), so its first order is wrong (and may write out
of bounds) before any rule is involved."""

import numpy as np
import mxnet as mx

from harness import Case, standard_tests


def cube(y):
    return y * y * y


def last(**attrs):
    def fn(F, x, n):
        return cube(F.SequenceLast(F.sin(x), n, use_sequence_length=True, **attrs))

    return fn


LENGTHS = dict(integers=(1,), constants=(1,))

CASES = [
    # (time, batch, feature) = (4, 3, 2); lengths 1..4
    Case("time_major", last(), [(4, 3, 2), (3,)], (-1, 1), (1, 5), **LENGTHS),
    # (batch, time, feature) with axis=1; lengths 1..5
    Case("batch_major", last(axis=1), [(3, 5, 2), (3,)], (-1, 1), (1, 6), **LENGTHS),
    Case("rank_2", last(), [(5, 4), (4,)], (-1, 1), (1, 6), **LENGTHS),
    Case("rank_4_batch_major", last(axis=1), [(2, 3, 2, 2), (2,)], (-1, 1), (1, 4), **LENGTHS),
    # fractional lengths, read truncated by the stock kernel
    Case(
        "fractional",
        last(axis=1),
        [(4, 5, 2), (4,)],
        (-1, 1.0),
        (1, 5.9),
        seed=17,
        constants=(1,),
    ),
    # the last step times x itself: a head that reaches x at every step
    Case(
        "times_x",
        lambda F, x, n: F.broadcast_mul(F.SequenceLast(x, n, use_sequence_length=True) ** 2, x),
        [(3, 2, 2), (2,)],
        (-1, 1),
        (1, 4),
        **LENGTHS,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_int32_lengths():
    """Lengths of another dtype than the data: for y = SequenceLast(x),
    d/dx of <d<1, y^3>/dx, 1> = 6*x at each sequence's last step."""
    rng = np.random.RandomState(0)
    x_np = rng.uniform(-1, 1, (4, 3, 2))
    lengths = np.array([1, 4, 2])
    last = (np.arange(4)[:, None] == lengths[None, :] - 1)[:, :, None]
    x = mx.nd.array(x_np, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.SequenceLast(x, mx.nd.array(lengths, dtype="int32"), use_sequence_length=True)
        (g,) = mx.autograd.grad((y**3).sum(), [x], create_graph=True)
    g.backward(mx.nd.ones_like(g))
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * x_np * last, rtol=1e-12)
