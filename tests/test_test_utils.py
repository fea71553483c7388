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
