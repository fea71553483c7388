"""L2Normalization is excluded (patches/nn_norm.toml): its backward op gets only
(g, y, norm), and the part of a second derivative along y can only flow through
norm, whose gradient the forward op discards. Without a rule, differentiating
its backward must fail loudly rather than return a wrong value."""
import mxnet as mx
import numpy as np
import pytest

from harness import Case, check_first_order_identical

CASES = [
    Case("instance", lambda F, x: F.L2Normalization(x, mode="instance") ** 2, [(2, 3)]),
    Case("channel", lambda F, x: F.L2Normalization(x, mode="channel") ** 2, [(2, 3, 2)]),
    Case("spatial", lambda F, x: F.L2Normalization(x, mode="spatial") ** 2, [(2, 2, 3)]),
]


@pytest.mark.parametrize("mode", ["instance", "channel", "spatial"])
def test_second_order_is_refused(mode):
    x = mx.nd.array(np.random.RandomState(0).uniform(0.5, 1.5, (2, 3, 2)), dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.L2Normalization(x, mode=mode)
        (gx,) = mx.autograd.grad((y * y * y).sum(), [x], create_graph=True, retain_graph=True)
        s1 = gx.sum()
    with pytest.raises(mx.base.MXNetError, match="_backward_L2Normalization"):
        s1.backward()
        mx.nd.waitall()


def test_first_order_bit_identical():
    check_first_order_identical(__file__, CASES)
