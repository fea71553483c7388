"""Higher orders through mx.autograd.Function (mxnet_ho.function): under
create_graph the Function's backward runs while recording, so its own operators
are differentiated again, and a saved output differentiates through the
Function again (as in PyTorch). First order is stock's (the harness holds it
bit-identical). A Function cannot run in a hybridized block (its forward and
backward are imperative), so the cases are imperative only."""

import mxnet as mx
import numpy as np
import pytest
from harness import Case, standard_tests

from mxnet_ho.test_utils import check_higher_order_grad


class Sigmoid(mx.autograd.Function):
    def forward(self, x):
        y = 1 / (1 + mx.nd.exp(-x))
        self.save_for_backward(y)
        return y

    def backward(self, dy):
        (y,) = self.saved_tensors
        return dy * y * (1 - y)


class Exp(mx.autograd.Function):
    def forward(self, x):
        y = mx.nd.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, dy):
        (y,) = self.saved_tensors
        return dy * y


class MulAndSin(mx.autograd.Function):
    """(a, b) -> (a*b, sin(a) + b): two inputs, two outputs, saved inputs."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b, mx.nd.sin(a) + b

    def backward(self, d1, d2):
        a, b = self.saved_tensors
        return d1 * b + d2 * mx.nd.cos(a), d1 * a + d2


class Power(mx.autograd.Function):
    """x**p with p a Python number (an attribute that is no array)."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        self.save_for_backward(x)
        return x**self.p

    def backward(self, dy):
        (x,) = self.saved_tensors
        return dy * self.p * x ** (self.p - 1)


class SinWithWrongBackward(mx.autograd.Function):
    """forward sin(x), backward dy*x**2 on purpose: not its derivative."""

    def forward(self, x):
        self.save_for_backward(x)
        return mx.nd.sin(x)

    def backward(self, dy):
        (x,) = self.saved_tensors
        return dy * x * x


class Scale(mx.autograd.Function):
    """x*c, c's gradient returned as fresh zeros (no graph: a zero gradient)."""

    def forward(self, x, c):
        self.save_for_backward(x, c)
        return x * c

    def backward(self, dy):
        x, c = self.saved_tensors
        return dy * c, mx.nd.zeros(c.shape, dtype=c.dtype)


class TanhSavingBoth(mx.autograd.Function):
    """tanh saving its input and its output."""

    def forward(self, x):
        y = mx.nd.tanh(x)
        self.save_for_backward(x, y)
        return y

    def backward(self, dy):
        x, y = self.saved_tensors
        return dy * (1 - y * y) + 0 * x


def _two_outputs(F, a, b):
    p, q = MulAndSin()(a, b)
    return p * q + F.sin(p)


def _first_output_only(F, a, b):
    p, _ = MulAndSin()(a, b)  # the second output's head is zero
    return F.exp(p)


IMPERATIVE = dict(hybridize=False)
# Its head must not depend on x: a head that does differentiates through the
# Function's output with the (wrong) backward again, which finite differences of
# order 1 do not see.
WRONG = "the backward is dy*x**2 on purpose, not the derivative of sin"

CASES = [
    Case("sigmoid", lambda F, x: F.sin(Sigmoid()(2 * x)), [(3, 4)], **IMPERATIVE),
    Case("exp", lambda F, x: Exp()(x) * F.cos(x), [(5,)], **IMPERATIVE),
    Case("exp_of_exp", lambda F, x: Exp()(Exp()(x) * 0.5), [(2, 3)], **IMPERATIVE),
    Case("two_in_two_out", _two_outputs, [(3,), (3,)], **IMPERATIVE),
    Case("unused_output", _first_output_only, [(2, 2), (2, 2)], **IMPERATIVE),
    Case("power_attribute", lambda F, x: Power(3.0)(x) * F.sin(x), [(4,)], 0.5, 1.5, **IMPERATIVE),
    Case(
        "zero_gradient",
        lambda F, x, c: F.sin(Scale()(x, c)),
        [(3,), (3,)],
        constants=(1,),
        **IMPERATIVE,
    ),
    Case("tanh_saving_both", lambda F, x: TanhSavingBoth()(x * x), [(6,)], **IMPERATIVE),
    Case(
        "wrong_backward",
        lambda F, x: SinWithWrongBackward()(x * x + x) * 3,
        [(4,)],
        first_order=WRONG,
        **IMPERATIVE,
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def _grad(y, x, **kwargs):
    return mx.autograd.grad(y, [x], create_graph=True, retain_graph=True, **kwargs)[0]


def test_exp_derivatives_are_exp():
    # The saved output carries its gradient path: every derivative is exp(x).
    x = mx.nd.array([0.3, -1.2, 2.0], dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        g = _grad(Exp()(x), x)
        gg = _grad(g, x)
        ggg = _grad(gg, x)
    for d in (g, gg, ggg):
        np.testing.assert_allclose(d.asnumpy(), np.exp(x.asnumpy()), rtol=1e-12)


def test_higher_orders_follow_the_backward():
    # d/dx of the backward dy*x**2 is 2*x*dy, whatever forward computes.
    x = mx.nd.array([0.5, -0.7], dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        g = _grad(SinWithWrongBackward()(x), x)
        gg = _grad(g, x)
    np.testing.assert_allclose(g.asnumpy(), x.asnumpy() ** 2, rtol=1e-12)
    np.testing.assert_allclose(gg.asnumpy(), 2 * x.asnumpy(), rtol=1e-12)


def test_order_4():
    check_higher_order_grad(lambda x: mx.nd.sin(Sigmoid()(x)), [np.array([0.3, -0.4])], order=4)


class _Net(mx.gluon.Block):
    """An imperative Gluon block with a custom Function as its activation."""

    def __init__(self, activation):
        super().__init__()
        self.activation = activation
        self.dense0 = mx.gluon.nn.Dense(5, in_units=3)
        self.dense1 = mx.gluon.nn.Dense(1, in_units=5)

    def forward(self, x):
        return self.dense1(self.activation(self.dense0(x)))


def _hvp(net, x, v):
    params = [p.data() for p in net.collect_params().values()]
    for p in params:
        p.attach_grad()
    with mx.autograd.record():
        loss = (net(x) ** 2).sum()
        grads = mx.autograd.grad(loss, params, create_graph=True, retain_graph=True)
        inner = sum((g * w).sum() for g, w in zip(grads, v))
    inner.backward()
    return [p.grad.asnumpy() for p in params]


def test_hvp_through_a_gluon_block():
    net = _Net(lambda h: Sigmoid()(h))
    net.initialize(mx.init.Normal(0.5))
    net.cast("float64")
    builtin = _Net(mx.nd.sigmoid)
    builtin.initialize()
    builtin.cast("float64")
    for p, q in zip(net.collect_params().values(), builtin.collect_params().values()):
        q.set_data(p.data())
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.uniform(-1, 1, (4, 3)), dtype="float64")
    v = [
        mx.nd.array(rng.uniform(-1, 1, p.shape), dtype="float64")
        for p in net.collect_params().values()
    ]
    for ours, reference in zip(_hvp(net, x, v), _hvp(builtin, x, v)):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


class _HybridNet(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, x):
        return Sigmoid()(x)


def test_hybridized_block_refuses_a_function():
    net = _HybridNet()
    net.hybridize()
    with pytest.raises(TypeError, match="Sigmoid.*hybridized"):
        net(mx.nd.ones((2,)))


class _Raising(mx.autograd.Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x * 2

    def backward(self, dy):
        raise ValueError("deliberately broken backward")


def test_backward_that_raises_under_create_graph():
    x = mx.nd.ones((3,), dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = _Raising()(x)
    with pytest.raises(mx.base.MXNetError, match="_Raising.*deliberately broken backward"):
        mx.autograd.grad(y, [x], create_graph=True)
    mx.nd.waitall()
    # The process goes on, and so does autograd.
    with mx.autograd.record():
        g = _grad(Exp()(x), x)
    np.testing.assert_allclose(g.asnumpy(), np.exp(np.ones(3)), rtol=1e-12)


def test_backward_that_raises_at_first_order():
    # Stock's behaviour: MXNet's error, the traceback printed; nothing crashes.
    x = mx.nd.ones((3,))
    x.attach_grad()
    with mx.autograd.record():
        y = _Raising()(x)
    with pytest.raises(mx.base.MXNetError):
        y.backward()
        x.grad.asnumpy()
    mx.nd.waitall()


class _ReadsIntermediate(mx.autograd.Function):
    def forward(self, x):
        hidden = mx.nd.exp(x)
        self.save_for_backward(hidden)
        return hidden * 2

    def backward(self, dy):
        (hidden,) = self.saved_tensors
        return dy * 2 * hidden


def test_saved_intermediate_is_refused_by_name():
    x = mx.nd.ones((2,), dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = _ReadsIntermediate()(x)
        first = mx.autograd.grad(y, [x], retain_graph=True)[0]  # first order: as stock
        with pytest.raises(mx.base.MXNetError, match="_ReadsIntermediate.*neither a head"):
            mx.autograd.grad(y, [x], create_graph=True)
    np.testing.assert_allclose(first.asnumpy(), 2 * np.exp(1.0) * np.ones(2), rtol=1e-12)


class _CallsAFunction(mx.autograd.Function):
    def forward(self, x):
        self.save_for_backward(x)
        return mx.nd.exp(x)

    def backward(self, dy):
        (x,) = self.saved_tensors
        return dy * Exp()(x)


class _ConstantGradient(mx.autograd.Function):
    def forward(self, x):
        return x * 2

    def backward(self, dy):
        return mx.nd.ones(dy.shape, dtype=dy.dtype) * 2


@pytest.mark.parametrize(
    "function, match, first_order",
    [
        (_CallsAFunction, "_CallsAFunction calls another autograd.Function", np.exp),
        (
            _ConstantGradient,
            "_ConstantGradient returns, for input 0, an array that depends on no",
            lambda x: np.full_like(x, 2.0),
        ),
    ],
    ids=["calls_a_function", "constant_gradient"],
)
def test_refused_by_name_under_create_graph(function, match, first_order):
    x = mx.nd.array([0.5, -1.0], dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = function()(x)
        first = mx.autograd.grad(y, [x], retain_graph=True)[0]  # first order: as stock
        with pytest.raises(mx.base.MXNetError, match=match):
            mx.autograd.grad(y, [x], create_graph=True)
    np.testing.assert_allclose(first.asnumpy(), first_order(x.asnumpy()), rtol=1e-12)
