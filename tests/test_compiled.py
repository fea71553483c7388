"""mxnet_ho.compiled: second-order quantities as one cached graph.

Oracles: central differences of stock first-order gradients (H v), central
differences of the forward pass (J v), MXNet's own first-order autograd
(gradients, u^T J), and the same quantity taken imperatively.
"""

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon, nd

from mxnet_ho import compiled, symbol

DT = "float64"


def mlp(batchnorm=False):
    mx.random.seed(0)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(7, activation="tanh"))
    if batchnorm:
        net.add(gluon.nn.BatchNorm())
    net.add(gluon.nn.Dense(5, activation="sigmoid"), gluon.nn.Dense(3))
    net.initialize(mx.init.Xavier())
    net.cast(DT)
    rng = np.random.RandomState(1)
    x = nd.array(rng.randn(6, 4), dtype=DT)
    y = nd.array(rng.randint(0, 3, 6), dtype=DT)
    net(x)
    return net, x, y


def trainable(net):
    return [p for p in net.collect_params().values() if p.grad_req != "null"]


def stock_gradient(net, x, y, loss_fn, train_mode=True):
    with autograd.record(train_mode=train_mode):
        loss = loss_fn(net(x), y).mean()
    return [
        g.asnumpy()
        for g in autograd.grad(loss, [p.data() for p in trainable(net)], train_mode=train_mode)
    ]


def test_value_and_grad_equal_autograd():
    net, x, y = mlp()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    loss, grads = compiled.Loss(net, loss_fn).value_and_grad(x, y, train_mode=True)
    with autograd.record():
        want_loss = loss_fn(net(x), y).mean()
    assert np.allclose(loss.asnumpy(), want_loss.asnumpy(), rtol=1e-13)
    for got, want in zip(grads, stock_gradient(net, x, y, loss_fn)):
        assert np.allclose(got.asnumpy(), want, rtol=1e-12, atol=1e-15)


def test_hvp_central_differences():
    net, x, y = mlp()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    params = trainable(net)
    rng = np.random.RandomState(2)
    vs = [rng.randn(*p.shape) for p in params]
    hv = compiled.Loss(net, loss_fn).hvp(x, y, [nd.array(v, dtype=DT) for v in vs], train_mode=True)
    base = [p.data().asnumpy().copy() for p in params]

    def gradient_at(step):
        for p, b, v in zip(params, base, vs):
            p.set_data(nd.array(b + step * v, dtype=DT))
        return stock_gradient(net, x, y, loss_fn)

    eps = 1e-5
    plus, minus = gradient_at(eps), gradient_at(-eps)
    for got, hi, lo in zip(hv, plus, minus):
        want = (hi - lo) / (2 * eps)
        assert np.allclose(got.asnumpy(), want, rtol=1e-6, atol=1e-8)


def test_hvp_predict_mode_batchnorm():
    """Predict mode: moving statistics, none of them updated; equal to the
    imperative H v in predict mode."""
    from mxnet_ho import functional

    net, x, y = mlp(batchnorm=True)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    state = {p.name: p.data().asnumpy().copy() for p in net.collect_params().values()}
    params = [p.data() for p in trainable(net)]
    vs = [nd.array(np.random.RandomState(3).randn(*p.shape), dtype=DT) for p in params]
    got = compiled.Loss(net, loss_fn).hvp(x, y, vs, train_mode=False)
    _, want = functional.hvp(
        lambda *ps: loss_fn(net(x), y).mean(), tuple(params), tuple(vs), train_mode=False
    )
    for a, b in zip(got, want):
        assert np.allclose(a.asnumpy(), b.asnumpy(), rtol=1e-10, atol=1e-13)
    for p in net.collect_params().values():
        assert np.array_equal(p.data().asnumpy(), state[p.name]), p.name


def test_jvp_and_vjp():
    net, x, _ = mlp()
    model = compiled.Model(net)
    rng = np.random.RandomState(4)
    v = rng.randn(*x.shape)
    jv = model.jvp(x, nd.array(v, dtype=DT)).asnumpy()
    eps = 1e-6
    hi = net(x + nd.array(eps * v, dtype=DT)).asnumpy()
    lo = net(x - nd.array(eps * v, dtype=DT)).asnumpy()
    assert np.allclose(jv, (hi - lo) / (2 * eps), rtol=1e-6, atol=1e-9)

    u = nd.array(rng.randn(6, 3), dtype=DT)
    xs = x.copy()
    xs.attach_grad()
    with autograd.record():
        out = net(xs)
    out.backward(u)
    assert np.allclose(model.vjp(x, u).asnumpy(), xs.grad.asnumpy(), rtol=1e-12, atol=1e-15)


def central_jacobian(f, x, eps=1e-6):
    """d f / d x by central differences of the forward pass, f(x).shape + x.shape."""
    x = x.asnumpy()
    columns = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        hi, lo = f(nd.array(x + step, dtype=DT)), f(nd.array(x - step, dtype=DT))
        columns.append(((hi - lo) / (2 * eps)).ravel())
    out_shape = f(nd.array(x, dtype=DT)).shape
    return np.stack(columns, axis=1).reshape(out_shape + x.shape)


@pytest.mark.parametrize("rows", [True, False], ids=["by_vjp", "by_jvp"])
def test_jacobian_central_differences(rows):
    """Fewer outputs than inputs: rows by u^T J; more: columns by J v."""
    net, x, _ = mlp()
    x = x[:1] if rows else x[:2, :1].reshape((2, 1))
    if not rows:
        net = gluon.nn.HybridSequential()
        net.add(gluon.nn.Dense(3, activation="tanh"))
        net.initialize(mx.init.Xavier())
        net.cast(DT)
    got = compiled.Model(net).jacobian(x).asnumpy()
    want = central_jacobian(lambda a: net(a).asnumpy(), x)
    assert got.shape == net(x).shape + x.shape
    assert (net(x).size > x.size) != rows
    assert np.allclose(got, want, rtol=1e-6, atol=1e-9)


def test_hessian_central_differences():
    """H against central differences of stock first-order gradients, column by column."""
    net, x, y = mlp()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    got = compiled.Loss(net, loss_fn).hessian(x, y).asnumpy()
    params = trainable(net)
    base = [p.data().asnumpy().copy() for p in params]
    sizes = [b.size for b in base]
    n = sum(sizes)
    assert got.shape == (n, n)
    eps = 1e-5

    def gradient_at(step):
        for p, b, s in zip(params, base, np.split(step, np.cumsum(sizes)[:-1])):
            p.set_data(nd.array(b + s.reshape(b.shape), dtype=DT))
        return np.concatenate([g.ravel() for g in stock_gradient(net, x, y, loss_fn, False)])

    want = np.stack(
        [(gradient_at(eps * e) - gradient_at(-eps * e)) / (2 * eps) for e in np.eye(n)], axis=1
    )
    for p, b in zip(params, base):
        p.set_data(nd.array(b, dtype=DT))
    assert np.allclose(got, want, rtol=1e-6, atol=1e-8)
    assert np.allclose(got, got.T, rtol=1e-12, atol=1e-14)


def test_graph_wgan_gp_step_equals_imperative():
    """A whole WGAN-GP critic step as one Symbol run by compiled.Graph gives the
    parameter gradients of the same step taken imperatively."""
    mx.random.seed(5)
    critic = gluon.nn.HybridSequential()
    critic.add(
        gluon.nn.Conv2D(3, 3, strides=2, padding=1),
        gluon.nn.LeakyReLU(0.2),
        gluon.nn.Conv2D(4, 3, strides=2, padding=1),
        gluon.nn.Activation("tanh"),
        gluon.nn.Dense(1),
    )
    critic.initialize(mx.init.Normal(0.3))
    critic.cast(DT)
    rng = np.random.RandomState(6)
    real, fake = (nd.array(rng.randn(4, 1, 8, 8), dtype=DT) for _ in range(2))
    eps = nd.array(rng.uniform(size=(4, 1, 1, 1)), dtype=DT)
    critic(real)
    params = list(critic.collect_params().values())

    e, r, f, inter = (mx.sym.var(n) for n in ("eps", "real", "fake", "inter"))
    (g,) = symbol.grad(mx.sym.sum(critic(inter)), [inter])
    norm = mx.sym.sqrt(mx.sym.sum(mx.sym.square(mx.sym.reshape(g, (4, -1))), axis=1))
    loss = (
        mx.sym.mean(critic(f)) - mx.sym.mean(critic(r)) + 10 * mx.sym.mean(mx.sym.square(norm - 1))
    )
    step = mx.sym.Group([loss] + symbol.grad(loss, [p.name for p in params]))
    mixed = mx.sym.broadcast_add(mx.sym.broadcast_mul(e, r), mx.sym.broadcast_mul(1 - e, f))
    step = step(inter=mixed, real=r, fake=f)
    assert len(set(step.list_inputs())) == len(step.list_inputs())
    got = compiled.Graph(step, critic)(eps=eps, real=real, fake=fake, train_mode=True)

    mixed = eps * real + (1 - eps) * fake
    mixed.attach_grad()
    with autograd.record():
        (gi,) = autograd.grad(critic(mixed).sum(), [mixed], create_graph=True, retain_graph=True)
        penalty = ((gi.reshape((4, -1)) ** 2).sum(axis=1).sqrt() - 1) ** 2
        want_loss = critic(fake).mean() - critic(real).mean() + 10 * penalty.mean()
    want_loss.backward()
    assert np.allclose(got[0].asnumpy(), want_loss.asnumpy(), rtol=1e-12)
    for p, a in zip(params, got[1:]):
        assert np.allclose(a.asnumpy(), p.grad().asnumpy(), rtol=1e-10, atol=1e-13), p.name


def test_bad_input_is_named():
    net, x, y = mlp()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    with pytest.raises(TypeError, match="HybridBlock"):
        compiled.Loss(gluon.nn.Sequential(), loss_fn)
    with pytest.raises(ValueError, match=r"v has 1 arrays for 6 parameters"):
        compiled.Loss(net, loss_fn).hvp(x, y, [x])
    with pytest.raises(ValueError, match="needs inputs"):
        compiled.Graph(mx.sym.sin(mx.sym.var("a")))()
    f, model = compiled.Loss(net, loss_fn), compiled.Model(net)
    params = trainable(net)
    ones = [nd.ones(p.shape, dtype=DT) for p in params]
    with pytest.raises(TypeError, match=r"v must be a list of NDArrays, one per trainable"):
        f.hvp(x, y, None)
    with pytest.raises(TypeError, match=r"v\[0\] must be an mxnet NDArray.*got ndarray"):
        f.hvp(x, y, [np.ones(p.shape) for p in params])
    with pytest.raises(TypeError, match=r"data must be an mxnet NDArray.*got ndarray"):
        f.value_and_grad(x.asnumpy(), y)
    with pytest.raises(ValueError, match=r"v\[1\] has shape \(3,\), expected \(7,\)"):
        f.hvp(x, y, ones[:1] + [nd.ones((3,), dtype=DT)] + ones[2:])
    with pytest.raises(ValueError, match=r"u has shape \(6, 4\), expected \(6, 3\)"):
        model.vjp(x, x)
    with pytest.raises(ValueError, match=r"v has shape \(6, 3\), expected \(6, 4\)"):
        model.jvp(x, nd.ones((6, 3), dtype=DT))
    a = mx.sym.var("a")
    doubled = (a * mx.sym.var("b"))(b=a + 1)  # the copy's "a" and the original "a"
    with pytest.raises(ValueError, match="several inputs named a"):
        compiled.Graph(doubled)


def test_v_of_another_dtype_is_cast_as_functional_does():
    from mxnet_ho import functional

    net, x, y = mlp()
    net.cast("float32")
    x, y = x.astype("float32"), y.astype("float32")
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    params = [p.data() for p in trainable(net)]
    vs = [nd.ones(p.shape, dtype="float64") for p in params]
    got = compiled.Loss(net, loss_fn).hvp(x, y, vs, train_mode=False)
    _, want = functional.hvp(
        lambda *ps: loss_fn(net(x), y).mean(), tuple(params), tuple(vs), train_mode=False
    )
    for a, b in zip(got, want):
        assert a.dtype == np.float32 and b.dtype == np.float32
        assert np.allclose(a.asnumpy(), b.asnumpy(), rtol=1e-4, atol=1e-6)


def lstm_net():
    """A fused LSTM (2 layers, bidirectional) and a Dense head: its second-order
    graphs unroll the LSTM over the sequence length of the data they are run on."""
    net = gluon.nn.HybridSequential()
    net.add(
        gluon.rnn.LSTM(3, num_layers=2, bidirectional=True, input_size=2),
        gluon.nn.Dense(2, flatten=False, in_units=6),
    )
    net.initialize(mx.init.Uniform(0.5))
    net.cast(DT)
    return net


def test_hvp_through_fused_lstm_equals_imperative():
    """Each sequence length its own graph (mxnet_ho.symbol.grad with the shapes)."""
    from mxnet_ho import functional

    net = lstm_net()
    loss_fn = gluon.loss.L2Loss()
    rng = np.random.RandomState(6)
    f = compiled.Loss(net, loss_fn)
    for length in (3, 4):  # one graph per sequence length
        x = nd.array(rng.uniform(-1, 1, (length, 2, 2)), dtype=DT)
        y = nd.array(rng.uniform(-1, 1, (length, 2, 2)), dtype=DT)
        params = [p.data() for p in trainable(net)]
        vs = [nd.array(rng.randn(*p.shape), dtype=DT) for p in params]
        got = f.hvp(x, y, vs, train_mode=False)
        _, want = functional.hvp(
            lambda *ps, x=x, y=y: loss_fn(net(x), y).mean(),
            tuple(params),
            tuple(vs),
            train_mode=False,
        )
        for a, b in zip(got, want):
            assert np.allclose(a.asnumpy(), b.asnumpy(), rtol=1e-9, atol=1e-12)


def test_jvp_through_fused_lstm_central_differences():
    net = lstm_net()
    rng = np.random.RandomState(7)
    x = nd.array(rng.uniform(-1, 1, (3, 2, 2)), dtype=DT)
    v = rng.randn(*x.shape)
    jv = compiled.Model(net).jvp(x, nd.array(v, dtype=DT)).asnumpy()
    eps = 1e-6
    hi = net(x + nd.array(eps * v, dtype=DT)).asnumpy()
    lo = net(x - nd.array(eps * v, dtype=DT)).asnumpy()
    assert np.allclose(jv, (hi - lo) / (2 * eps), rtol=1e-6, atol=1e-9)


def test_max_graphs_is_checked():
    net, _, _ = mlp()
    loss_fn = gluon.loss.L2Loss()
    assert compiled.Loss(net, loss_fn).max_graphs == compiled.DEFAULT_MAX_GRAPHS
    for bad in (0, -1, 2.5, True, "4"):
        with pytest.raises(ValueError, match="max_graphs must be a positive int"):
            compiled.Loss(net, loss_fn, max_graphs=bad)
    f = compiled.Model(net, max_graphs=3)
    f.max_graphs = 1
    assert f.max_graphs == 1


# Resident memory (MB) of a process running compiled H v of a fused LSTM over
# sequence lengths 2..13, twice: after the first graph, at the peak, and after
# the Loss is deleted; and the CachedOps alive at the peak.
LSTM_MEMORY = r"""
import gc, json, os, sys
import mxnet as mx
from mxnet import gluon, nd
from mxnet_ho import compiled

def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2.0**20

net = gluon.nn.HybridSequential()
net.add(gluon.rnn.LSTM(8, input_size=4), gluon.nn.Dense(1, flatten=False))
net.initialize()
net.cast("float64")  # float32's fused LSTM needs MKL-DNN on CPU
net(nd.ones((2, 2, 4), dtype="float64"))
params = [p for p in net.collect_params().values() if p.grad_req != "null"]
f = compiled.Loss(net, gluon.loss.L2Loss(), max_graphs=int(sys.argv[1]))
first, peak = None, 0.0
for length in list(range(2, 14)) * 2:
    x, y = nd.ones((length, 2, 4), dtype="float64"), nd.ones((length, 2, 1), dtype="float64")
    f.hvp(x, y, [nd.ones(p.shape, dtype="float64") for p in params])[0].wait_to_read()
    first = first or resident()
    peak = max(peak, resident())
alive = sum(isinstance(o, mx.nd.CachedOp) for o in gc.get_objects())
del f
gc.collect()
print(json.dumps({"first": first, "peak": peak, "deleted": resident(), "alive": alive}))
"""


def lstm_memory(max_graphs):
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", LSTM_MEMORY, str(max_graphs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_graph_cache_is_bounded_and_deleting_returns_memory():
    """One graph per sequence length: 12 kept hold far more than 2 do, and
    deleting the Loss hands the memory back to the system."""
    bounded, kept = lstm_memory(2), lstm_memory(100)
    assert bounded["alive"] <= 2 + 1  # the graphs kept, and the block's own CachedOp
    grown, grown_kept = bounded["peak"] - bounded["first"], kept["peak"] - kept["first"]
    assert grown_kept > 60, kept  # the measurement sees what 10 more graphs hold
    assert grown < grown_kept / 2, (bounded, kept)
    assert kept["peak"] - kept["deleted"] > grown_kept / 2, kept
