"""Gradients of SequenceMask, to order 3."""

import numpy as np
import mxnet as mx

from harness import Case, standard_tests

LENGTHS = dict(integers=(1,), constants=(1,))

# A mask is idempotent: in SequenceMask(x)**3 every path back to x passes the
# forward's own mask again, which would hide a missing mask in the rule. The
# factor x**2 gives the head of the mask's gradient a path that does not.
CASES = [
    # (time, batch, feature) = (4, 3, 2); lengths 1..4
    Case(
        "sequence_mask",
        lambda F, x, n: F.SequenceMask(x, n, use_sequence_length=True) ** 3,
        [(4, 3, 2), (3,)],
        (-1, 1),
        (1, 5),
        **LENGTHS,
    ),
    # (batch, time) with axis=1 and a nonzero mask value (a constant: no gradient)
    Case(
        "sequence_mask_axis1",
        lambda F, x, n: F.SequenceMask(x, n, use_sequence_length=True, axis=1, value=-0.7) * x**2,
        [(3, 5), (3,)],
        (-1, 1),
        (1, 6),
        **LENGTHS,
    ),
    # fractional lengths, read truncated by the stock kernel; those under 1 mask
    # every step and those past the end none
    Case(
        "sequence_mask_fractional",
        lambda F, x, n: F.SequenceMask(x, n, use_sequence_length=True, axis=1) * x**2,
        [(4, 5, 2), (4,)],
        (-1, 0.0),
        (1, 6.5),
        seed=17,
        constants=(1,),
    ),
    Case("sequence_mask_no_lengths", lambda F, x: F.SequenceMask(x, value=2.0) ** 3, [(3, 2, 2)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_int32_lengths():
    """Lengths of another dtype than the data: for y = mask*x,
    d/dx of <d<w, y*x^2>/dx, 1> = 6*w*x*mask."""
    rng = np.random.RandomState(0)
    x_np, w_np = rng.uniform(-1, 1, (4, 3, 2)), rng.uniform(-1, 1, (4, 3, 2))
    lengths = np.array([0, 2, 4])
    mask = (np.arange(4)[:, None] < lengths[None, :])[:, :, None]
    x = mx.nd.array(x_np, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.SequenceMask(x, mx.nd.array(lengths, dtype="int32"), use_sequence_length=True)
        (g,) = mx.autograd.grad(
            (y * x**2 * mx.nd.array(w_np, dtype="float64")).sum(), [x], create_graph=True
        )
    g.backward(mx.nd.ones_like(g))
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * w_np * x_np * mask, rtol=1e-12)
