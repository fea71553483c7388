"""Whole networks differentiated to second and third order, against PyTorch.

The rule tests compare each operator's derivatives with finite differences;
here small Gluon networks go through the computations users run with
higher-order gradients, and every result is compared with PyTorch (CPU,
float64) running the same network with the same weights (copied from MXNet;
Dense and Conv2D weights are laid out as torch's linear and conv2d weights):

(a) the WGAN-GP gradient penalty of a conv critic, mean((||d critic(x)/dx|| - 1)^2),
    and its gradient with respect to every weight and bias of the critic
    (the backward of the convolutions' and LeakyReLUs' backward ops);
(b) a Hessian-vector product of the softmax cross-entropy loss of a tanh MLP with
    respect to all its parameters, by nested autograd.grad and by
    mxnet_ho.functional.hvp (PyTorch: torch.autograd.functional.hvp);
(c) the third directional derivative d^3/dt^3 f(x + t v) at t = 0 of a small MLP
    (tanh and softplus), by three nested autograd.grad(create_graph=True) calls,
    with the intermediate orders and the last gradient compared as well.

Each runs imperatively and hybridized (plain hybridize(): one CachedOp).
Agreement is np.allclose(rtol=1e-6) with an absolute tolerance of 1e-10 times
the magnitude of the PyTorch value. The stock LeakyReLU kernels use a float32
slope and round the forward's negative branch to float32
(tests/test_leaky_relu.py); torch gets the float32 slope (see SLOPE), and the
rounding of the critic's activations (relative ~1e-8) does not enter its
gradient in x, which is piecewise constant in x.
"""

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon, nd
from mxnet.gluon import nn

from harness import context
from mxnet_ho import functional

torch = pytest.importorskip("torch")
TF = torch.nn.functional

DTYPE = "float64"
MODES = ["imperative", "hybridized"]


def assert_close(actual, expected, what, rtol=1e-6):
    actual = actual.asnumpy() if isinstance(actual, nd.NDArray) else np.asarray(actual)
    expected = expected.detach().numpy() if torch.is_tensor(expected) else np.asarray(expected)
    assert actual.shape == expected.shape, "%s: shape %s, torch %s" % (
        what,
        actual.shape,
        expected.shape,
    )
    atol = 1e-10 * max(1e-3, float(np.abs(expected).max()))
    if not np.allclose(actual, expected, rtol=rtol, atol=atol):
        err = np.abs(actual - expected).max()
        raise AssertionError(
            "%s differs from torch: max abs error %.3g (torch max |value| %.3g)"
            "\nmxnet %s\ntorch %s"
            % (what, err, np.abs(expected).max(), actual.ravel()[:8], expected.ravel()[:8])
        )


def build(net, seed, scale, mode):
    """net in float64 with weights from RandomState(seed), uniform(-scale, scale);
    hybridized for the mode "hybridized". Returns (net, its parameters in order)."""
    net.initialize(mx.init.Uniform(scale), ctx=context())
    net.cast(DTYPE)
    rng = np.random.RandomState(seed)
    params = list(net.collect_params().values())
    for p in params:
        p.set_data(nd.array(rng.uniform(-scale, scale, p.shape), dtype=DTYPE))
    if mode == "hybridized":
        net.hybridize()
    return net, params


def check_mode(net, mode):
    """The hybridized runs really went through a CachedOp."""
    assert (net._cached_op is not None) == (mode == "hybridized")


def to_torch(params):
    return [
        torch.tensor(p.data().asnumpy(), dtype=torch.float64, requires_grad=True) for p in params
    ]


def array(a):
    return nd.array(a, dtype=DTYPE)


# -- (a) WGAN-GP gradient penalty -------------------------------------------------
def critic():
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(4, 4, strides=2, padding=1, in_channels=1),
        nn.LeakyReLU(0.2),
        nn.Conv2D(8, 4, strides=2, padding=1, in_channels=4),
        nn.LeakyReLU(0.2),
        nn.Dense(1, in_units=32),
    )
    return net


# Stock MXNet's LeakyReLU kernels use the slope as a float32 (the gradient for
# x < 0 is float32(0.2) = 0.20000000298...), a relative difference of 1.5e-8
# that a whole gradient carries to 1e-9 absolute errors on entries of 1e-3:
# torch gets the same float32 slope.
SLOPE = float(np.float32(0.2))


def torch_critic(x, w):
    h = TF.leaky_relu(TF.conv2d(x, w[0], w[1], stride=2, padding=1), SLOPE)
    h = TF.leaky_relu(TF.conv2d(h, w[2], w[3], stride=2, padding=1), SLOPE)
    return TF.linear(h.flatten(1), w[4], w[5])


@pytest.mark.parametrize("mode", MODES)
def test_wgan_gp_penalty_weight_gradients(mode):
    rng = np.random.RandomState(10)
    x_hat = rng.uniform(-1, 1, (4, 1, 8, 8))
    with context():
        net, params = build(critic(), seed=11, scale=0.4, mode=mode)
        x = array(x_hat)
        x.attach_grad()
        with autograd.record():
            out = net(x)
            (gx,) = autograd.grad(
                out, [x], head_grads=nd.ones_like(out), create_graph=True, retain_graph=True
            )
            norm = nd.sqrt((gx**2).sum(axis=(1, 2, 3)))
            penalty = ((norm - 1) ** 2).mean()
        penalty.backward()
        mx_grads = [p.grad() for p in params]
    check_mode(net, mode)

    tw = to_torch(params)
    tx = torch.tensor(x_hat, requires_grad=True)
    tout = torch_critic(tx, tw)
    (tgx,) = torch.autograd.grad(tout.sum(), tx, create_graph=True)
    tpenalty = ((tgx.flatten(1).norm(dim=1) - 1) ** 2).mean()
    t_grads = torch.autograd.grad(tpenalty, tw, allow_unused=True)
    # d critic/dx does not involve the last bias: its penalty gradient is zero.
    assert t_grads[5] is None
    t_grads = t_grads[:5] + (torch.zeros_like(tw[5]),)

    assert_close(out, tout, "critic output")
    assert_close(gx, tgx, "d critic / d x")
    assert_close(penalty, tpenalty.reshape(1), "penalty")
    # d critic/dx is piecewise constant in the biases (they only move the
    # LeakyReLU kinks): the penalty's bias gradients are zero, its weight
    # gradients are not (no vacuous comparison of zeros).
    for i, t in enumerate(t_grads):
        assert (float(t.abs().max()) > 1e-6) == (i % 2 == 0), params[i].name
    for p, g, tg in zip(params, mx_grads, t_grads):
        assert_close(g, tg, "d penalty / d " + p.name)


# -- (b) Hessian-vector product of a softmax cross-entropy loss -----------------
def mlp_6_8_5():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, in_units=6, activation="tanh"), nn.Dense(5, in_units=8))
    return net


def torch_ce(x, labels):
    def f(w1, b1, w2, b2):
        logits = TF.linear(torch.tanh(TF.linear(x, w1, b1)), w2, b2)
        return TF.cross_entropy(logits, labels)

    return f


HVP_DATA = np.random.RandomState(20)
HVP_X = HVP_DATA.uniform(-1, 1, (4, 6))
HVP_LABELS = np.array([1, 4, 0, 2])


@pytest.mark.parametrize("how", ["nested_grad", "functional_hvp"])
@pytest.mark.parametrize("mode", MODES)
def test_cross_entropy_hvp_parameters(mode, how):
    rng = np.random.RandomState(21)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    with context():
        net, params = build(mlp_6_8_5(), seed=22, scale=0.8, mode=mode)
        v_np = [rng.uniform(-1, 1, p.shape) for p in params]
        x, labels, vs = array(HVP_X), array(HVP_LABELS), [array(v) for v in v_np]
        ws = [p.data() for p in params]

        def loss_of_params(*_ws):
            # The parameters' own arrays are the autograd variables (see
            # mxnet_ho.functional: arrays with a gradient are used as they are).
            return loss_fn(net(x), labels).mean()

        if how == "nested_grad":
            with autograd.record():
                loss = loss_of_params()
                grads = autograd.grad(loss, ws, create_graph=True, retain_graph=True)
                inner = sum((g * v).sum() for g, v in zip(grads, vs))
            hv = autograd.grad(inner, ws)
        else:
            loss, hv = functional.hvp(loss_of_params, tuple(ws), tuple(vs))
    check_mode(net, mode)

    tw = to_torch(params)
    f = torch_ce(torch.tensor(HVP_X), torch.tensor(HVP_LABELS))
    tloss, thv = torch.autograd.functional.hvp(f, tuple(tw), tuple(torch.tensor(v) for v in v_np))
    assert_close(loss, tloss.reshape(1), "loss")
    for p, h, th in zip(params, hv, thv):
        assert float(th.abs().max()) > 1e-6
        assert_close(h, th, "(H v) for " + p.name)


# -- (c) third directional derivative -------------------------------------------
def mlp_3_5_1(activation):
    net = nn.HybridSequential()
    net.add(nn.Dense(5, in_units=3, activation=activation), nn.Dense(1, in_units=5))
    return net


TORCH_ACTIVATIONS = {"tanh": torch.tanh, "softrelu": TF.softplus}


@pytest.mark.parametrize("activation", ["tanh", "softrelu"])
@pytest.mark.parametrize("mode", MODES)
def test_third_directional_derivative(mode, activation):
    rng = np.random.RandomState(30)
    x_np, v_np = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))
    with context():
        net, params = build(mlp_3_5_1(activation), seed=31, scale=1.0, mode=mode)
        x, v = array(x_np), array(v_np)
        x.attach_grad()
        with autograd.record():
            f = net(x).sum()
            ds = []
            s = f
            for order in range(3):
                (g,) = autograd.grad(s, [x], create_graph=order < 2, retain_graph=True)
                s = (g * v).sum()  # d^(order+1)/dt^(order+1) f(x + t v) at t = 0
                ds.append((g, s))
    check_mode(net, mode)

    act = TORCH_ACTIVATIONS[activation]
    tw = to_torch(params)
    tx, tv = torch.tensor(x_np, requires_grad=True), torch.tensor(v_np)
    ts = TF.linear(act(TF.linear(tx, tw[0], tw[1])), tw[2], tw[3]).sum()
    tds = []
    for order in range(3):
        (tg,) = torch.autograd.grad(ts, tx, create_graph=order < 2)
        ts = (tg * tv).sum()
        tds.append((tg, ts))

    assert_close(
        f,
        torch.tensor([float(TF.linear(act(TF.linear(tx, tw[0], tw[1])), tw[2], tw[3]).sum())]),
        "f",
    )
    assert abs(float(tds[2][1])) > 1e-3
    for order, ((g, s), (tg, ts)) in enumerate(zip(ds, tds), 1):
        assert_close(g, tg, "order %d gradient" % order)
        assert_close(s, ts.reshape(1), "d^%d/dt^%d f(x + t v)" % (order, order))
