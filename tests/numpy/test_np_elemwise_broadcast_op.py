"""Gradients of the NumPy interface (mx.np) to order 3: arithmetic operators
with broadcasting, np.sum/np.mean, np.dot and np.matmul."""

import numpy as onp
import pytest

import mxnet as mx
from mxnet import autograd, npx
from mxnet_ho import numpy_compat
from mxnet_ho.test_utils import check_higher_order_grad

from harness import POS, NpCase, numpy_mode, standard_tests

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing
numpy_compat.install()

CASES = [
    NpCase("add", lambda np, a, b: (a + b) * a, [(3, 4), (3, 4)]),
    NpCase("add_broadcast", lambda np, a, b: np.add(a, b) ** 2, [(3, 1), (1, 4)]),
    NpCase("subtract_broadcast", lambda np, a, b: np.subtract(a, b) ** 2, [(2, 3, 4), (4,)]),
    NpCase("multiply", lambda np, a, b: a * b, [(3, 5), (3, 5)]),
    NpCase("multiply_broadcast", lambda np, a, b: np.multiply(a, b) ** 2, [(5,), (2, 3, 5)]),
    NpCase("true_divide", lambda np, a, b: a / b, [(2, 3), (2, 3)], *POS),
    NpCase("true_divide_broadcast", lambda np, a, b: np.true_divide(a, b), [(3, 1), (1, 4)], *POS),
    NpCase("power", lambda np, a, b: a**b, [(3,), (3,)], *POS),
    NpCase("power_broadcast", lambda np, a, b: np.power(a, b), [(3, 1), (1, 4)], *POS),
    NpCase("sum_all", lambda np, a: np.sum(a**3), [(2, 3)]),
    NpCase("sum_axis", lambda np, a: np.sum(a, axis=1) ** 2, [(2, 3, 2)]),
    NpCase(
        "sum_neg_axes_keepdims",
        lambda np, a: np.sum(a, axis=(0, -1), keepdims=True) ** 2 * a,
        [(2, 3, 2)],
    ),
    NpCase("mean_all", lambda np, a: np.mean(a * a) * a, [(3, 2)]),
    NpCase("mean_axis", lambda np, a: np.mean(a, axis=-2) ** 3, [(3, 2)]),
    NpCase("mean_keepdims", lambda np, a: np.mean(a, axis=0, keepdims=True) ** 2 * a, [(3, 2)]),
    NpCase("dot_2d", lambda np, a, b: np.dot(a, b) ** 2, [(2, 3), (3, 4)]),
    NpCase("dot_1d", lambda np, a, b: np.dot(a, b) ** 2 * a, [(3,), (3,)]),
    NpCase("dot_nd_1d", lambda np, a, b: np.dot(a, b) ** 2, [(2, 3, 4), (4,)]),
    NpCase("dot_nd_md", lambda np, a, b: np.dot(a, b) ** 2, [(2, 3), (2, 3, 2)]),
    NpCase("matmul_2d", lambda np, a, b: np.matmul(a, b) ** 2, [(2, 3), (3, 2)]),
    NpCase("matmul_batch_broadcast", lambda np, a, b: np.matmul(a, b) ** 2, [(1, 2, 3), (2, 3, 2)]),
    NpCase("matmul_batch_rank", lambda np, a, b: np.matmul(a, b) ** 2, [(2, 2, 3), (3, 2)]),
    NpCase("matmul_vector", lambda np, a, b: np.matmul(a, b) ** 2, [(3,), (2, 3, 2)]),
    NpCase("mlp", lambda np, w, x: np.tanh(np.matmul(x, w)).sum(axis=1), [(3, 2), (4, 3)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


@pytest.mark.xfail(
    strict=True,
    reason="stock MXNet 1.9.1 bug: _backward_np_matmul gives a "
    "wrong first-order gradient of a when both operands broadcast batch axes",
)
def test_stock_matmul_two_sided_batch_broadcast():
    case = NpCase("matmul", lambda np, a, b: np.matmul(a, b), [(2, 1, 2, 3), (3, 3, 2)])
    check_higher_order_grad(lambda *xs: case.fn(mx.np, *xs), case.draw(), order=1)


def test_grad_returns_np_arrays():
    """A second-order step mixes autograd.grad's result with mx.np arrays."""
    x = mx.np.array([[0.5, -1.0], [2.0, 0.25]], dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = (x**3).sum()
        (g,) = autograd.grad(y, [x], create_graph=True)
        z = (g * x).sum()
    z.backward()
    assert isinstance(g, mx.np.ndarray)
    onp.testing.assert_allclose(g.asnumpy(), 3 * x.asnumpy() ** 2)
    onp.testing.assert_allclose(x.grad.asnumpy(), 9 * x.asnumpy() ** 2)  # d(3x^3)/dx
    single = autograd.grad
    numpy_compat.install()
    assert autograd.grad is single, "install() must be idempotent"


def test_grad_unchanged_without_np_semantics():
    npx.reset_np()
    try:
        x = mx.nd.array([1.0, 2.0])
        x.attach_grad()
        with autograd.record():
            y = (x * x).sum()
        (g,) = autograd.grad(y, [x])
        assert type(g) is mx.nd.NDArray
    finally:
        npx.set_np()
