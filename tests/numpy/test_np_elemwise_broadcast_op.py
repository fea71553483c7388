"""Gradients of the NumPy interface (mx.np) to order 3: arithmetic operators
with broadcasting, np.sum/np.mean, np.dot and np.matmul."""
import os
import pickle
import subprocess
import sys
from contextlib import contextmanager

import numpy as onp
import pytest

import mxnet as mx
from mxnet import autograd, npx
from mxnet_ho import numpy_compat
from mxnet_ho.test_utils import check_higher_order_grad

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import check_float32_of  # noqa: E402  (tests/, also when run as a script)

numpy_compat.install()

POS = (0.5, 2.0)


class NpCase:
    """fn(np, *inputs) with np = mx.np (imperative) or F.np (hybridized)."""

    def __init__(self, name, fn, shapes, low=-1.0, high=1.0, orders=(2, 3), rtol=1e-5,
                 atol=1e-7, seed=0):
        self.name, self.fn, self.shapes = name, fn, [tuple(s) for s in shapes]
        self.low, self.high, self.orders = low, high, orders
        self.rtol, self.atol, self.seed = rtol, atol, seed

    def __repr__(self):
        return self.name

    def draw(self):
        rng = onp.random.RandomState(self.seed)
        return [rng.uniform(self.low, self.high, size=s) for s in self.shapes]


CASES = [
    NpCase("add", lambda np, a, b: (a + b) * a, [(3, 4), (3, 4)]),
    NpCase("add_broadcast", lambda np, a, b: np.add(a, b) ** 2, [(3, 1), (1, 4)]),
    NpCase("subtract_broadcast", lambda np, a, b: np.subtract(a, b) ** 2, [(2, 3, 4), (4,)]),
    NpCase("multiply", lambda np, a, b: a * b, [(3, 5), (3, 5)]),
    NpCase("multiply_broadcast", lambda np, a, b: np.multiply(a, b) ** 2, [(5,), (2, 3, 5)]),
    NpCase("true_divide", lambda np, a, b: a / b, [(2, 3), (2, 3)], *POS),
    NpCase("true_divide_broadcast", lambda np, a, b: np.true_divide(a, b), [(3, 1), (1, 4)],
           *POS),
    NpCase("power", lambda np, a, b: a ** b, [(3,), (3,)], *POS),
    NpCase("power_broadcast", lambda np, a, b: np.power(a, b), [(3, 1), (1, 4)], *POS),
    NpCase("sum_all", lambda np, a: np.sum(a ** 3), [(2, 3)]),
    NpCase("sum_axis", lambda np, a: np.sum(a, axis=1) ** 2, [(2, 3, 2)]),
    NpCase("sum_neg_axes_keepdims",
           lambda np, a: np.sum(a, axis=(0, -1), keepdims=True) ** 2 * a, [(2, 3, 2)]),
    NpCase("mean_all", lambda np, a: np.mean(a * a) * a, [(3, 2)]),
    NpCase("mean_axis", lambda np, a: np.mean(a, axis=-2) ** 3, [(3, 2)]),
    NpCase("mean_keepdims", lambda np, a: np.mean(a, axis=0, keepdims=True) ** 2 * a, [(3, 2)]),
    NpCase("dot_2d", lambda np, a, b: np.dot(a, b) ** 2, [(2, 3), (3, 4)]),
    NpCase("dot_1d", lambda np, a, b: np.dot(a, b) ** 2 * a, [(3,), (3,)]),
    NpCase("dot_nd_1d", lambda np, a, b: np.dot(a, b) ** 2, [(2, 3, 4), (4,)]),
    NpCase("dot_nd_md", lambda np, a, b: np.dot(a, b) ** 2, [(2, 3), (2, 3, 2)]),
    NpCase("matmul_2d", lambda np, a, b: np.matmul(a, b) ** 2, [(2, 3), (3, 2)]),
    NpCase("matmul_batch_broadcast", lambda np, a, b: np.matmul(a, b) ** 2,
           [(1, 2, 3), (2, 3, 2)]),
    NpCase("matmul_batch_rank", lambda np, a, b: np.matmul(a, b) ** 2, [(2, 2, 3), (3, 2)]),
    NpCase("matmul_vector", lambda np, a, b: np.matmul(a, b) ** 2, [(3,), (2, 3, 2)]),
    NpCase("mlp", lambda np, w, x: np.tanh(np.matmul(x, w)).sum(axis=1), [(3, 2), (4, 3)]),
]


@contextmanager
def np_semantics():
    npx.set_np()
    try:
        yield
    finally:
        npx.reset_np()


@pytest.fixture(autouse=True, scope="module")
def numpy_mode():
    npx.set_np()
    yield
    npx.reset_np()


def check_case(fn, case):
    """fn, a function of mx.np arrays, at each of the case's orders."""
    for order in case.orders:
        check_higher_order_grad(fn, case.draw(), order=order, rtol=case.rtol, atol=case.atol,
                                seed=case.seed)


def check_case_float32(case):
    """The case's highest order in float32 against float64 (harness.check_float32_of)."""
    fn = lambda *xs: case.fn(mx.np, *xs)  # noqa: E731
    check_float32_of(lambda dtype: fn, case.draw(), max(case.orders) - 1, case.seed,
                     array=mx.np.array)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_higher_order(case):
    check_case(lambda *xs: case.fn(mx.np, *xs), case)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_float32(case):
    check_case_float32(case)


@pytest.mark.xfail(strict=True, reason="stock MXNet 1.9.1 bug: _backward_np_matmul gives a "
                   "wrong first-order gradient of a when both operands broadcast batch axes")
def test_stock_matmul_two_sided_batch_broadcast():
    case = NpCase("matmul", lambda np, a, b: np.matmul(a, b), [(2, 1, 2, 3), (3, 3, 2)])
    check_higher_order_grad(lambda *xs: case.fn(mx.np, *xs), case.draw(), order=1)


class _Lambda(mx.gluon.HybridBlock):
    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def hybrid_forward(self, F, *xs):
        return self._fn(F.np, *xs)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_hybridized(case):
    block = _Lambda(case.fn)
    block.initialize()
    block.hybridize(inline_limit=1 << 30)
    check_case(block, case)


def test_grad_returns_np_arrays():
    """A second-order step mixes autograd.grad's result with mx.np arrays."""
    x = mx.np.array([[0.5, -1.0], [2.0, 0.25]], dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = (x ** 3).sum()
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


def first_order_grads(cases):
    results = {}
    for case in cases:
        xs = [mx.np.array(a, dtype="float64") for a in case.draw()]
        for x in xs:
            x.attach_grad()
        with autograd.record():
            y = case.fn(mx.np, *xs)
        rng = onp.random.RandomState(case.seed + 1)
        y.backward(mx.np.array(rng.uniform(-1, 1, y.shape), dtype="float64"))
        results[case.name] = [x.grad.asnumpy().tobytes() for x in xs]
    return results


def test_first_order_bit_identical():
    env = dict(os.environ, MXNET_HO_DISABLE="1")
    out = subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, check=True,
                         stdout=subprocess.PIPE).stdout
    stock = pickle.loads(out)
    ours = first_order_grads(CASES)
    for case in CASES:
        assert ours[case.name] == stock[case.name], (
            "first-order gradient of %s differs from stock MXNet" % case.name)


if __name__ == "__main__":
    import mxnet_ho

    assert not mxnet_ho.is_enabled(), "the stock run must not load mxnet-ho"
    npx.set_np()
    sys.stdout.buffer.write(pickle.dumps(first_order_grads(CASES)))
