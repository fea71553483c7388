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
    ga = np.cos(a) * (a * b) ** 2 + 2 * np.sin(a) * a * b ** 2 - np.exp(b).sum() / s ** 2
    gb = (2 * np.sin(a) * a ** 2 * b).sum(axis=0, keepdims=True) + np.exp(b) / s
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
        column = _hessian_products((e[:A.size].reshape(A.shape), e[A.size:].reshape(B.shape)))
        expected[j] = v_flat @ np.concatenate([c.ravel() for c in column])
    np.testing.assert_allclose(wa.asnumpy().ravel(), expected[:A.size], rtol=1e-6)
    np.testing.assert_allclose(wb.asnumpy().ravel(), expected[A.size:], rtol=1e-6)


def test_jacobian_shapes_and_values():
    J = F.jacobian(f_vector, arr(A))
    assert J.shape == A.shape + A.shape
    for idx in np.ndindex(*A.shape):
        expected = numeric_grad(lambda a, idx=idx: np_f_vector(a)[idx], [A], 0)
        np.testing.assert_allclose(J.asnumpy()[idx], expected, rtol=1e-6, atol=1e-9)
    nested = F.jacobian(lambda a, b: (nd.broadcast_mul(a, b), b * 2), (arr(A), arr(B)))
    assert [[j.shape for j in row] for row in nested] == [
        [(2, 3, 2, 3), (2, 3, 1, 3)], [(1, 3, 2, 3), (1, 3, 1, 3)]]


def test_hessian_is_symmetric_and_matches_differences():
    H = F.hessian(lambda a: (nd.sin(a) * a ** 3).sum(), arr(A)).asnumpy().reshape(6, 6)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    x = A.ravel()
    expected = np.diag(-np.sin(x) * x ** 3 + 6 * np.cos(x) * x ** 2 + 6 * np.sin(x) * x)
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-12)


def test_unreachable_input_gets_zeros():
    ga, gb = F.grad(lambda a, b: (a ** 2).sum(), (arr(A), arr(B)))
    assert (gb.asnumpy() == 0).all()
    np.testing.assert_allclose(ga.asnumpy(), 2 * A)


def test_create_graph_allows_further_differentiation():
    from mxnet import autograd
    x = arr(A)
    x.attach_grad()
    with autograd.record():
        g = F.grad(lambda a: (a ** 4).sum(), x, create_graph=True)
        s = (g ** 2).sum()
    s.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * (4 * A ** 3) * 12 * A ** 2, rtol=1e-12)


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
