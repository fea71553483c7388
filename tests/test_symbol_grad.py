"""mxnet_ho.symbol.grad: gradients as Symbols, bound, differentiated again.

Oracles: first-order gradients from MXNet's own autograd (stock kernels),
central differences of the symbolic gradient's value, and the same quantity
taken imperatively.
"""

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, nd

from mxnet_ho.symbol import grad

DT = "float64"
RNG = np.random.RandomState(0)
X, W, B = RNG.randn(3, 4), RNG.randn(5, 4), RNG.randn(5)


def critic(x, w, b, F=mx.sym):
    """A smooth critic: sum(tanh(FC(x)))^2-ish, one number per sample summed."""
    h = F.tanh(F.FullyConnected(x, w, b, num_hidden=5))
    return F.sum(F.square(h) + h)


def evaluate(sym, **values):
    args = {k: nd.array(v, dtype=DT) for k, v in values.items()}
    return [o.asnumpy() for o in sym.bind(mx.cpu(), args).forward()]


def imperative_penalty_grads():
    x, w, b = (nd.array(v, dtype=DT) for v in (X, W, B))
    for a in (x, w, b):
        a.attach_grad()
    with autograd.record():
        (g,) = autograd.grad(critic(x, w, b, F=nd), [x], create_graph=True, retain_graph=True)
        penalty = nd.sum(nd.square(g))
    penalty.backward()
    return w.grad.asnumpy(), b.grad.asnumpy()


def symbols():
    x, w, b = mx.sym.var("x"), mx.sym.var("w"), mx.sym.var("b")
    return x, w, b, critic(x, w, b)


def test_first_order_equals_autograd():
    x, w, b, out = symbols()
    gx, gw = grad(out, [x, "w"])
    got_x = evaluate(gx, x=X, w=W, b=B)[0]
    got_w = evaluate(gw, x=X, w=W, b=B)[0]
    xs, ws, bs = (nd.array(v, dtype=DT) for v in (X, W, B))
    xs.attach_grad()
    ws.attach_grad()
    with autograd.record():
        y = critic(xs, ws, bs, F=nd)
    y.backward()
    assert np.allclose(got_x, xs.grad.asnumpy(), rtol=1e-12, atol=0)
    assert np.allclose(got_w, ws.grad.asnumpy(), rtol=1e-12, atol=0)


def test_gradient_penalty_second_order():
    """d/dw sum(dcritic/dx ^2): symbolic == imperative == central differences."""
    x, w, b, out = symbols()
    (gx,) = grad(out, [x])
    penalty = mx.sym.sum(mx.sym.square(gx))
    gw, gb = grad(penalty, [w, b])
    got_w = evaluate(gw, x=X, w=W, b=B)[0]
    got_b = evaluate(gb, x=X, w=W, b=B)[0]
    want_w, want_b = imperative_penalty_grads()
    assert np.allclose(got_w, want_w, rtol=1e-12, atol=1e-14)
    assert np.allclose(got_b, want_b, rtol=1e-12, atol=1e-14)
    eps, numeric = 1e-6, np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        step = np.zeros_like(W)
        step[idx] = eps
        hi = evaluate(penalty, x=X, w=W + step, b=B)[0]
        lo = evaluate(penalty, x=X, w=W - step, b=B)[0]
        numeric[idx] = (hi - lo).item() / (2 * eps)
    assert np.allclose(got_w, numeric, rtol=1e-6, atol=1e-8)


def test_executor_backward_and_module():
    """The penalty bound with simple_bind or in a Module: its backward pass
    (MXNet's executor over the gradient symbol) gives the imperative values."""
    x, w, b, out = symbols()
    (gx,) = grad(out, [x])
    penalty = mx.sym.make_loss(mx.sym.sum(mx.sym.square(gx)))
    want_w, want_b = imperative_penalty_grads()

    ex = penalty.simple_bind(
        mx.cpu(), x=X.shape, w=W.shape, b=B.shape, type_dict={"x": DT, "w": DT, "b": DT}
    )
    for name, value in (("x", X), ("w", W), ("b", B)):
        ex.arg_dict[name][:] = value
    ex.forward(is_train=True)
    ex.backward()
    assert np.allclose(ex.grad_dict["w"].asnumpy(), want_w, rtol=1e-12, atol=1e-14)

    mod = mx.mod.Module(
        penalty, data_names=["x"], label_names=None, fixed_param_names=[], context=mx.cpu()
    )
    mod.bind(data_shapes=[mx.io.DataDesc("x", X.shape, DT)], for_training=True)
    mod.init_params(
        arg_params={"w": nd.array(W, dtype=DT), "b": nd.array(B, dtype=DT)}, allow_missing=False
    )
    mod.forward_backward(mx.io.DataBatch([nd.array(X, dtype=DT)]))
    grads = dict(zip(mod._exec_group.param_names, mod._exec_group.grad_arrays))
    assert np.allclose(grads["w"][0].asnumpy(), want_w, rtol=1e-12, atol=1e-14)
    assert np.allclose(grads["b"][0].asnumpy(), want_b, rtol=1e-12, atol=1e-14)


def test_symbol_block_third_order():
    """The symbolic gradient in a hybridized SymbolBlock, differentiated twice more
    by autograd, equals three nested imperative gradients."""
    from mxnet import gluon

    x, w, b, out = symbols()
    (gx,) = grad(out, [x])
    block = gluon.SymbolBlock(outputs=gx, inputs=[x])
    params = block.collect_params()
    params["w"].shape, params["b"].shape = W.shape, B.shape
    block.initialize()
    block.cast(DT)
    params["w"].set_data(nd.array(W, dtype=DT))
    params["b"].set_data(nd.array(B, dtype=DT))
    block.hybridize()
    u, v = RNG.randn(*X.shape), RNG.randn(*X.shape)

    def third(fn):
        xs = nd.array(X, dtype=DT)
        xs.attach_grad()
        with autograd.record():
            g1 = fn(xs)
            (g2,) = autograd.grad(
                (g1 * nd.array(u, dtype=DT)).sum(), [xs], create_graph=True, retain_graph=True
            )
            top = (g2 * nd.array(v, dtype=DT)).sum()
        top.backward()
        return xs.grad.asnumpy()

    def imperative_first(xs):
        (g,) = autograd.grad(
            critic(xs, nd.array(W, dtype=DT), nd.array(B, dtype=DT), F=nd),
            [xs],
            create_graph=True,
            retain_graph=True,
        )
        return g

    assert np.allclose(third(block), third(imperative_first), rtol=1e-11, atol=1e-13)


def test_head_grads_and_several_outputs():
    """grad of <h1, y1> + <h2, y2> over a Group equals the sum of the two."""
    x = mx.sym.var("x")
    y1, y2 = mx.sym.sin(x), mx.sym.square(x)
    h1, h2 = mx.sym.var("h1"), mx.sym.var("h2")
    (g,) = grad([y1, y2], [x], head_grads=[h1, h2])
    xv, a, c = RNG.randn(4), RNG.randn(4), RNG.randn(4)
    got = evaluate(g, x=xv, h1=a, h2=c)[0]
    assert np.allclose(got, a * np.cos(xv) + c * 2 * xv, rtol=1e-13)


def test_bad_input_is_named():
    x, w, b, out = symbols()
    with pytest.raises(mx.base.MXNetError, match="no input named 'z'"):
        grad(out, ["z"])
    with pytest.raises(TypeError, match="heads"):
        grad("out", ["x"])
    with pytest.raises(TypeError, match="not a variable"):
        grad(out, [mx.sym.sin(x)])
    with pytest.raises(ValueError, match="head_grads has 2 outputs"):
        grad(out, ["x"], head_grads=[x, x])


def test_readme_wgan_gp_module():
    """The README's symbolic WGAN-GP critic loss, in a Module: its parameter
    gradients equal the same step taken imperatively."""
    from mxnet import gluon

    mx.random.seed(2)
    critic = gluon.nn.HybridSequential()
    critic.add(
        gluon.nn.Conv2D(3, 3, strides=2, padding=1), gluon.nn.LeakyReLU(0.2), gluon.nn.Dense(1)
    )
    critic.initialize(mx.init.Normal(0.3))
    critic.cast(DT)
    rng = np.random.RandomState(3)
    real_v, fake_v = rng.randn(4, 1, 6, 6), rng.randn(4, 1, 6, 6)
    eps_v = rng.uniform(size=(4, 1, 1, 1))
    critic(nd.array(real_v, dtype=DT))

    eps, real, fake, inter = (mx.sym.var(n) for n in ("eps", "real", "fake", "inter"))
    (g,) = grad(mx.sym.sum(critic(inter)), [inter])
    norm = mx.sym.sqrt(mx.sym.sum(mx.sym.square(mx.sym.flatten(g)), axis=1))
    loss = (
        mx.sym.mean(critic(fake))
        - mx.sym.mean(critic(real))
        + 10 * mx.sym.mean(mx.sym.square(norm - 1))
    )
    mixed = mx.sym.broadcast_mul(eps, real) + mx.sym.broadcast_mul(1 - eps, fake)
    # composing copies loss's graph: name real and fake too, or they appear twice
    loss = loss(inter=mixed, real=real, fake=fake)
    mod = mx.mod.Module(
        mx.sym.make_loss(loss), data_names=["eps", "real", "fake"], label_names=None
    )

    shapes = [
        mx.io.DataDesc(n, v.shape, DT)
        for n, v in (("eps", eps_v), ("real", real_v), ("fake", fake_v))
    ]
    mod.bind(data_shapes=shapes)
    mod.init_params(arg_params={p.name: p.data() for p in critic.collect_params().values()})
    mod.forward_backward(mx.io.DataBatch([nd.array(v, dtype=DT) for v in (eps_v, real_v, fake_v)]))
    got = dict(zip(mod._exec_group.param_names, mod._exec_group.grad_arrays))

    e, r, f = (nd.array(v, dtype=DT) for v in (eps_v, real_v, fake_v))
    mixed = e * r + (1 - e) * f
    mixed.attach_grad()
    with autograd.record():
        (gi,) = autograd.grad(critic(mixed).sum(), [mixed], create_graph=True, retain_graph=True)
        penalty = ((gi.reshape((4, -1)) ** 2).sum(axis=1).sqrt() - 1) ** 2
        total = critic(f).mean() - critic(r).mean() + 10 * penalty.mean()
    total.backward()
    for p in critic.collect_params().values():
        assert np.allclose(got[p.name][0].asnumpy(), p.grad().asnumpy(), rtol=1e-10, atol=1e-13), (
            p.name
        )


def test_backward_nodes_of_different_forward_nodes_stay_apart():
    """sum(a) + sum(b): both stock backward nodes read the same head with the same
    attributes; only their forward nodes (control dependencies) tell them apart,
    which MXNet's common-expression elimination ignores (bound: the two became
    one, with one shape, and binding failed)."""
    a, b = mx.sym.var("a"), mx.sym.var("b")
    ga, gb = grad(mx.sym.sum(a) + mx.sym.sum(b) + mx.sym.sum(mx.sym.sin(a)), [a, b])
    av, bv = RNG.randn(2, 3), RNG.randn(3)
    got_a, got_b = evaluate(mx.sym.Group([ga, gb]), a=av, b=bv)
    assert np.allclose(got_a, 1 + np.cos(av), rtol=1e-13)
    assert np.array_equal(got_b, np.ones(3))


def test_bad_shapes_are_named():
    a = mx.sym.var("a")
    with pytest.raises(ValueError, match=r"shapes\['a'\] must be a tuple of non-negative ints"):
        grad(mx.sym.sin(a), ["a"], shapes={"a": "abc"})
    with pytest.raises(TypeError, match="shapes must be a dict"):
        grad(mx.sym.sin(a), ["a"], shapes=[(2,)])


def test_gradient_unrolled_for_one_length_refuses_another():
    """A fused LSTM's gradient symbol is unrolled over the length it was given."""
    from mxnet import gluon

    layer = gluon.rnn.LSTM(3, input_size=2)
    layer.initialize()
    layer.cast("float64")  # float32's fused LSTM needs MKL-DNN on CPU
    (g,) = grad(mx.sym.sum(layer(mx.sym.var("data"))), ["data"], shapes={"data": (5, 2, 2)})
    (gg,) = grad(mx.sym.sum(g * g), ["data"], shapes={"data": (5, 2, 2)})
    params = {p.name: p.data() for p in layer.collect_params().values()}
    data = nd.ones((5, 2, 2), dtype="float64")
    assert gg.eval(data=data, **params)[0].asnumpy().shape == (5, 2, 2)
    with pytest.raises(ValueError, match=r"unrolled for data of shape \(5, 2, 2\).*\(7, 2, 2\)"):
        gg.eval(data=nd.ones((7, 2, 2), dtype="float64"), **params)
    with pytest.raises(ValueError, match=r"unrolled for data of shape \(5, 2, 2\)"):
        gg.simple_bind(mx.cpu(), data=(7, 2, 2))
