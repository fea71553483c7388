"""Gradients of Dropout in training, to order 3.

Dropout draws a fresh mask at every call, so finite differences of a function
containing it are meaningless. Instead the derivatives that pass through
_backward_Dropout are compared with their closed forms, using the mask read
back from the forward output (m = y/x, x kept away from 0):

    s0 = <Dropout(x)*z^3, w>            ds0/dx = w*z^3*m        (stock kernel)
    s1 = <ds0/dx, v>                    ds1/dz = 3*w*z^2*v*m    (the rule: d/dg = h*m)
    s2 = <ds1/dz, u>                    ds2/dz = 6*w*z*v*u*m    (third order)
"""

import mxnet as mx
import numpy as np
import pytest

from harness import Case, check_first_order_identical

SHAPE = (4, 5)


class DropoutBlock(mx.gluon.HybridBlock):
    def __init__(self, **attrs):
        super().__init__()
        self._attrs = attrs

    def hybrid_forward(self, F, x):
        return F.Dropout(x, **self._attrs)


def chain_of_derivatives(dropout, train_mode=True):
    rng = np.random.RandomState(0)
    x, z, w, v, u = (
        mx.nd.array(rng.uniform(lo, 1.5, SHAPE), dtype="float64")
        for lo in (0.5, 0.5, -1.5, -1.5, -1.5)
    )
    for a in (x, z):
        a.attach_grad()
    mx.random.seed(11)
    with mx.autograd.record(train_mode=train_mode):
        y = dropout(x)
        s0 = (y * z**3 * w).sum()
        (gx,) = mx.autograd.grad(s0, [x], create_graph=True, retain_graph=True)
        s1 = (gx * v).sum()
        (gz,) = mx.autograd.grad(s1, [z], create_graph=True, retain_graph=True)
        s2 = (gz * u).sum()
    (hz,) = mx.autograd.grad(s2, [z])
    x, z, w, v, u, y = (a.asnumpy() for a in (x, z, w, v, u, y))
    m = y / x
    assert (m == 0).any() and (m != 0).any(), "the mask should drop some entries, not all"
    return m, [(gx, w * z**3 * m), (gz, 3 * w * z**2 * v * m), (hz, 6 * w * z * v * u * m)]


def check(dropout, train_mode=True):
    m, pairs = chain_of_derivatives(dropout, train_mode)
    for order, (got, expected) in enumerate(pairs, 1):
        np.testing.assert_allclose(
            got.asnumpy(), expected, rtol=1e-12, atol=0, err_msg="order %d" % order
        )


ATTRS = [
    dict(p=0.5),
    dict(p=0.3),
    dict(p=0.5, axes=(1,)),  # one mask per row, broadcast along axis 1
    dict(p=0.4, axes=(0,)),
]


@pytest.mark.parametrize("attrs", ATTRS, ids=str)
def test_higher_order(attrs):
    check(lambda x: mx.nd.Dropout(x, **attrs))


def test_mode_always_outside_training():
    check(lambda x: mx.nd.Dropout(x, p=0.5, mode="always"), train_mode=False)


@pytest.mark.parametrize("attrs", ATTRS, ids=str)
def test_hybridized(attrs):
    block = DropoutBlock(**attrs)
    block.initialize()
    block.hybridize(inline_limit=1 << 30)
    check(block)


def test_second_backward_through_the_same_dropout():
    """A Hessian through y = Dropout(x): the second backward passes the same
    Dropout again and must multiply by the mask again (stock's op state would
    pass g through: mxnet-ho builds that gradient from forward ops)."""
    x = mx.nd.array(np.linspace(0.5, 1.5, 12), dtype="float64")
    x.attach_grad()
    mx.random.seed(5)
    with mx.autograd.record():
        y = mx.nd.Dropout(x, p=0.5)
        (gx,) = mx.autograd.grad((y * y).sum(), [x], create_graph=True, retain_graph=True)
        total = gx.sum()
    total.backward()
    m = (y / x).asnumpy()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * m * m)


def seeded(attrs):
    def fn(F, x):
        mx.random.seed(3)  # the same mask in this process and in the stock one
        return F.Dropout(x, **attrs) * x

    return fn


CASES = [Case("dropout_%d" % i, seeded(a), [SHAPE], hybridize=False) for i, a in enumerate(ATTRS)]


def test_first_order_bit_identical():
    check_first_order_identical(__file__, CASES)


# -- predict mode: Dropout is the identity and never writes its mask ------------
PREDICT_REPRO = """
from mxnet import nd, autograd
x = nd.array([.5, 1, 1.5]); z = nd.array([.5, 1, 1.5]); x.attach_grad(); z.attach_grad()
with autograd.record(train_mode=False):
    y = nd.Dropout(x, p=0.5)
    gx = autograd.grad((y * z**3).sum(), [x], create_graph=True, retain_graph=True,
                       train_mode=False)[0]
    s = gx.sum()
s.backward(train_mode=False)
print(repr(z.grad.asnumpy().tolist()))
"""


def predict_repro():
    namespace = {}
    exec(PREDICT_REPRO.replace("print(", "result = ("), namespace)
    return namespace["result"]


def test_predict_mode_second_order_is_the_identity_every_run():
    expected = (3 * np.array([0.5, 1, 1.5], dtype="float32") ** 2).tolist()
    for _ in range(5):
        assert eval(predict_repro()) == expected


def test_predict_mode_second_order_in_fresh_processes():
    import subprocess
    import sys

    expected = (3 * np.array([0.5, 1, 1.5], dtype="float32") ** 2).tolist()
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", PREDICT_REPRO],
            check=True,
            stdout=subprocess.PIPE,
            universal_newlines=True,
        ).stdout
        assert eval(out.strip().splitlines()[-1]) == expected


@pytest.mark.parametrize("attrs", ATTRS, ids=str)
def test_predict_mode_to_order_3(attrs):
    """Every derivative of Dropout(x)*z^3 in predict mode is that of x*z^3: the
    closed forms of chain_of_derivatives with m = 1, several times (the unwritten
    mask holds whatever memory held)."""
    for _ in range(3):
        rng = np.random.RandomState(0)
        x, z, w, v, u = (
            mx.nd.array(rng.uniform(lo, 1.5, SHAPE), dtype="float64")
            for lo in (0.5, 0.5, -1.5, -1.5, -1.5)
        )
        for a in (x, z):
            a.attach_grad()
        with mx.autograd.record(train_mode=False):
            y = mx.nd.Dropout(x, **attrs)
            s0 = (y * z**3 * w).sum()
            (gx,) = mx.autograd.grad(
                s0, [x], create_graph=True, retain_graph=True, train_mode=False
            )
            (gz,) = mx.autograd.grad(
                (gx * v).sum(), [z], create_graph=True, retain_graph=True, train_mode=False
            )
            s2 = (gz * u).sum()
        (hz,) = mx.autograd.grad(s2, [z], train_mode=False)
        x, z, w, v, u = (a.asnumpy() for a in (x, z, w, v, u))
        np.testing.assert_array_equal(y.asnumpy(), x)
        np.testing.assert_allclose(gz.asnumpy(), 3 * w * z**2 * v, rtol=1e-13)
        np.testing.assert_allclose(hz.asnumpy(), 6 * w * z * v * u, rtol=1e-13)


def test_p_zero_in_training_mode_is_the_identity():
    """p = 0 never writes the mask, in training mode too."""
    z = mx.nd.array([0.5, 1, 1.5], dtype="float64")
    x = z.copy()
    for a in (x, z):
        a.attach_grad()
    for _ in range(3):
        with mx.autograd.record():
            y = mx.nd.Dropout(x, p=0.0)
            (gx,) = mx.autograd.grad((y * z**3).sum(), [x], create_graph=True, retain_graph=True)
            s = gx.sum()
        s.backward()
        np.testing.assert_array_equal(z.grad.asnumpy(), 3 * z.asnumpy() ** 2)


def test_predict_mode_through_a_hybridized_block():
    block = DropoutBlock(p=0.5)
    block.initialize()
    block.hybridize()
    x = mx.nd.array(np.linspace(0.5, 1.5, 6).reshape(2, 3), dtype="float64")
    z = x.copy()
    for a in (x, z):
        a.attach_grad()
    with mx.autograd.record(train_mode=False):
        y = block(x)
        (gx,) = mx.autograd.grad(
            (y * z**3).sum(), [x], create_graph=True, retain_graph=True, train_mode=False
        )
        s = gx.sum()
    s.backward(train_mode=False)
    np.testing.assert_allclose(z.grad.asnumpy(), 3 * z.asnumpy() ** 2, rtol=1e-14)
