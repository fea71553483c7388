"""The finite-difference checker finds wrong gradients, at the order they are wrong."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import nd

from mxnet_ho.test_utils import HigherOrderGradError, check_higher_order_grad


class _WrongCube(mx.operator.CustomOp):
    """x**3 whose backward claims 3x^2 + x (wrong): wrong at order 1."""

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] ** 3)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        x = in_data[0]
        self.assign(in_grad[0], req[0], out_grad[0] * (3 * x ** 2 + x))


@mx.operator.register("mxnet_ho_test_wrong_cube")
class _WrongCubeProp(mx.operator.CustomOpProp):
    def list_arguments(self):
        return ["data"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], []

    def infer_type(self, in_type):
        return in_type, [in_type[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return _WrongCube()


def test_reports_wrong_first_order_gradient_naming_input():
    x = np.random.RandomState(0).uniform(0.5, 1, (3,))
    y = np.random.RandomState(1).uniform(0.5, 1, (3,))
    with pytest.raises(HigherOrderGradError, match="order 1 derivative for weight"):
        check_higher_order_grad(
            lambda a, b: a * nd.Custom(b, op_type="mxnet_ho_test_wrong_cube"), [x, y],
            order=2, names=["data", "weight"])


def test_passes_correct_gradients_and_reports_rows():
    x = np.random.RandomState(0).uniform(0.5, 1, (2, 3))
    rows = check_higher_order_grad(lambda a: a ** 3, [x], order=3)
    assert [r[0] for r in rows] == [1, 2, 3]
    for _, _, analytic, numeric in rows:
        assert analytic == pytest.approx(numeric, rel=1e-6)


def test_rejects_order_zero():
    with pytest.raises(ValueError):
        check_higher_order_grad(lambda a: a, [np.ones(2)], order=0)


@pytest.fixture
def np_semantics():
    mx.npx.set_np()
    yield
    mx.npx.reset_np()


@pytest.fixture(params=["numpy_compat", "stock_grad"])
def grad_flavour(request):
    """autograd.grad as mxnet_ho.numpy_compat wraps it (mx.np results) and as stock
    has it (legacy NDArray results even under the NumPy semantics)."""
    from mxnet import autograd
    from mxnet_ho import numpy_compat

    numpy_compat.install()
    wrapped = autograd.grad
    if request.param == "stock_grad":
        autograd.grad = wrapped.__wrapped__
    yield request.param
    autograd.grad = wrapped


def test_accepts_np_arrays_under_np_semantics(np_semantics, grad_flavour):
    rng = np.random.RandomState(0)
    a = mx.np.array(rng.uniform(-1, 1, (2, 3)), dtype="float64")
    b = mx.np.array(rng.uniform(0.5, 1, (3,)), dtype="float32")  # cast to float64
    seen = []

    def fn(x, y):
        seen.extend(type(v) for v in (x, y))
        return mx.np.sin(x) * y ** 2

    rows = check_higher_order_grad(fn, [a, b], order=3)
    assert [r[0] for r in rows] == [1, 1, 2, 2, 3, 3]
    assert set(seen) == {mx.np.ndarray}


def test_numpy_data_becomes_np_arrays_under_np_semantics(np_semantics, grad_flavour):
    seen = []

    def fn(x):
        seen.append(type(x))
        return mx.np.exp(x) * x

    check_higher_order_grad(fn, [np.linspace(-1, 1, 4)], order=2)
    assert set(seen) == {mx.np.ndarray}


def test_reports_wrong_gradient_of_np_arrays(np_semantics, grad_flavour):
    """Stock MXNet 1.9.1's gradient of np.arctan2(s, x) is -x/(x^2+s^2), not -s/(x^2+s^2)."""
    x = mx.np.array(np.random.RandomState(0).uniform(-1, 1, (3,)), dtype="float64")
    with pytest.raises(HigherOrderGradError, match="order 1 derivative for input 0"):
        check_higher_order_grad(lambda a: mx.np.arctan2(1.5, a), [x], order=2)
