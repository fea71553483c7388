"""Higher orders through hybridized blocks (the _CachedOp gradient).

Every case builds a network, takes a second- or third-order quantity through it
run imperatively, then through the same network hybridized (each set of flags,
a SymbolBlock, a hybridized block inside an imperative one) and compares:
float64, 1e-10 relative. The imperative values are themselves checked against
central differences by the rule tests; some cases here check an HVP and a
gradient penalty against central differences of stock first-order gradients
as well. Each case runs in its own process, so a crash fails that case by name.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = {
    "default": {},
    "static_alloc": {"static_alloc": True},
    "static_shape": {"static_alloc": True, "static_shape": True},
}
RTOL = 1e-10


def run_isolated(case, *args):
    """Runs `case(*args)` of this module in a fresh interpreter."""
    harness.run_isolated(__file__, case, *args)


# --- networks -------------------------------------------------------------------


def mlp():
    from mxnet import gluon

    net = gluon.nn.HybridSequential()
    net.add(
        gluon.nn.Dense(6, activation="tanh"),
        gluon.nn.Dense(5, activation="sigmoid"),
        gluon.nn.Dense(1),
    )
    return net, (4, 3)


def cnn(dropout=False):
    from mxnet import gluon

    net = gluon.nn.HybridSequential()
    net.add(
        gluon.nn.Conv2D(3, 3, padding=1),
        gluon.nn.BatchNorm(),
        gluon.nn.Activation("tanh"),
        gluon.nn.MaxPool2D(2),
        gluon.nn.Conv2D(2, 3),
        gluon.nn.LeakyReLU(0.1),
        gluon.nn.Flatten(),
    )
    if dropout:
        net.add(gluon.nn.Dropout(0.5))
    net.add(gluon.nn.Dense(1))
    return net, (2, 2, 6, 6)


def cnn_dropout():
    return cnn(dropout=True)


class Residual:
    """y = x + relu(Dense(x)) then Dense: F.relu after a layer, a residual add."""

    @staticmethod
    def build():
        from mxnet import gluon

        class Block(gluon.HybridBlock):
            def __init__(self):
                super().__init__()
                self.inner = gluon.nn.Dense(4, flatten=False)
                self.out = gluon.nn.Dense(1)

            def hybrid_forward(self, F, x):
                return self.out(F.tanh(x + F.relu(self.inner(x))))

        return Block(), (3, 4)


def conv_head():
    """The block's last op a Convolution, which its own gradient does not read."""
    from mxnet import gluon

    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Conv2D(3, 3, padding=1), gluon.nn.Activation("tanh"), gluon.nn.Conv2D(2, 1))
    return net, (2, 2, 5, 5)


def upsampling_head():
    """GluonCV's simple pose net in small: a strided convolution, two upsampling
    stages (Conv2DTranspose, BatchNorm, relu), a 1x1 convolution last."""
    from mxnet import gluon

    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Conv2D(3, 3, strides=2, padding=1, use_bias=False))
    for _ in range(2):
        net.add(
            gluon.nn.BatchNorm(),
            gluon.nn.Activation("relu"),
            gluon.nn.Conv2DTranspose(3, 4, strides=2, padding=1, use_bias=False),
        )
    net.add(gluon.nn.BatchNorm(), gluon.nn.Activation("relu"), gluon.nn.Conv2D(2, 1))
    return net, (2, 2, 4, 4)


def batchnorm_last():
    """BatchNorm the block's last op: in predict mode its kernel, too, insists on
    writing its output."""
    from mxnet import gluon

    net, shape = conv_head()
    net.add(gluon.nn.BatchNorm())
    return net, shape


NETWORKS = {
    "mlp": mlp,
    "cnn": cnn,
    "cnn_dropout": cnn_dropout,
    "residual": Residual.build,
    "conv_head": conv_head,
    "upsampling_head": upsampling_head,
    "batchnorm_last": batchnorm_last,
}


def build(name, seed=0):
    import mxnet as mx

    mx.random.seed(seed)
    np.random.seed(seed)
    net, shape = NETWORKS[name]()
    net.initialize(mx.init.Xavier())
    net.cast("float64")
    x = mx.nd.array(np.random.uniform(-1, 1, shape), dtype="float64")
    net(x)  # materialise deferred shapes
    return net, x


def params_of(net):
    return [p for p in net.collect_params().values() if p.grad_req != "null"]


def grads_of(net):
    return {p.name: p.grad().asnumpy().copy() for p in params_of(net)}


def snapshot(net):
    return {p.name: p.data().asnumpy().copy() for p in net.collect_params().values()}


def restore(net, values):
    for p in net.collect_params().values():
        p.set_data(values[p.name])


def wrap(net, name, how, hybridize):
    """The network as `how` runs it: hybridized with some flags, as a SymbolBlock
    of its export, or inside an imperative block; with hybridize=False, the same
    structure run imperatively."""
    import mxnet as mx
    from mxnet import gluon

    if how in FLAGS:
        if hybridize:
            net.hybridize(**FLAGS[how])
        return net
    if how == "symbolblock":
        if not hybridize:
            return net
        net.hybridize()
        net(build(name)[1])
        prefix = os.path.join(os.environ["HYBRID_TMP"], name)
        net.export(prefix)
        block = gluon.SymbolBlock.imports(
            prefix + "-symbol.json", ["data"], prefix + "-0000.params"
        )
        block.cast("float64")
        return block
    if how == "nested":
        if hybridize:
            net.hybridize()
        outer = gluon.nn.Sequential()  # imperative, holding the (hybridized) network
        outer.add(net, gluon.nn.Lambda(lambda y: mx.nd.tanh(y)))
        return outer
    raise ValueError(how)


# --- the quantities ---------------------------------------------------------------


def gradient_penalty_grads(net, x, train):
    """d/dweights of mean((|d net(x) / dx| - 1)^2)."""
    from mxnet import autograd

    x = x.copy()
    x.attach_grad()
    with autograd.record(train_mode=train):
        (g,) = autograd.grad(
            net(x).sum(), [x], create_graph=True, retain_graph=True, train_mode=train
        )
        penalty = ((g * g).reshape((g.shape[0], -1)).sum(axis=1).sqrt() - 1).square().mean()
    penalty.backward(train_mode=train)
    return grads_of(net)


def hvp(net, x, train, vs):
    """H v of sum(net(x)^2) w.r.t. the weights."""
    from mxnet import autograd

    ws = [p.data() for p in params_of(net)]
    with autograd.record(train_mode=train):
        loss = (net(x) ** 2).sum()
        gs = autograd.grad(loss, ws, create_graph=True, retain_graph=True, train_mode=train)
        inner = sum((g * v).sum() for g, v in zip(gs, vs))
    inner.backward(train_mode=train)
    return grads_of(net)


def third_order(net, x, train, u, w):
    """d/dx <w, d/dx <u, d/dx sum(net(x))>>."""
    from mxnet import autograd

    x = x.copy()
    x.attach_grad()
    with autograd.record(train_mode=train):
        (g1,) = autograd.grad(
            net(x).sum(), [x], create_graph=True, retain_graph=True, train_mode=train
        )
        (g2,) = autograd.grad(
            (g1 * u).sum(), [x], create_graph=True, retain_graph=True, train_mode=train
        )
        top = (g2 * w).sum()
    top.backward(train_mode=train)
    return {"x": x.grad.asnumpy().copy()}


def assert_close(got, want, what):
    """Relative to the largest entry of the whole quantity: parts that vanish
    analytically (a bias before BatchNorm) hold rounding noise only."""
    scale = max(max(np.abs(b).max() for b in want), 1e-300)
    for i, (a, b) in enumerate(zip(got, want)):
        err = np.abs(a - b).max() / scale
        assert err <= RTOL, "%s[%d]: relative error %.3g\n%s\n%s" % (what, i, err, a, b)


def quantity(kind, net, x, train):
    import mxnet as mx

    mx.random.seed(5)  # Dropout draws the same masks in every run of a case
    rng = np.random.RandomState(1)
    net.collect_params().zero_grad()  # a weight the quantity does not reach: 0
    if kind == "penalty":
        return gradient_penalty_grads(net, x, train)
    if kind == "hvp":
        vs = [mx.nd.array(rng.randn(*p.shape), dtype="float64") for p in params_of(net)]
        return hvp(net, x, train, vs)
    u = mx.nd.array(rng.randn(*x.shape), dtype="float64")
    w = mx.nd.array(rng.randn(*x.shape), dtype="float64")
    return third_order(net, x, train, u, w)


# --- cases (each run in its own process) ---------------------------------------------


def first_order_state(net, x, train):
    """The parameters and moving statistics after one first-order step."""
    from mxnet import autograd

    with autograd.record(train_mode=train):
        loss = net(x).sum()
    loss.backward(train_mode=train)
    return snapshot(net)


def case_equal_to_imperative(name, how, kind, train):
    """The quantity through the hybridized network equals the imperative one, and
    after either, BatchNorm's moving statistics are those of one first-order
    step: the forward pass ran once, so they are updated once (in predict mode,
    not at all)."""
    import tempfile

    os.environ["HYBRID_TMP"] = tempfile.mkdtemp()
    net, x = build(name)
    start = snapshot(net)
    reference = wrap(net, name, how, hybridize=False)
    once = first_order_state(reference, x, train)
    restore(net, start)
    want = quantity(kind, reference, x, train)
    want_state = snapshot(reference)
    restore(net, start)
    model = wrap(net, name, how, hybridize=True)
    restore(model, start)
    got = quantity(kind, model, x, train)
    got_state = snapshot(model)
    what = "%s %s %s train=%s" % (name, how, kind, train)
    assert sorted(got) == sorted(want), what
    assert_close([got[k] for k in sorted(got)], [want[k] for k in sorted(want)], what)
    for k in once:
        assert np.array_equal(want_state[k], once[k]), "%s: imperative %s" % (what, k)
        assert np.array_equal(got_state[k], once[k]), "%s: hybridized %s" % (what, k)


@pytest.mark.parametrize("kind", ["penalty", "hvp", "third"])
@pytest.mark.parametrize("how", sorted(FLAGS) + ["nested"])
@pytest.mark.parametrize("name", ["cnn", "cnn_dropout", "mlp", "residual"])
def test_equal_to_imperative(name, how, kind):
    """Training mode; with cnn_dropout, Dropout's mask as the forward drew it."""
    run_isolated("case_equal_to_imperative", name, how, kind, True)


@pytest.mark.parametrize("kind", ["penalty", "hvp", "third"])
@pytest.mark.parametrize("how", ["default", "static_alloc"])
@pytest.mark.parametrize("name", ["conv_head", "upsampling_head"])
def test_last_op_unread(name, how, kind):
    """The block's last op is a Convolution that no later op reads and its own
    gradient does not either: MXNet runs the recomputed one (its stock backward
    node is tied to it) with its output unrequested, which its kernel refuses
    (issue #21: GluonCV's simple_pose_resnet18_v1b)."""
    run_isolated("case_equal_to_imperative", name, how, kind, True)


@pytest.mark.parametrize("kind", ["penalty", "hvp"])
@pytest.mark.parametrize("name", ["batchnorm_last", "conv_head", "upsampling_head"])
def test_last_op_unread_predict_mode(name, kind):
    run_isolated("case_equal_to_imperative", name, "default", kind, False)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_equal_to_imperative_predict_mode(name):
    """Predict mode: BatchNorm's moving statistics, Dropout the identity."""
    run_isolated("case_equal_to_imperative", name, "static_alloc", "penalty", False)


@pytest.mark.parametrize("kind", ["penalty", "hvp"])
@pytest.mark.parametrize("name", ["cnn", "cnn_dropout", "mlp", "residual"])
def test_symbol_block(name, kind):
    run_isolated("case_equal_to_imperative", name, "symbolblock", kind, True)


def case_hvp_central_differences(name, how):
    """H v through the hybridized network against central differences of stock
    first-order gradients (which do not pass through mxnet-ho's rules)."""
    import mxnet as mx
    from mxnet import autograd

    net, x = build(name)
    net.hybridize(**FLAGS[how])
    rng = np.random.RandomState(3)
    vs = [rng.randn(*p.shape) for p in params_of(net)]
    got = hvp(net, x, True, [mx.nd.array(v, dtype="float64") for v in vs])
    got = [got[p.name] for p in params_of(net)]
    base = snapshot(net)

    def gradient_at(step):
        for p, v in zip(params_of(net), vs):
            p.set_data(base[p.name] + step * v)
        with autograd.record():
            loss = (net(x) ** 2).sum()
        loss.backward()
        return [p.grad().asnumpy().copy() for p in params_of(net)]

    eps = 1e-5
    plus, minus = gradient_at(eps), gradient_at(-eps)
    for a, hi, lo in zip(got, plus, minus):
        want = (hi - lo) / (2 * eps)
        assert np.abs(a - want).max() <= 1e-6 * max(1.0, np.abs(want).max()), (a, want)


def penalty(net, x):
    """The gradient penalty of gradient_penalty_grads, from a stock first-order gradient."""
    from mxnet import autograd

    x = x.copy()
    x.attach_grad()
    with autograd.record():
        y = net(x).sum()
    (g,) = autograd.grad(y, [x])
    g = g.asnumpy().reshape(g.shape[0], -1)
    return float(((np.sqrt((g * g).sum(axis=1)) - 1) ** 2).mean())


def case_penalty_central_differences(name, how):
    """<d penalty / d weights, v> through the hybridized network against a central
    difference of the penalty along v, each penalty from stock's first order."""
    import mxnet as mx

    net, x = build(name)
    net.hybridize(**FLAGS[how])
    rng = np.random.RandomState(4)
    vs = {p.name: rng.randn(*p.shape) for p in params_of(net)}
    got = gradient_penalty_grads(net, x, True)
    base = snapshot(net)

    def penalty_at(step):
        for p in params_of(net):
            p.set_data(mx.nd.array(base[p.name] + step * vs[p.name], dtype="float64"))
        return penalty(net, x)

    eps = 1e-5
    want = (penalty_at(eps) - penalty_at(-eps)) / (2 * eps)
    directional = sum((got[k] * v).sum() for k, v in vs.items())
    assert abs(directional - want) <= 1e-6 * max(1.0, abs(want)), (directional, want)


CENTRAL_DIFFERENCES = [
    ("mlp", "static_alloc"),
    ("conv_head", "default"),
    ("upsampling_head", "default"),
]


@pytest.mark.parametrize("name,how", CENTRAL_DIFFERENCES)
def test_hvp_central_differences(name, how):
    run_isolated("case_hvp_central_differences", name, how)


@pytest.mark.parametrize("name,how", CENTRAL_DIFFERENCES[1:])
def test_penalty_central_differences(name, how):
    run_isolated("case_penalty_central_differences", name, how)


def assert_second_order_refused(net, x, *words):
    """A penalty's second order through `net` raises MXNet's error with `words`."""
    import mxnet as mx

    x.attach_grad()
    try:
        with mx.autograd.record():
            (g,) = mx.autograd.grad(net(x).sum(), [x], create_graph=True, retain_graph=True)
            penalty = (g * g).sum()
        penalty.backward()
    except mx.base.MXNetError as error:
        assert all(w in str(error) for w in words), str(error)
    else:
        raise AssertionError("no error naming %s" % (words,))


def case_dropout_mask_torch(how):
    """Training-mode Dropout keeps the forward's mask at every order. Oracle:
    PyTorch with that mask as a constant, read off the hybridized forward
    (y = tanh(x W^T + b) * m); the gradient penalty's weight gradients and a
    third-order derivative in x must match."""
    import mxnet as mx
    import torch
    from mxnet import autograd, gluon

    mx.random.seed(2)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(6, activation="tanh", in_units=4), gluon.nn.Dropout(0.5))
    net.initialize(mx.init.Xavier())
    net.cast("float64")
    net.hybridize(**FLAGS[how])
    rng = np.random.RandomState(0)
    x_np, c, u = rng.uniform(-1, 1, (3, 4)), rng.randn(3, 6), rng.randn(3, 4)
    x = mx.nd.array(x_np, dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = net(x)
        (g,) = autograd.grad(
            (y * mx.nd.array(c, dtype="float64")).sum(), [x], create_graph=True, retain_graph=True
        )
        (g2,) = autograd.grad(
            (g * mx.nd.array(u, dtype="float64")).sum(), [x], create_graph=True, retain_graph=True
        )
        penalty = (g * g).sum() + (g2 * g2).sum()
    penalty.backward()
    weight, bias = (p.data().asnumpy() for p in net.collect_params().values())
    hidden = np.tanh(x_np @ weight.T + bias)
    mask = y.asnumpy() / hidden
    assert set(np.round(mask, 12).ravel()) == {0.0, 2.0}, mask  # dropped and kept, scaled

    tw, tb, tx = (torch.tensor(a, requires_grad=True) for a in (weight, bias, x_np))
    ty = torch.tanh(tx @ tw.T + tb) * torch.tensor(mask)
    (tg,) = torch.autograd.grad((ty * torch.tensor(c)).sum(), [tx], create_graph=True)
    (tg2,) = torch.autograd.grad((tg * torch.tensor(u)).sum(), [tx], create_graph=True)
    ((tg * tg).sum() + (tg2 * tg2).sum()).backward()
    got = [p.grad().asnumpy() for p in net.collect_params().values()] + [x.grad.asnumpy()]
    assert_close(got, [t.grad.numpy() for t in (tw, tb, tx)], "dropout mask " + how)


@pytest.mark.parametrize("how", sorted(FLAGS))
def test_dropout_mask_torch(how):
    pytest.importorskip("torch")  # the oracle (a dev dependency: absent on some Pythons)
    run_isolated("case_dropout_mask_torch", how)


def case_dropout_numpy_interface():
    """With npx.set_np(), a hybridized block with Dropout still returns mx.np
    arrays, and its gradient penalty equals the imperative one (same seed)."""
    import mxnet as mx
    from mxnet import autograd, gluon, npx

    npx.set_np()

    def penalty_grads(hybridize):
        mx.random.seed(4)
        net = gluon.nn.HybridSequential()
        net.add(
            gluon.nn.Dense(5, activation="tanh", in_units=3),
            gluon.nn.Dropout(0.5),
            gluon.nn.Dense(1, in_units=5),
        )
        net.initialize(mx.init.Xavier())
        net.cast("float64")
        if hybridize:
            net.hybridize()
        x = mx.np.array(np.random.RandomState(0).uniform(-1, 1, (4, 3)), dtype="float64")
        x.attach_grad()
        mx.random.seed(5)
        with autograd.record():
            y = net(x)
            (g,) = autograd.grad(y.sum(), [x], create_graph=True, retain_graph=True)
            penalty = (g * g).sum()
        penalty.backward()
        assert isinstance(y, mx.np.ndarray), type(y)
        return [p.grad().asnumpy() for p in net.collect_params().values()]

    assert_close(penalty_grads(True), penalty_grads(False), "numpy-interface dropout")


def test_dropout_numpy_interface():
    run_isolated("case_dropout_numpy_interface")


class Noisy:
    """y = 2 tanh(x * s), s drawn by a sampler: from no array (a constant of the
    gradient), or from arrays (low, high) the recomputation cannot reuse."""

    @staticmethod
    def build(of_arrays):
        from mxnet import gluon

        class Block(gluon.HybridBlock):
            def hybrid_forward(self, F, x):
                if of_arrays:
                    s = F.random.uniform(low=F.zeros_like(x), high=F.ones_like(x), dtype="float64")
                else:
                    s = F.random.uniform(shape=(3,), dtype="float64")
                return F.tanh(x * s) * 2

        return Block()


def case_sampler_reused():
    """The samples the forward drew are constants of every order: the third
    derivative of y = 2 tanh(x s) in x is 2 s^3 tanh''(x s), with s read off y."""
    import mxnet as mx

    net = Noisy.build(of_arrays=False)
    net.hybridize()
    x = mx.nd.array([0.3, -0.7, 1.1], dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = net(x)
        (g,) = mx.autograd.grad(y.sum(), [x], create_graph=True, retain_graph=True)
        (g2,) = mx.autograd.grad(g.sum(), [x], create_graph=True, retain_graph=True)
    g2.backward()
    s = np.arctanh(y.asnumpy() / 2) / x.asnumpy()
    t = np.tanh(x.asnumpy() * s)
    want = 2 * s**3 * (-2 + 8 * t**2 - 6 * t**4)  # tanh'' = -2 + 8 t^2 - 6 t^4
    assert_close([x.grad.asnumpy()], [want], "sampler third order")


def test_sampler_reused():
    run_isolated("case_sampler_reused")


def case_sampler_of_arrays_refused():
    """A sampler reading arrays would draw again when recomputed: a clear error
    naming it; the block still trains to first order afterwards."""
    import mxnet as mx

    net = Noisy.build(of_arrays=True)
    net.hybridize()
    x = mx.nd.ones((3,), dtype="float64")
    assert_second_order_refused(net, x, "_sample_uniform", "random numbers")
    with mx.autograd.record():
        loss = net(x).sum()
    loss.backward()


def test_sampler_of_arrays_refused():
    run_isolated("case_sampler_of_arrays_refused")


FIRST_ORDER = r"""
import sys, numpy as np, mxnet as mx
sys.path.insert(0, %r)
import test_hybridized as t
net, x = t.build("cnn_dropout")
net.hybridize(static_alloc=True)
mx.random.seed(11)
with mx.autograd.record():
    loss = net(x).sum()
loss.backward()
np.save(sys.argv[1], np.concatenate([p.grad().asnumpy().ravel() for p in t.params_of(net)]))
"""


def test_first_order_bit_identical_to_stock(tmp_path):
    """Hybridized first-order training runs stock's kernels: the same bits."""
    results = []
    for disable in ("1", "0"):
        out = str(tmp_path / ("grads%s.npy" % disable))
        env = dict(os.environ, MXNET_HO_DISABLE=disable)
        subprocess.run([sys.executable, "-c", FIRST_ORDER % HERE, out], env=env, check=True)
        results.append(np.load(out))
    assert np.array_equal(results[0], results[1])


def test_op_without_inputs_gets_no_gradient():
    """An op of no inputs (zeros made inside the graph, as Gluon's recurrent
    layers make their initial states) receives a gradient and passes none on."""
    import mxnet as mx
    from mxnet_ho.test_utils import check_higher_order_grad

    block = mx.gluon.nn.HybridLambda(
        lambda F, x: F.tanh(x) * (x + F.zeros(shape=(2, 3), dtype="float64"))
    )
    block.hybridize()
    x = np.random.RandomState(0).uniform(-1, 1, (2, 3))
    check_higher_order_grad(block, [x], order=3)
