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


FUNCTIONS = ["vjp", "jvp", "hvp", "vhp", "grad", "value_and_grad", "grad_and_value"]
FUNCTIONS += ["jacobian", "hessian"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_takes_train_mode_and_strict(name):
    import inspect

    parameters = inspect.signature(getattr(F, name)).parameters
    assert parameters["train_mode"].default is True
    assert parameters["strict"].default is False


def test_compiled_has_the_same_train_mode_default():
    import inspect

    from mxnet_ho import compiled

    methods = [compiled.Graph.__call__, compiled.Model.vjp, compiled.Model.jvp]
    methods += [compiled.Model.jacobian, compiled.Loss.value_and_grad, compiled.Loss.hvp]
    methods += [compiled.Loss.vhp, compiled.Loss.hessian]
    for method in methods:
        assert inspect.signature(method).parameters["train_mode"].default is True, method


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


# -- issue 25: torch.func's argnums, has_aux, value_and_grad; strict -----------
def t_f_scalar(torch, a, b):
    return (torch.sin(a) * (a * b) ** 2).sum() + (torch.exp(b) / (1 + a.sum())).sum()


def f_with_aux(a, b):
    """f_scalar and, as aux, an array and a non-array."""
    return f_scalar(a, b), {"square": a * a, "label": "aux"}


def test_grad_argnums_and_has_aux_match_torch_func():
    torch = pytest.importorskip("torch")
    from torch import func as tf

    ta, tb = torch.tensor(A), torch.tensor(B)

    def t_with_aux(a, b):
        return t_f_scalar(torch, a, b), {"square": a * a}

    for argnums in (0, 1, (1,), (0, 1), (1, 0)):
        want = tf.grad(lambda a, b: t_f_scalar(torch, a, b), argnums=argnums)(ta, tb)
        got = F.grad(f_scalar, (arr(A), arr(B)), argnums=argnums)
        if isinstance(argnums, int):
            want, got = (want,), (got,)
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.asnumpy(), w.numpy(), rtol=1e-12)

    want_grad, want_aux = tf.grad(t_with_aux, argnums=1, has_aux=True)(ta, tb)
    got_grad, got_aux = F.grad(f_with_aux, (arr(A), arr(B)), argnums=1, has_aux=True)
    np.testing.assert_allclose(got_grad.asnumpy(), want_grad.numpy(), rtol=1e-12)
    assert got_aux["label"] == "aux"
    np.testing.assert_allclose(got_aux["square"].asnumpy(), want_aux["square"].numpy())


def test_value_and_grad_and_grad_and_value_match_torch_func():
    torch = pytest.importorskip("torch")
    from torch import func as tf

    ta, tb = torch.tensor(A), torch.tensor(B)

    def t_with_aux(a, b):
        return t_f_scalar(torch, a, b), a * a

    want_grads, (want_value, want_aux) = tf.grad_and_value(
        t_with_aux, argnums=(0, 1), has_aux=True
    )(ta, tb)
    got_grads, (got_value, got_aux) = F.grad_and_value(
        lambda a, b: (f_scalar(a, b), a * a), (arr(A), arr(B)), argnums=(0, 1), has_aux=True
    )
    assert got_value.asscalar() == pytest.approx(want_value.item(), rel=1e-12)
    np.testing.assert_allclose(got_aux.asnumpy(), want_aux.numpy())
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(g.asnumpy(), w.numpy(), rtol=1e-12)
    value, grads = F.value_and_grad(f_scalar, (arr(A), arr(B)))
    assert value.asscalar() == pytest.approx(want_value.item(), rel=1e-12)
    for g, w in zip(grads, want_grads):
        np.testing.assert_allclose(g.asnumpy(), w.numpy(), rtol=1e-12)


def test_vjp_with_argnums_and_aux_matches_torch_func():
    torch = pytest.importorskip("torch")
    from torch import func as tf

    ta, tb = torch.tensor(A), torch.tensor(B)
    v = RNG.uniform(-1, 1, A.shape)
    # torch.func.vjp has no argnums: the other argument is closed over
    out, vjp_fn, aux = tf.vjp(lambda b: (torch.tanh(ta * b), b.sum()), tb, has_aux=True)
    (want,) = vjp_fn(torch.tensor(v))
    got_out, got, got_aux = F.vjp(
        lambda a, b: (nd.tanh(nd.broadcast_mul(a, b)), b.sum()),
        (arr(A), arr(B)),
        arr(v),
        argnums=1,
        has_aux=True,
    )
    np.testing.assert_allclose(got_out.asnumpy(), out.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got.asnumpy(), want.numpy(), rtol=1e-12)
    assert got_aux.asscalar() == pytest.approx(aux.item())


def test_argnums_passes_the_others_through_unchanged():
    seen = []

    def f(a, b):
        seen.append(b)
        return (a * a).sum()

    b = arr(B)
    F.grad(f, (arr(A), b), argnums=0)
    assert seen[0] is b and seen[0].grad is None  # not copied, not marked


def test_aux_comes_back_detached():
    import mxnet as mx
    from mxnet import autograd

    x = arr(A)
    x.attach_grad()
    with autograd.record():
        _, aux = F.grad(lambda a: ((a**2).sum(), a * 3), x, create_graph=True, has_aux=True)
        with pytest.raises(mx.base.MXNetError):
            autograd.grad(aux.sum(), [x])


def test_bad_argnums_and_aux_are_clear_errors():
    with pytest.raises(ValueError, match="argnums 2 is out of range for 2 inputs"):
        F.grad(f_scalar, (arr(A), arr(B)), argnums=2)
    with pytest.raises(ValueError, match="names an input twice"):
        F.grad(f_scalar, (arr(A), arr(B)), argnums=(0, -2))
    with pytest.raises(TypeError, match="argnums must be an int"):
        F.grad(f_scalar, (arr(A), arr(B)), argnums=(0.5,))
    with pytest.raises(ValueError, match=r"must return a pair \(output, aux\)"):
        F.grad(f_scalar, (arr(A), arr(B)), has_aux=True)


def test_dict_inputs_give_dict_gradients():
    ws = {"a": arr(A), "b": arr(B)}
    g = F.grad(lambda p: f_scalar(p["a"], p["b"]), ws)
    assert list(g) == ["a", "b"]
    for got, want in zip((g["a"], g["b"]), np_grad_f_scalar(A, B)):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-12)
    va, vb = RNG.uniform(-1, 1, A.shape), RNG.uniform(-1, 1, B.shape)
    _, hv = F.hvp(lambda p: f_scalar(p["a"], p["b"]), ws, {"a": arr(va), "b": arr(vb)})
    _, want = F.hvp(f_scalar, (arr(A), arr(B)), (arr(va), arr(vb)))
    np.testing.assert_allclose(hv["a"].asnumpy(), want[0].asnumpy(), rtol=1e-12)
    np.testing.assert_allclose(hv["b"].asnumpy(), want[1].asnumpy(), rtol=1e-12)


STRICT_CASES = {
    # name: (mxnet_ho call, torch.autograd.functional call, message)
    "vjp": (
        lambda: F.vjp(lambda a, b: nd.tanh(a), (arr(A), arr(B)), arr(A), strict=True),
        lambda TF, t, ta, tb: TF.vjp(lambda a, b: t.tanh(a), (ta, tb), ta, strict=True),
        r"^output does not depend on inputs\[1\]$",
    ),
    "jvp": (
        lambda: F.jvp(lambda a, b: nd.tanh(b), (arr(A), arr(B)), (arr(A), arr(B)), strict=True),
        lambda TF, t, ta, tb: TF.jvp(lambda a, b: t.tanh(b), (ta, tb), (ta, tb), strict=True),
        r"^output does not depend on inputs\[0\]$",
    ),
    "grad": (
        lambda: F.grad(lambda a, b: (a * a).sum(), (arr(A), arr(B)), strict=True),
        lambda TF, t, ta, tb: TF.vjp(lambda a, b: (a * a).sum(), (ta, tb), strict=True),
        r"^output does not depend on inputs\[1\]$",
    ),
    "hvp, linear": (
        lambda: F.hvp(
            lambda a, b: (a * a).sum() + b.sum(), (arr(A), arr(B)), (arr(A), arr(B)), strict=True
        ),
        lambda TF, t, ta, tb: TF.hvp(
            lambda a, b: (a * a).sum() + b.sum(), (ta, tb), (ta, tb), strict=True
        ),
        r"^the gradient does not depend on inputs\[1\]$",
    ),
    "vhp": (
        lambda: F.vhp(lambda a, b: (a**3).sum(), (arr(A), arr(B)), (arr(A), arr(B)), strict=True),
        lambda TF, t, ta, tb: TF.vhp(lambda a, b: (a**3).sum(), (ta, tb), (ta, tb), strict=True),
        r"^output does not depend on inputs\[1\]$",
    ),
    "jacobian": (
        lambda: F.jacobian(lambda a, b: (nd.tanh(a), b * a.sum()), (arr(A), arr(B)), strict=True),
        lambda TF, t, ta, tb: TF.jacobian(
            lambda a, b: (t.tanh(a), b * a.sum()), (ta, tb), strict=True
        ),
        r"^outputs\[0\] does not depend on inputs\[1\]$",
    ),
    "hessian": (
        lambda: F.hessian(lambda a, b: (a**3).sum() + (b**3).sum(), (arr(A), arr(B)), strict=True),
        lambda TF, t, ta, tb: TF.hessian(
            lambda a, b: (a**3).sum() + (b**3).sum(), (ta, tb), strict=True
        ),
        r"^the gradient for inputs\[0\] does not depend on inputs\[1\]$",
    ),
}


@pytest.mark.parametrize("name", sorted(STRICT_CASES))
def test_strict_refuses_what_torch_strict_refuses(name):
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    ours, theirs, message = STRICT_CASES[name]
    with pytest.raises(RuntimeError, match="independent of"):
        theirs(TF, torch, torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True))
    with pytest.raises(ValueError, match=message):
        ours()


def test_strict_passes_where_every_input_is_used():
    ga, gb = F.grad(f_scalar, (arr(A), arr(B)), strict=True)
    np.testing.assert_allclose(ga.asnumpy(), np_grad_f_scalar(A, B)[0], rtol=1e-12)
    F.hessian(f_scalar, (arr(A), arr(B)), strict=True)
    with pytest.raises(ValueError, match=r"output does not depend on inputs\['b'\]"):
        F.grad(lambda p: (p["a"] ** 2).sum(), {"a": arr(A), "b": arr(B)}, strict=True)


def test_test_utils_counts_a_missing_path_as_zeros_as_functional_does():
    """One helper (mxnet_ho._paths) for both: an unused input, and an output
    that is a constant."""
    from mxnet_ho import _paths, test_utils

    assert len(_paths.NO_PATH_MESSAGES) == 4
    test_utils.check_higher_order_grad(lambda a, b: nd.sin(a) * 2, [A, B], order=2)
    test_utils.check_higher_order_grad(lambda a: nd.ones((2,), dtype="float64"), [A], order=1)


# -- functional_call: MAML through a Gluon block, against torch.func -----------
LR = 0.3


def gluon_mlp():
    import mxnet as mx

    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(4, activation="tanh"), mx.gluon.nn.Dense(1))
    net.initialize(mx.init.Uniform(0.7))
    net.cast("float64")
    net(arr(np.zeros((1, 3))))
    return net


def torch_mlp_like(torch, net):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    model = model.double()
    own = net._collect_params_with_prefix()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(own["0.weight"].data().asnumpy()))
        model[0].bias.copy_(torch.tensor(own["0.bias"].data().asnumpy()))
        model[2].weight.copy_(torch.tensor(own["1.weight"].data().asnumpy()))
        model[2].bias.copy_(torch.tensor(own["1.bias"].data().asnumpy()))
    return model


DATA = [RNG.uniform(-1, 1, shape) for shape in ((5, 3), (5, 1), (6, 3), (6, 1))]


def maml_meta_gradient(net, params):
    """d/dparams of the query loss after one SGD step on the support loss."""
    xs, ys, xq, yq = (arr(d) for d in DATA)

    def support(p):
        return ((F.functional_call(net, p, xs) - ys) ** 2).mean()

    def query(p):
        g = F.grad(support, p, create_graph=True)
        fast = {k: p[k] - LR * g[k] for k in p}
        return ((F.functional_call(net, fast, xq) - yq) ** 2).mean()

    return F.value_and_grad(query, params)


def torch_meta_gradient(torch, model):
    from torch import func as tf

    xs, ys, xq, yq = (torch.tensor(d) for d in DATA)
    support = lambda p: ((tf.functional_call(model, p, (xs,)) - ys) ** 2).mean()

    def query(p):
        g = tf.grad(support)(p)
        fast = {k: p[k] - LR * g[k] for k in p}
        return ((tf.functional_call(model, fast, (xq,)) - yq) ** 2).mean()

    params = {k: v.detach() for k, v in model.named_parameters()}
    grads, value = tf.grad_and_value(query)(params)
    return value, grads


TORCH_NAME = {
    "0.weight": "0.weight",
    "0.bias": "0.bias",
    "1.weight": "2.weight",
    "1.bias": "2.bias",
}


HYBRIDIZE = [None, {}, {"static_alloc": True, "static_shape": True}]
HYBRIDIZE_IDS = ["imperative", "hybridized", "static"]


@pytest.mark.parametrize("hybridize", HYBRIDIZE, ids=HYBRIDIZE_IDS)
@pytest.mark.parametrize("names", ["structured", "full"])
def test_maml_meta_gradient_through_functional_call_matches_torch_func(hybridize, names):
    torch = pytest.importorskip("torch")
    net = gluon_mlp()
    model = torch_mlp_like(torch, net)
    if hybridize is not None:
        net.hybridize(**hybridize)
    own = net._collect_params_with_prefix()
    before = {k: p.data().asnumpy().copy() for k, p in own.items()}
    key = (lambda k: k) if names == "structured" else (lambda k: own[k].name)
    shift = {k: RNG.uniform(-0.2, 0.2, p.shape) for k, p in own.items()}
    params = {key(k): arr(before[k] + shift[k]) for k in own}  # not the block's values
    with torch.no_grad():
        for k, p in model.named_parameters():
            mx_key = [m for m, t in TORCH_NAME.items() if t == k][0]
            p.add_(torch.tensor(shift[mx_key]))
    value, grads = maml_meta_gradient(net, params)
    want_value, want = torch_meta_gradient(torch, model)
    assert value.asscalar() == pytest.approx(want_value.item(), rel=1e-12)
    for k in own:
        np.testing.assert_allclose(
            grads[key(k)].asnumpy(), want[TORCH_NAME[k]].numpy(), rtol=1e-10, atol=1e-13
        )
    for k, p in own.items():  # the block's own parameters untouched
        np.testing.assert_array_equal(p.data().asnumpy(), before[k])
        assert p.data() is own[k].list_data()[0]


@pytest.mark.parametrize("hybridize", HYBRIDIZE, ids=HYBRIDIZE_IDS)
def test_functional_call_gradient_flows_into_the_given_arrays(hybridize):
    from mxnet import autograd

    net = gluon_mlp()
    if hybridize is not None:
        net.hybridize(**hybridize)
    x = arr(DATA[0])
    own = net._collect_params_with_prefix()
    params = {k: p.data().copy() * 1.5 for k, p in own.items()}
    for a in params.values():
        a.attach_grad()
    with autograd.record():
        out = F.functional_call(net, params, x)
        (out**2).sum().backward()
    want = F.grad(lambda p: (F.functional_call(net, p, x) ** 2).sum(), params)
    for k, p in own.items():
        np.testing.assert_allclose(params[k].grad.asnumpy(), want[k].asnumpy(), rtol=1e-12)
        assert np.abs(params[k].grad.asnumpy()).sum() > 0
        assert (p.grad().asnumpy() == 0).all()  # nothing into the block's own
    np.testing.assert_array_equal(F.functional_call(net, {}, x).asnumpy(), net(x).asnumpy())


def test_functional_call_restores_the_parameters_when_the_block_raises():
    import mxnet as mx

    net = gluon_mlp()
    weight = net[0].weight.data()
    replacement = {"0.weight": arr(np.zeros((4, 3)))}
    with pytest.raises(mx.base.MXNetError):
        F.functional_call(net, replacement, arr(np.zeros((2, 5))))  # wrong in_units
    assert net[0].weight.data() is weight


def test_functional_call_names_bad_params():
    net = gluon_mlp()
    x = arr(DATA[0])
    with pytest.raises(KeyError, match="'2.weight' is not a parameter"):
        F.functional_call(net, {"2.weight": arr(np.zeros((4, 3)))}, x)
    with pytest.raises(ValueError, match=r"params\['0.weight'\] is \(3, 4\) float64"):
        F.functional_call(net, {"0.weight": arr(np.zeros((3, 4)))}, x)
    name = net[0].weight.name
    with pytest.raises(ValueError, match="gives %s twice" % name):
        w = arr(np.zeros((4, 3)))
        F.functional_call(net, {"0.weight": w, name: w}, x)


def test_functional_call_on_a_plain_block():
    import mxnet as mx

    class Twice(mx.gluon.Block):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.dense = mx.gluon.nn.Dense(2, in_units=3)

        def forward(self, x):
            return self.dense(self.dense(x)[:, :1] * x)

    net = Twice()
    net.initialize()
    net.cast("float64")
    x = arr(DATA[0])
    w = arr(RNG.uniform(-1, 1, (2, 3)))
    got = F.functional_call(net, {"dense.weight": w}, x).asnumpy()
    b = net.dense.bias.data().asnumpy()
    xn, wn = DATA[0], w.asnumpy()
    inner = (xn @ wn.T + b)[:, :1] * xn
    np.testing.assert_allclose(got, inner @ wn.T + b, rtol=1e-12)


def test_argnums_lets_other_arguments_be_anything():
    g = F.grad(lambda a, scale, label: (a * a).sum() * scale, (arr(A), 3.0, "x"), argnums=0)
    np.testing.assert_allclose(g.asnumpy(), 6 * A)


@pytest.mark.parametrize("hybridize", HYBRIDIZE, ids=HYBRIDIZE_IDS)
def test_hvp_through_functional_call_matches_torch_func(hybridize):
    """An influence function's H v w.r.t. a block's parameters (a dict), in
    predict mode, against torch.func.jvp of torch.func.grad."""
    torch = pytest.importorskip("torch")
    from torch import func as tf

    net = gluon_mlp()
    model = torch_mlp_like(torch, net)
    if hybridize is not None:
        net.hybridize(**hybridize)
    own = net._collect_params_with_prefix()
    params = {k: p.data() * 1.1 for k, p in own.items()}  # not the block's values
    vs = {k: RNG.uniform(-1, 1, p.shape) for k, p in own.items()}
    x, y = arr(DATA[0]), arr(DATA[1])
    _, hv = F.hvp(
        lambda p: ((F.functional_call(net, p, x) - y) ** 2).mean(),
        params,
        {k: arr(v) for k, v in vs.items()},
        train_mode=False,
    )
    tx, ty = torch.tensor(DATA[0]), torch.tensor(DATA[1])
    t_params = {TORCH_NAME[k]: torch.tensor(p.asnumpy()) for k, p in params.items()}
    t_vs = {TORCH_NAME[k]: torch.tensor(v) for k, v in vs.items()}
    loss = lambda p: ((tf.functional_call(model, p, (tx,)) - ty) ** 2).mean()
    _, want = tf.jvp(tf.grad(loss), (t_params,), (t_vs,))
    for k in own:
        np.testing.assert_allclose(hv[k].asnumpy(), want[TORCH_NAME[k]].numpy(), rtol=1e-10)
