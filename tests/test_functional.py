"""mxnet_ho.functional against float64 central differences (and PyTorch when present)."""

import numpy as np
import pytest

from mxnet import nd

from mxnet_ho import functional as F

EPS = 1e-6


def arr(a):
    return nd.array(a, dtype="float64")


def f_scalar(a, b):
    return (nd.sin(a) * nd.broadcast_mul(a, b) ** 2).sum() + (nd.exp(b) / (1 + a.sum())).sum()


def np_f_scalar(a, b):
    return (np.sin(a) * (a * b) ** 2).sum() + (np.exp(b) / (1 + a.sum())).sum()


def np_grad_f_scalar(a, b):
    """The gradient of np_f_scalar, written out by hand."""
    s = 1 + a.sum()
    ga = np.cos(a) * (a * b) ** 2 + 2 * np.sin(a) * a * b**2 - np.exp(b).sum() / s**2
    gb = (2 * np.sin(a) * a**2 * b).sum(axis=0, keepdims=True) + np.exp(b) / s
    return ga, gb


def f_vector(a):
    return nd.tanh(a) * a.sum()


def np_f_vector(a):
    return np.tanh(a) * a.sum()


RNG = np.random.RandomState(0)
A = RNG.uniform(0.2, 1.0, (2, 3))
B = RNG.uniform(0.2, 1.0, (1, 3))


def numeric_grad(fun, xs, i):
    """d fun / d xs[i] by central differences (fun returns a scalar)."""
    g = np.zeros_like(xs[i])
    for idx in np.ndindex(*xs[i].shape):
        plus = [x.copy() for x in xs]
        minus = [x.copy() for x in xs]
        plus[i][idx] += EPS
        minus[i][idx] -= EPS
        g[idx] = (fun(*plus) - fun(*minus)) / (2 * EPS)
    return g


def test_hand_written_gradient_is_right():
    for i, g in enumerate(np_grad_f_scalar(A, B)):
        np.testing.assert_allclose(g, numeric_grad(np_f_scalar, [A, B], i), rtol=1e-6)


def test_grad_of_scalar():
    ga, gb = F.grad(f_scalar, (arr(A), arr(B)))
    for g, expected in zip((ga, gb), np_grad_f_scalar(A, B)):
        np.testing.assert_allclose(g.asnumpy(), expected, rtol=1e-12)


def test_vjp_of_scalar_with_and_without_v():
    """v^T J of a scalar function is v times its gradient (the hand-written one),
    whether v is given or left to default to one."""
    out, (va, vb) = F.vjp(f_scalar, (arr(A), arr(B)))
    assert out.asscalar() == pytest.approx(np_f_scalar(A, B), rel=1e-12)
    expected = np_grad_f_scalar(A, B)
    for g, e in zip((va, vb), expected):
        np.testing.assert_allclose(g.asnumpy(), e, rtol=1e-12)
    _, (wa, wb) = F.vjp(f_scalar, (arr(A), arr(B)), arr(np.array([-2.5])))
    for g, e in zip((wa, wb), expected):
        np.testing.assert_allclose(g.asnumpy(), -2.5 * e, rtol=1e-12)


def test_vjp_of_vector_function():
    v = RNG.uniform(-1, 1, A.shape)
    _, g = F.vjp(f_vector, arr(A), arr(v))
    expected = numeric_grad(lambda a: (np_f_vector(a) * v).sum(), [A], 0)
    np.testing.assert_allclose(g.asnumpy(), expected, rtol=1e-6)


def test_jvp_by_double_vjp():
    v = RNG.uniform(-1, 1, A.shape)
    out, jv = F.jvp(f_vector, arr(A), arr(v))
    expected = (np_f_vector(A + EPS * v) - np_f_vector(A - EPS * v)) / (2 * EPS)
    np.testing.assert_allclose(jv.asnumpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(out.asnumpy(), np_f_vector(A), rtol=1e-12)


def _hessian_products(v):
    """H v of np_f_scalar at (A, B), by central differences of the hand-written gradient."""
    va, vb = v
    out = []
    for i in range(2):
        g_plus = np_grad_f_scalar(A + EPS * va, B + EPS * vb)[i]
        g_minus = np_grad_f_scalar(A - EPS * va, B - EPS * vb)[i]
        out.append((g_plus - g_minus) / (2 * EPS))
    return out


def test_hvp():
    va, vb = RNG.uniform(-1, 1, A.shape), RNG.uniform(-1, 1, B.shape)
    out, hv = F.hvp(f_scalar, (arr(A), arr(B)), (arr(va), arr(vb)))
    assert out.asscalar() == pytest.approx(np_f_scalar(A, B), rel=1e-12)
    for h, expected in zip(hv, _hessian_products((va, vb))):
        np.testing.assert_allclose(h.asnumpy(), expected, rtol=1e-6)


def test_vhp():
    """v^T H, each entry j = sum_i v_i H_ij: against the differences of the gradient
    along each unit vector (the columns of H), not against hvp."""
    va, vb = RNG.uniform(-1, 1, A.shape), RNG.uniform(-1, 1, B.shape)
    _, (wa, wb) = F.vhp(f_scalar, (arr(A), arr(B)), (arr(va), arr(vb)))
    v_flat = np.concatenate([va.ravel(), vb.ravel()])
    expected = np.zeros_like(v_flat)
    for j in range(v_flat.size):
        e = np.zeros_like(v_flat)
        e[j] = 1.0
        column = _hessian_products((e[: A.size].reshape(A.shape), e[A.size :].reshape(B.shape)))
        expected[j] = v_flat @ np.concatenate([c.ravel() for c in column])
    np.testing.assert_allclose(wa.asnumpy().ravel(), expected[: A.size], rtol=1e-6)
    np.testing.assert_allclose(wb.asnumpy().ravel(), expected[A.size :], rtol=1e-6)


def test_jacobian_shapes_and_values():
    J = F.jacobian(f_vector, arr(A))
    assert J.shape == A.shape + A.shape
    for idx in np.ndindex(*A.shape):
        expected = numeric_grad(lambda a, idx=idx: np_f_vector(a)[idx], [A], 0)
        np.testing.assert_allclose(J.asnumpy()[idx], expected, rtol=1e-6, atol=1e-9)
    nested = F.jacobian(lambda a, b: (nd.broadcast_mul(a, b), b * 2), (arr(A), arr(B)))
    assert [[j.shape for j in row] for row in nested] == [
        [(2, 3, 2, 3), (2, 3, 1, 3)],
        [(1, 3, 2, 3), (1, 3, 1, 3)],
    ]


def test_hessian_is_symmetric_and_matches_differences():
    H = F.hessian(lambda a: (nd.sin(a) * a**3).sum(), arr(A)).asnumpy().reshape(6, 6)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    x = A.ravel()
    expected = np.diag(-np.sin(x) * x**3 + 6 * np.cos(x) * x**2 + 6 * np.sin(x) * x)
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-12)


def test_unreachable_input_gets_zeros():
    ga, gb = F.grad(lambda a, b: (a**2).sum(), (arr(A), arr(B)))
    assert (gb.asnumpy() == 0).all()
    np.testing.assert_allclose(ga.asnumpy(), 2 * A)


def test_output_depending_on_no_input_gets_zeros():
    """func records, so an output computed from no input is a constant: zeros
    (MXNet alone asks for autograd.record())."""
    g = F.grad(lambda a: nd.ones((1,), dtype=a.dtype), arr(A))
    assert g.shape == A.shape and (g.asnumpy() == 0).all()


def test_numpy_arrays_without_numpy_mode_are_named():
    import mxnet as mx

    with pytest.raises(ValueError, match=r"inputs\[1\] is an mx.np.ndarray.*npx.set_np\(\)"):
        F.grad(lambda a, b: (a * a).sum(), (arr(A), mx.np.ones(A.shape, dtype=A.dtype)))


def test_create_graph_allows_further_differentiation():
    from mxnet import autograd

    x = arr(A)
    x.attach_grad()
    with autograd.record():
        g = F.grad(lambda a: (a**4).sum(), x, create_graph=True)
        s = (g**2).sum()
    s.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * (4 * A**3) * 12 * A**2, rtol=1e-12)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"v\[0\] has shape"):
        F.hvp(lambda a: a.sum(), arr(A), arr(np.ones(3)))
    with pytest.raises(ValueError, match="v is needed"):
        F.vjp(f_vector, arr(A))
    with pytest.raises(TypeError, match="inputs must be an NDArray"):
        F.grad(lambda a: a.sum(), [1.0, 2.0])
    with pytest.raises(ValueError, match="single scalar"):
        F.hessian(f_vector, arr(A))


def test_against_pytorch_when_installed():
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    def t_f(a, b):
        return (torch.sin(a) * (a * b) ** 2).sum() + (torch.exp(b) / (1 + a.sum())).sum()

    ta, tb = torch.tensor(A), torch.tensor(B)
    va, vb = RNG.uniform(-1, 1, A.shape), RNG.uniform(-1, 1, B.shape)
    _, t_hv = TF.hvp(t_f, (ta, tb), (torch.tensor(va), torch.tensor(vb)))
    _, m_hv = F.hvp(f_scalar, (arr(A), arr(B)), (arr(va), arr(vb)))
    for t, m in zip(t_hv, m_hv):
        np.testing.assert_allclose(m.asnumpy(), t.numpy(), rtol=1e-10)
    _, t_vh = TF.vhp(t_f, (ta, tb), (torch.tensor(va), torch.tensor(vb)))
    _, m_vh = F.vhp(f_scalar, (arr(A), arr(B)), (arr(va), arr(vb)))
    for t, m in zip(t_vh, m_vh):
        np.testing.assert_allclose(m.asnumpy(), t.numpy(), rtol=1e-10)
    v = RNG.uniform(-1, 1, A.shape)
    _, t_vj = TF.vjp(lambda a: torch.tanh(a) * a.sum(), ta, torch.tensor(v))
    _, m_vj = F.vjp(f_vector, arr(A), arr(v))
    np.testing.assert_allclose(m_vj.asnumpy(), t_vj.numpy(), rtol=1e-10)
    _, t_jv = TF.jvp(lambda a: torch.tanh(a) * a.sum(), ta, torch.tensor(v))
    _, m_jv = F.jvp(f_vector, arr(A), arr(v))
    np.testing.assert_allclose(m_jv.asnumpy(), t_jv.numpy(), rtol=1e-10)
    t_H = TF.hessian(lambda a: t_f(a, tb), ta)
    m_H = F.hessian(lambda a: f_scalar(a, arr(B)), arr(A))
    np.testing.assert_allclose(m_H.asnumpy(), t_H.numpy(), rtol=1e-10, atol=1e-12)


# -- train_mode (issue 10, item 3) and argument kinds (item 4) ------------------
def _dropout_bn_net():
    import mxnet as mx

    net = mx.gluon.nn.HybridSequential()
    net.add(
        mx.gluon.nn.Dense(5, activation="tanh"),
        mx.gluon.nn.Dropout(0.5),
        mx.gluon.nn.BatchNorm(),
        mx.gluon.nn.Dense(1),
    )
    net.initialize(mx.init.Uniform(0.5))
    net.cast("float64")
    x = arr(np.random.RandomState(1).uniform(-1, 1, (4, 3)))
    net(x)  # shapes
    stats = [p for n, p in net.collect_params().items() if "running" in n]
    for p in stats:  # moving statistics away from (0, 1), so using them shows
        p.set_data(arr(np.random.RandomState(2).uniform(0.5, 1.5, p.shape)))
    return net, x, stats


def test_hvp_in_predict_mode_is_deterministic_keeps_statistics_and_matches_differences():
    net, x, stats = _dropout_bn_net()
    w = net[0].weight.data()
    before = [p.data().asnumpy().copy() for p in stats]

    def loss(weight):
        return (
            net[3](
                net[2](
                    net[1](nd.tanh(nd.FullyConnected(x, weight, net[0].bias.data(), num_hidden=5)))
                )
            )
            ** 2
        ).sum()

    v = arr(np.random.RandomState(3).uniform(-1, 1, w.shape))
    results = [F.hvp(loss, w.copy(), v, train_mode=False)[1].asnumpy() for _ in range(3)]
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    for p, b in zip(stats, before):
        np.testing.assert_array_equal(p.data().asnumpy(), b)

    # finite differences of the predict-mode gradient along v
    def g_at(weight):
        return F.grad(loss, weight, train_mode=False).asnumpy()

    numeric = (g_at(w + 1e-6 * v) - g_at(w - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(results[0], numeric, rtol=1e-6, atol=1e-9)
    # and the gradient itself against differences of the predict-mode loss
    u = arr(np.random.RandomState(4).uniform(-1, 1, w.shape))
    from mxnet import autograd

    with autograd.predict_mode():
        fd = (loss(w + 1e-6 * u).asscalar() - loss(w - 1e-6 * u).asscalar()) / 2e-6
    np.testing.assert_allclose((g_at(w) * u.asnumpy()).sum(), fd, rtol=1e-6)


def test_training_mode_default_uses_batch_statistics():
    net, x, stats = _dropout_bn_net()
    f = lambda inp: (net[2](inp) ** 3).sum()  # BatchNorm alone: no randomness
    a = F.grad(f, x).asnumpy()
    b = F.grad(f, x, train_mode=False).asnumpy()
    assert not np.allclose(a, b)  # batch vs moving statistics
    assert np.allclose(F.grad(f, x, train_mode=True).asnumpy(), a)


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp", "grad", "jacobian", "hessian"])
def test_every_function_takes_train_mode(name):
    import inspect

    assert inspect.signature(getattr(F, name)).parameters["train_mode"].default is True


def test_float16_inputs_follow_float64():
    x64 = np.array([0.3, -0.7, 1.1])
    f = lambda a: (nd.sin(a) * a * a).sum()
    for fn in (
        lambda x: F.hvp(f, x, x)[1],
        lambda x: F.jvp(nd.tanh, x, x)[1],
        lambda x: F.jacobian(nd.tanh, x),
    ):
        lo = fn(nd.array(x64, dtype="float16"))
        assert lo.dtype == np.float16
        np.testing.assert_allclose(lo.asnumpy(), fn(arr(x64)).asnumpy(), rtol=1e-2, atol=1e-2)


def test_v_of_another_dtype_is_cast_to_its_input():
    x = arr([0.3, -0.7, 1.1])
    f = lambda a: (a**3).sum()
    hv = F.hvp(f, x, nd.array([1, 2, 3], dtype="float32"))[1]
    assert hv.dtype == np.float64
    np.testing.assert_allclose(hv.asnumpy(), 6 * x.asnumpy() * [1, 2, 3])
    _, jv = F.jvp(nd.sin, x, nd.array([1, 2, 3], dtype="float32"))
    np.testing.assert_allclose(jv.asnumpy(), np.cos(x.asnumpy()) * [1, 2, 3], rtol=1e-12)


def test_v_of_a_wrong_shape_names_the_argument():
    with pytest.raises(ValueError, match=r"v\[0\] has shape \(2,\), but inputs\[0\]"):
        F.hvp(lambda a: a.sum(), arr([1, 2, 3]), arr([1, 2]))


@pytest.fixture
def np_semantics():
    from mxnet import npx

    npx.set_np()
    yield
    npx.reset_np()


def test_np_arrays_under_np_semantics(np_semantics):
    import mxnet as mx

    x = mx.np.array([0.3, -0.7, 1.1], dtype="float64")
    v = mx.np.array([1.0, 2.0, 3.0], dtype="float64")
    out, hv = F.hvp(lambda a: (mx.np.sin(a) * a).sum(), x, v)
    assert isinstance(hv, mx.np.ndarray) and isinstance(out, mx.np.ndarray)
    xn, vn = x.asnumpy(), v.asnumpy()
    np.testing.assert_allclose(hv.asnumpy(), (2 * np.cos(xn) - xn * np.sin(xn)) * vn, rtol=1e-12)
    _, jv = F.jvp(mx.np.tanh, x, v)
    assert isinstance(jv, mx.np.ndarray)
    np.testing.assert_allclose(jv.asnumpy(), (1 - np.tanh(xn) ** 2) * vn, rtol=1e-12)
    J = F.jacobian(mx.np.tanh, x)
    assert isinstance(J, mx.np.ndarray)
    np.testing.assert_allclose(J.asnumpy(), np.diag(1 - np.tanh(xn) ** 2), rtol=1e-12)


def test_size_zero_outputs(np_semantics):
    import mxnet as mx

    x = mx.np.array([1.0, 2.0, 3.0], dtype="float64")
    J = F.jacobian(lambda a: (a[:0] * 2, a * a), x)
    assert J[0].shape == (0, 3) and J[1].shape == (3, 3)
    np.testing.assert_array_equal(J[1].asnumpy(), np.diag([2.0, 4.0, 6.0]))
    out, jv = F.jvp(lambda a: a[:0] * 2, x, x)
    assert out.shape == (0,) and jv.shape == (0,)
