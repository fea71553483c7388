"""Gradients of the regression output layers (LinearRegressionOutput,
LogisticRegressionOutput, MAERegressionOutput), to order 3.

These loss layers ignore the head gradient: their "gradient" is
grad_scale/m * r(y, label), m the size of one row of the label, not the
derivative of their output, so order 1 is not checked against differences of
the output; orders 2 and 3 are (the differences of the order below). Each
layer's data is a nonlinear function of x, so that the chain through it
continues; the label is differentiated too (d/dl = -grad_scale/m * h)."""

import pytest

from harness import Case, check_symbol_like_imperative, standard_tests

HEAD_BLIND = "a loss layer: its gradient ignores the head, not the derivative of its output"
LOSS = dict(first_order=HEAD_BLIND)


def linear(F, x, label, **kwargs):
    return F.LinearRegressionOutput(F.sin(x) * x, label, **kwargs)


def logistic(F, x, label, **kwargs):
    return F.LogisticRegressionOutput(x * x - x, label, **kwargs)


def mae(F, x, label, **kwargs):
    return F.MAERegressionOutput(F.tanh(x) * x, label, **kwargs)


CASES = [
    Case("linear", lambda F, x, t: linear(F, x, t), [(3, 4), (3, 4)], **LOSS),
    Case(
        "linear_grad_scale",
        lambda F, x, t: linear(F, x, t, grad_scale=1.7),
        [(2, 3, 2), (2, 3, 2)],
        **LOSS,
    ),
    # the 1-D label of a (N, 1) output
    Case("linear_column", lambda F, x, t: linear(F, x, t, grad_scale=0.3), [(5, 1), (5,)], **LOSS),
    # a label of another shape with as many elements per row: m = 4
    Case("linear_label_shape", lambda F, x, t: linear(F, x, t), [(3, 4), (3, 2, 2)], **LOSS),
    # what follows the layer does not reach its gradient
    Case("linear_then_scaled", lambda F, x, t: linear(F, x, t) * 3.0, [(2, 5), (2, 5)], **LOSS),
    Case("logistic", lambda F, x, t: logistic(F, x, t), [(3, 4), (3, 4)], **LOSS),
    Case(
        "logistic_grad_scale",
        lambda F, x, t: logistic(F, x, t, grad_scale=2.5),
        [(4, 1), (4,)],
        **LOSS,
    ),
    Case(
        "mae",
        lambda F, x, t: mae(F, x, t),
        [(3, 4), (3, 4)],
        low=(-1.0, 2.0),
        high=(1.0, 3.0),
        **LOSS,
    ),
    Case(
        "mae_grad_scale",
        lambda F, x, t: mae(F, x, t, grad_scale=0.7),
        [(2, 3), (2, 3)],
        low=(-1.0, -3.0),
        high=(1.0, -2.0),
        **LOSS,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "probabilities"], ids=repr)
def test_symbol_grad_second_order(case):
    check_symbol_like_imperative(case)
