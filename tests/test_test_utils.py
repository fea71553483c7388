"""The finite-difference checker finds wrong gradients, at the order they are wrong."""

import numpy as np
import pytest

import mxnet as mx
from mxnet import nd

from mxnet_ho.test_utils import HigherOrderGradError, check_higher_order_grad, higher_order_grads


class _WrongCube(mx.operator.CustomOp):
    """x**3 whose backward claims 3x^2 + x (wrong): wrong at order 1."""

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] ** 3)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        x = in_data[0]
        self.assign(in_grad[0], req[0], out_grad[0] * (3 * x**2 + x))


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
            lambda a, b: a * nd.Custom(b, op_type="mxnet_ho_test_wrong_cube"),
            [x, y],
            order=2,
            names=["data", "weight"],
        )


def test_higher_order_grads_match_closed_forms():
    """S_k and dS_k/dx of f(a) = a^3, contracted with known w, v1, v2:
    S_0 = <a^3, w>, dS_0 = 3a^2 w, S_1 = <3a^2 w, v1>, dS_1 = 6a w v1,
    S_2 = <6a w v1, v2>, dS_2 = 6 w v1 v2."""
    rng = np.random.RandomState(3)
    a, w, v1, v2 = (rng.uniform(-1, 1, (2, 3)) for _ in range(4))
    xs = [nd.array(a, dtype="float64")]
    cot = nd.array(w, dtype="float64")
    dirs = [[nd.array(v1, dtype="float64")], [nd.array(v2, dtype="float64")]]
    expected = [
        ((a**3 * w).sum(), 3 * a**2 * w),
        ((3 * a**2 * w * v1).sum(), 6 * a * w * v1),
        ((6 * a * w * v1 * v2).sum(), 6 * w * v1 * v2),
    ]
    for k, (s_k, ds_k) in enumerate(expected):
        s, (g,) = higher_order_grads(lambda x: x**3, xs, k, cot, dirs)
        assert s == pytest.approx(s_k, rel=1e-12)
        np.testing.assert_allclose(g, ds_k, rtol=1e-12)


def test_passes_correct_gradients():
    x = np.random.RandomState(0).uniform(0.5, 1, (2, 3))
    y = np.random.RandomState(1).uniform(0.5, 1, (3,))
    rows = check_higher_order_grad(lambda a: a**3, [x], order=3)
    assert [(r[0], r[1]) for r in rows] == [(1, "input 0"), (2, "input 0"), (3, "input 0")]
    rows = check_higher_order_grad(
        lambda a, b: nd.sin(a) * nd.broadcast_mul(a, b), [x, y], order=3, names=["a", "b"]
    )
    assert [(r[0], r[1]) for r in rows] == [(k, n) for k in (1, 2, 3) for n in "ab"]


@pytest.fixture
def wrong_from_order(monkeypatch):
    """Makes autograd.grad wrong from a given nesting depth on: within one
    recording, the n-th and later gradient calls come back scaled by 1.01, so
    derivatives of order >= n are wrong and those below it right."""
    from mxnet import autograd

    real_grad, real_record = autograd.grad, autograd.record
    state = {"calls": 0, "from": None}

    def record(*args, **kwargs):
        state["calls"] = 0
        return real_record(*args, **kwargs)

    def grad(heads, variables, *args, **kwargs):
        state["calls"] += 1
        grads = real_grad(heads, variables, *args, **kwargs)
        if state["calls"] >= state["from"]:
            grads = [g * 1.01 for g in grads]
        return grads

    monkeypatch.setattr(autograd, "record", record)
    monkeypatch.setattr(autograd, "grad", grad)

    def set_order(n):
        state["from"] = n

    return set_order


@pytest.mark.parametrize("order", [1, 2, 3])
def test_reports_perturbed_gradient_at_its_order(wrong_from_order, order):
    wrong_from_order(order)
    x = np.random.RandomState(0).uniform(0.5, 1, (2, 3))
    fn = lambda a: nd.sin(a) * a**2
    if order > 1:  # the orders below are right and pass
        check_higher_order_grad(fn, [x], order=order - 1)
    with pytest.raises(HigherOrderGradError, match="order %d derivative for input 0" % order):
        check_higher_order_grad(fn, [x], order=order)


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
        return mx.np.sin(x) * y**2

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


def test_rejects_orders_it_cannot_finish():
    import pytest
    from mxnet_ho.test_utils import MAX_ORDER, check_higher_order_grad

    with pytest.raises(ValueError, match="at most %d" % MAX_ORDER):
        check_higher_order_grad(lambda x: x**3, [[1.0]], order=10**9)
    with pytest.raises(TypeError, match="integer"):
        check_higher_order_grad(lambda x: x**3, [[1.0]], order=2.5)


def test_train_mode_false_checks_predict_mode():
    import mxnet as mx
    from mxnet_ho.test_utils import check_higher_order_grad

    gamma, beta = mx.nd.ones((2,), dtype="float64"), mx.nd.zeros((2,), dtype="float64")
    mean = mx.nd.array([0.2, -0.1], dtype="float64")
    var = mx.nd.array([0.7, 1.3], dtype="float64")

    def fn(x):  # Dropout is the identity and BatchNorm uses (mean, var) in predict mode
        y = mx.nd.BatchNorm(mx.nd.Dropout(x, p=0.5), gamma, beta, mean, var, fix_gamma=False)
        return mx.nd.sin(y) * x

    x = np.random.RandomState(0).uniform(-1, 1, (3, 2))
    check_higher_order_grad(fn, [x], order=3, train_mode=False)
    np.testing.assert_array_equal(mean.asnumpy(), [0.2, -0.1])
