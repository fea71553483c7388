"""Gradients of LeakyReLU's backward op, to order 3, for every act_type.

Inputs of either sign are |x| in [0.5, 1.5] times a sign drawn as 2*s - 1, away
from the kink at 0. The stock leaky, prelu and rrelu forward kernels round the
negative branch to float32, so their cases are piecewise quadratic in x (exact
for central differences) and use a step of 0.2, which crosses no kink: the
float32 rounding then stays far below the tolerances. The stock gelu forward
and first-order kernels compute in float32 throughout; its case uses a step and
tolerance that float32 rounding allows (x itself is rounded to float32: the
stock first derivative is a staircase at the 1e-7 scale), and the rule is
checked strictly against the closed form and at order 3.

The stock first-order kernels of selu and rrelu are not the derivative of their
forward op for x < 0 (see patches/nn_activation.toml). selu's gradient is
replaced (the one documented change to a first-order result), so selu is
checked like the others, at both signs, and its first order against the closed
form. rrelu keeps the stock kernel: its rule is checked against finite
differences of the stock first derivative itself."""

import mxnet as mx
import numpy as np
import pytest

from harness import Case, standard_tests
from mxnet_ho.test_utils import check_higher_order_grad

SIGNED = dict(low=(0.5, 0), high=(1.5, 2), integers=(1,), constants=(1,))
PIECEWISE = dict(SIGNED, eps=0.2)


def signed(x, s):
    return x * (2 * s - 1)


CASES = [
    Case(
        "leaky",
        lambda F, x, s: F.LeakyReLU(signed(x, s), act_type="leaky") * x,
        [(2, 5), (2, 5)],
        **PIECEWISE,
    ),
    Case(
        "leaky_slope",
        lambda F, x, s: F.LeakyReLU(signed(x, s), act_type="leaky", slope=0.1) ** 2,
        [(3, 3), (3, 3)],
        **PIECEWISE,
    ),
    Case(
        "prelu_channel",
        lambda F, x, s, gamma: F.LeakyReLU(signed(x, s), gamma, act_type="prelu") * x,
        [(2, 5), (2, 5), (5,)],
        (0.5, 0, 0.1),
        (1.5, 2, 0.6),
        integers=(1,),
        constants=(1,),
        eps=0.2,
    ),
    Case(
        "prelu_channel_3d",
        lambda F, x, s, gamma: F.LeakyReLU(signed(x, s), gamma, act_type="prelu") ** 2,
        [(2, 3, 2), (2, 3, 2), (3,)],
        (0.5, 0, 0.1),
        (1.5, 2, 0.6),
        integers=(1,),
        constants=(1,),
        eps=0.2,
    ),
    Case(
        "prelu_scalar",
        lambda F, x, s, gamma: F.LeakyReLU(signed(x, s), gamma, act_type="prelu") ** 2,
        [(3, 2, 2), (3, 2, 2), (1,)],
        (0.5, 0, 0.1),
        (1.5, 2, 0.6),
        integers=(1,),
        constants=(1,),
        eps=0.2,
    ),
    Case(
        "prelu_full",
        lambda F, x, s, gamma: F.LeakyReLU(signed(x, s), gamma, act_type="prelu") ** 2,
        [(2, 3), (2, 3), (2, 3)],
        (0.5, 0, 0.1),
        (1.5, 2, 0.6),
        integers=(1,),
        constants=(1,),
        eps=0.2,
    ),
    Case(
        "elu", lambda F, x, s: F.LeakyReLU(signed(x, s), act_type="elu"), [(2, 5), (2, 5)], **SIGNED
    ),
    Case(
        "elu_slope",
        lambda F, x, s: F.LeakyReLU(signed(x, s), act_type="elu", slope=0.5) * x,
        [(3, 3), (3, 3)],
        **SIGNED,
    ),
    Case(
        "selu",
        lambda F, x, s: F.LeakyReLU(signed(x, s), act_type="selu") ** 2,
        [(2, 3), (2, 3)],
        **SIGNED,
    ),
    Case(
        "selu_times_x",
        lambda F, x, s: F.LeakyReLU(signed(x, s), act_type="selu") * x,
        [(3, 1, 2), (3, 1, 2)],
        **SIGNED,
    ),
    Case(
        "gelu",
        lambda F, x: F.LeakyReLU(x, act_type="gelu"),
        [(2, 5)],
        -2.0,
        2.0,
        eps=1e-2,
        rtol=5e-4,
        atol=1e-6,
    ),
    Case(
        "rrelu_inference_positive",
        lambda F, x: rrelu(F, x) ** 2,
        [(2, 3)],
        0.5,
        1.5,
        hybridize=False,
    ),
]
# selu's first order is the documented exception: stock's is wrong for x < 0.
test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES, first_order_cases=[c for c in CASES if not c.name.startswith("selu")]
)


def rrelu(F, x):
    # Inference mode: the slope is (lower_bound + upper_bound)/2; training mode
    # crashes in the stock kernel.
    with mx.autograd.predict_mode():
        return F.LeakyReLU(x, act_type="rrelu")[0]


def stock_gradient(fn, seed=1):
    """x -> d/dx <fn(x), w> for a fixed w, through the stock first-order kernel,
    differentiable further when recorded."""

    def grad_fn(x):
        w = mx.nd.array(np.random.RandomState(seed).uniform(-1, 1, x.shape), dtype="float64")
        if not mx.autograd.is_recording():
            x = x.copy()
            x.attach_grad()
            with mx.autograd.record():
                y = fn(x)
            return mx.autograd.grad(y, [x], head_grads=[w])[0]
        (g,) = mx.autograd.grad(fn(x), [x], head_grads=[w], create_graph=True, retain_graph=True)
        return g

    return grad_fn


SIGNS = np.array([1.0, -1.0, -1.0, 1.0, -1.0, -1.0])


def second_derivative(fn, x, w, v):
    """d/dx <d/dx <fn(x), w>, v> by autograd, elementwise fn."""
    x = mx.nd.array(x, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        (g,) = mx.autograd.grad(
            fn(x),
            [x],
            head_grads=[mx.nd.array(w, dtype="float64")],
            create_graph=True,
            retain_graph=True,
        )
    g.backward(mx.nd.array(v, dtype="float64"))
    return x.grad.asnumpy()


SELU_LAMBDA, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772


def selu_derivative(x):
    return np.where(x > 0, SELU_LAMBDA, SELU_LAMBDA * SELU_ALPHA * np.exp(x))


@pytest.mark.parametrize("hybridize", [False, True])
def test_selu_first_order_is_the_derivative(hybridize):
    # Stock computes lambda*(alpha + y) for x <= 0: 0.5904 at x = -1 where
    # selu'(-1) = lambda*alpha/e = 0.6468. The kernel holds lambda and alpha in
    # float32, hence the tolerance.
    x = np.array([-3.0, -1.0, -0.25, 0.25, 1.0, 3.0])
    net = mx.gluon.nn.SELU()
    if hybridize:
        net.hybridize()
    xs = mx.nd.array(x, dtype="float64")
    xs.attach_grad()
    with mx.autograd.record():
        y = net(xs)
    y.backward()
    assert np.allclose(xs.grad.asnumpy(), selu_derivative(x), rtol=1e-7, atol=0)
    assert abs(xs.grad.asnumpy()[1] - 0.6468) < 1e-4


def test_selu_derivatives_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.RandomState(5).uniform(-2, 2, (4, 3))
    w = np.random.RandomState(6).uniform(-1, 1, (4, 3))
    xs = mx.nd.array(x, dtype="float64")
    xs.attach_grad()
    with mx.autograd.record():
        (g,) = mx.autograd.grad(
            mx.nd.LeakyReLU(xs, act_type="selu"),
            [xs],
            head_grads=[mx.nd.array(w, dtype="float64")],
            create_graph=True,
            retain_graph=True,
        )
        (g2,) = mx.autograd.grad(
            g, [xs], head_grads=[mx.nd.ones_like(g)], create_graph=True, retain_graph=True
        )
    g2.backward()
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(torch.selu(xt), xt, torch.tensor(w), create_graph=True)
    (g2t,) = torch.autograd.grad(gt.sum(), xt, create_graph=True)
    (g3t,) = torch.autograd.grad(g2t.sum(), xt)
    for ours, ref in [(g, gt), (g2, g2t), (xs.grad, g3t)]:
        assert np.allclose(ours.asnumpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-12)


def test_rrelu_second_derivative_of_stock_kernel():
    # Inference-mode stock kernel: gx = g*(x > 0 ? 1 : y), reaching x through y
    # whose gradient is that same kernel: d2 = w*v*y for x <= 0, 0 for x > 0.
    rng = np.random.RandomState(2)
    x = rng.uniform(0.5, 1.5, (2, 3)) * SIGNS.reshape(2, 3)
    w, v = rng.uniform(-1, 1, x.shape), rng.uniform(-1, 1, x.shape)
    y = rrelu(mx.nd, mx.nd.array(x, dtype="float64")).asnumpy()
    expected = np.where(x > 0, 0.0, w * v * y)
    got = second_derivative(lambda x: rrelu(mx.nd, x), x, w, v)
    assert np.allclose(got, expected, rtol=1e-12, atol=0)


def test_gelu_second_derivative_closed_form():
    # gelu'' = phi(x)*(2 - x^2), phi the standard normal density.
    rng = np.random.RandomState(4)
    x = rng.uniform(-2, 2, (2, 3))
    w, v = rng.uniform(-1, 1, x.shape), rng.uniform(-1, 1, x.shape)
    phi = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
    got = second_derivative(lambda x: mx.nd.LeakyReLU(x, act_type="gelu"), x, w, v)
    assert np.allclose(got, w * v * phi * (2 - x**2), rtol=1e-12, atol=1e-15)


def test_gelu_third_order():
    # The stock gelu gradient is computed in float32; the rule's orders 2 and 3,
    # in float64, are checked against each other at full tolerance.
    x = np.random.RandomState(2).uniform(-2, 2, (2, 3))
    fn = lambda x: mx.nd.LeakyReLU(x, act_type="gelu")
    second = stock_gradient(stock_gradient(fn), seed=3)
    check_higher_order_grad(second, [x], order=1)
