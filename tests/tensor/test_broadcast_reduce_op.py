"""Gradients of the reductions max, min, prod, nanprod, nansum, norm (and sum,
mean with axis / keepdims / exclude) to order 3."""

import numpy as np
import pytest

import mxnet as mx
from harness import Case, standard_tests

POS = (0.5, 1.5)  # away from 0, where prod's and norm's gradients divide

CASES = [
    Case(
        "sum_axis_keepdims",
        lambda F, x: F.broadcast_mul(F.sum(x, axis=1, keepdims=True), x),
        [(2, 3)],
    ),
    Case("sum_exclude", lambda F, x: F.sum(x, axis=(0, 2), exclude=True) ** 2, [(2, 3, 2)]),
    Case("sum_axis_alias", lambda F, x: F.sum_axis(x, axis=-1) ** 3, [(3, 2)]),
    Case("mean_neg_axis", lambda F, x: F.mean(x, axis=-2) ** 2, [(2, 3, 2)]),
    Case(
        "mean_exclude_keepdims",
        lambda F, x: F.broadcast_mul(F.mean(x, axis=1, keepdims=True, exclude=True), x),
        [(2, 3, 2)],
    ),
    Case("max_axis", lambda F, x: F.max(x, axis=1) ** 2, [(3, 4)]),
    Case("max_all", lambda F, x: F.max(x) ** 3, [(2, 3)]),
    Case(
        "max_neg_axis_keepdims",
        lambda F, x: F.broadcast_mul(F.max(x, axis=-1, keepdims=True), x),
        [(2, 3)],
    ),
    Case("max_exclude", lambda F, x: F.max(x, axis=1, exclude=True) ** 2, [(2, 3, 2)]),
    Case("max_axis_alias", lambda F, x: F.max_axis(x, axis=0) ** 2, [(3, 2)]),
    Case("min_axis", lambda F, x: F.min(x, axis=0) ** 2, [(3, 4)]),
    Case("min_neg_axes", lambda F, x: F.min(x, axis=(-1, -3)) ** 3, [(2, 3, 2)]),
    Case(
        "min_exclude_keepdims",
        lambda F, x: F.broadcast_mul(F.min(x, axis=0, keepdims=True, exclude=True), x),
        [(3, 2)],
    ),
    Case("min_axis_alias", lambda F, x: F.min_axis(x, axis=1) ** 2, [(2, 3)]),
    Case("prod_axis", lambda F, x: F.prod(x, axis=1), [(2, 3)], *POS),
    Case("prod_all", lambda F, x: F.prod(x), [(5,)], *POS),
    Case("prod_signs", lambda F, x: F.prod(x, axis=0) ** 2, [(3, 2)], -1.5, 1.5, seed=3),
    Case(
        "prod_neg_axis_keepdims",
        lambda F, x: F.broadcast_mul(F.prod(x, axis=-1, keepdims=True), x),
        [(2, 3)],
        *POS,
    ),
    Case("prod_exclude", lambda F, x: F.prod(x, axis=1, exclude=True), [(2, 3, 2)], *POS),
    Case("nanprod_axis", lambda F, x: F.nanprod(x, axis=1), [(2, 3)], *POS),
    Case(
        "nanprod_exclude_keepdims",
        lambda F, x: F.broadcast_mul(F.nanprod(x, axis=0, keepdims=True, exclude=True), x),
        [(3, 2)],
        *POS,
    ),
    Case("nansum_axis", lambda F, x: F.nansum(x, axis=1) ** 3, [(2, 3)]),
    Case(
        "nansum_exclude_keepdims",
        lambda F, x: F.broadcast_mul(F.nansum(x, axis=-1, keepdims=True, exclude=True), x),
        [(2, 3)],
    ),
    Case("norm_l2_all", lambda F, x: F.norm(x) ** 3, [(2, 3)], *POS),
    Case("norm_l2_axis", lambda F, x: F.norm(x, axis=1), [(3, 4)], -1.5, 1.5),
    Case(
        "norm_l2_neg_axis_keepdims",
        lambda F, x: F.broadcast_mul(F.norm(x, ord=2, axis=-1, keepdims=True), x),
        [(2, 3)],
    ),
    Case("norm_l2_two_axes", lambda F, x: F.norm(x, axis=(0, 2)), [(2, 3, 2)], -1.5, 1.5),
    Case("norm_l1_axis", lambda F, x: F.norm(x, ord=1, axis=0) ** 2, [(3, 2)], -1.5, 1.5),
    Case(
        "norm_l1_all_keepdims",
        lambda F, x: F.broadcast_mul(F.norm(x, ord=1, keepdims=True), x),
        [(2, 3)],
    ),
    Case("norm_l1_neg_axis", lambda F, x: F.norm(x, ord=1, axis=-1) ** 3, [(2, 3)], -1.5, 1.5),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def _second_order(fn, x, v):
    """d/dx <d/dx sum(fn(x)), v> by autograd, at order 2."""
    x = mx.nd.array(x, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        (g,) = mx.autograd.grad(fn(x).sum(), [x], create_graph=True, retain_graph=True)
        s = (g * mx.nd.array(v, dtype="float64")).sum()
    s.backward()
    return x.grad.asnumpy()


@pytest.mark.parametrize("op", ["max", "min"])
def test_ties_follow_stock(op):
    # Each row of x attains its extremum twice. Stock's first-order kernel gives
    # the head gradient to every element equal to the extremum, so for
    # f = sum(ext(x, axis=1)^2), grad = 2*y*m with mask m, and the Hessian
    # applied to v is 2*m*sum(m*v, axis=1), at every tied element.
    x = np.array([[0.5, -0.2, 0.5, 0.1], [-0.3, 0.9, -0.3, 0.9]])
    if op == "min":
        x = -x
    v = np.random.RandomState(0).uniform(-1, 1, x.shape)
    got = _second_order(lambda a: getattr(mx.nd, op)(a, axis=1) ** 2, x, v)
    ext = getattr(x, op)(axis=1, keepdims=True)
    mask = (x == ext).astype("float64")
    assert mask.sum() == 4
    np.testing.assert_allclose(got, 2 * mask * (mask * v).sum(axis=1, keepdims=True), rtol=1e-12)


def test_nan_reductions_ignore_nan():
    # NaN counts as 1 in nanprod and 0 in nansum, and gets zero gradient at
    # every order (stock's first-order kernel gives it 0): the second-order
    # gradient equals that of prod / sum with the NaN replaced by a constant,
    # with zeros at the NaN.
    x = np.array([[0.7, np.nan, 1.3], [1.1, 0.6, np.nan]])
    nan = np.isnan(x)
    v = np.random.RandomState(1).uniform(-1, 1, x.shape)
    for op, fill in (("nanprod", 1.0), ("nansum", 0.0)):
        f = lambda a, op=op: getattr(mx.nd, op)(a, axis=1) ** 3
        got = _second_order(f, x, v)
        xf = np.where(nan, fill, x)
        ref_op = {"nanprod": "prod", "nansum": "sum"}[op]
        ref = _second_order(
            lambda a, ref_op=ref_op: getattr(mx.nd, ref_op)(a, axis=1) ** 3,
            xf,
            np.where(nan, 0.0, v),
        )
        assert np.isfinite(got).all(), (op, got)
        np.testing.assert_allclose(got, np.where(nan, 0.0, ref), rtol=1e-12, atol=1e-14)
