"""Gradients of SequenceReverse, with and without sequence lengths, to order 3."""

import numpy as np
import mxnet as mx

from harness import Case, standard_tests


def cube(y):
    return y * y * y


def reversed_(F, x, *n):
    if n:
        return F.SequenceReverse(F.sin(x), *n, use_sequence_length=True)
    return F.SequenceReverse(F.sin(x))


# the reversal weighted by x: a head that tells the steps apart
def weighted(F, x, *n):
    return cube(reversed_(F, x, *n)) * x


LENGTHS = dict(integers=(1,), constants=(1,))

CASES = [
    Case("no_lengths", weighted, [(4, 3, 2)]),
    # (time, batch, feature) = (4, 3, 2); lengths 0..4 (0 and 1 reverse nothing)
    Case("lengths", weighted, [(4, 3, 2), (3,)], (-1, 0), (1, 5), **LENGTHS),
    Case("rank_2", weighted, [(5, 4), (4,)], (-1, 1), (1, 6), **LENGTHS),
    Case("rank_4", weighted, [(3, 2, 2, 2), (2,)], (-1, 2), (1, 4), **LENGTHS),
    # fractional lengths, read truncated by the stock kernel
    Case("fractional", weighted, [(5, 4, 2), (4,)], (-1, 1.0), (1, 5.9), seed=17, constants=(1,)),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_int32_lengths():
    """Lengths of another dtype than the data: for y = P x (P the reversal, its
    own transpose), d/dx of <d<w, y^3>/dx, 1> = 6*x*(P w)."""
    rng = np.random.RandomState(0)
    x_np, w_np = rng.uniform(-1, 1, (4, 3, 2)), rng.uniform(-1, 1, (4, 3, 2))
    lengths = np.array([0, 3, 4])
    p_w = w_np.copy()
    for b, n in enumerate(lengths):
        p_w[:n, b] = w_np[:n, b][::-1]
    x = mx.nd.array(x_np, dtype="float64")
    x.attach_grad()
    n = mx.nd.array(lengths, dtype="int32")
    with mx.autograd.record():
        y = mx.nd.SequenceReverse(x, n, use_sequence_length=True)
        (g,) = mx.autograd.grad(
            (y**3 * mx.nd.array(w_np, dtype="float64")).sum(), [x], create_graph=True
        )
    g.backward(mx.nd.ones_like(g))
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * x_np * p_w, rtol=1e-12)
