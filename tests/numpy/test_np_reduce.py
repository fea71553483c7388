"""Gradients to order 3 of NumPy-interface reductions and linear reshapings:
np.max/np.min (ties included), np.prod, np.where (all three forms),
np.broadcast_to, np.cumsum, np.linalg.norm, np.average, np.trace, np.diagonal,
np.diagflat, np.tril and np.diff (checks from harness)."""

import subprocess
import sys

import numpy as onp
import pytest

import mxnet as mx

from harness import (
    POS,
    NpCase,
    check_above_first_order,
    check_first_order_identical,
    hybridized,
    numpy_mode,
    standard_tests,
)

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing


CASES = [
    # np.max / np.min (amax/amin are aliases)
    NpCase("max_all", lambda np, a: np.max(a) ** 2 * a, [(3, 4)]),
    NpCase("max_vector", lambda np, a: np.max(a * a, axis=0) * a, [(5,)]),
    NpCase("max_axis", lambda np, a: np.max(a, axis=1) ** 3, [(2, 5, 3)]),
    NpCase(
        "amax_neg_axes_keepdims",
        lambda np, a: np.amax(a, axis=(-1, 0), keepdims=True) ** 2 * a,
        [(3, 2, 4)],
    ),
    NpCase("min_axis", lambda np, a: np.min(a, axis=-2) ** 3, [(3, 5)]),
    NpCase("amin_keepdims", lambda np, a: np.amin(a, axis=0, keepdims=True) ** 2 * a, [(4, 3)]),
    # np.prod
    NpCase("prod_all", lambda np, a: np.prod(a) * a, [(2, 3)], *POS),
    NpCase("prod_axis", lambda np, a: np.prod(a, axis=-1) ** 2, [(3, 4)], *POS),
    NpCase(
        "prod_axes_keepdims",
        lambda np, a: np.prod(a, axis=(0, 2), keepdims=True) * a,
        [(2, 3, 3)],
        -1.5,
        -0.5,
    ),
    # np.where
    NpCase("where", lambda np, c, a, b: np.where(c > 0, a**2, b**3), [(3, 4)] * 3),
    NpCase(
        "where_broadcast",
        lambda np, c, a, b: np.where(c > 0, a**2, a * b) ** 2,
        [(3, 1), (1, 4), (3, 4)],
    ),
    NpCase("where_one_side", lambda np, c, a, b: np.where(c > 0, a**3, b), [(2, 3)] * 3),
    # np.broadcast_to
    NpCase("broadcast_to", lambda np, a: np.broadcast_to(a**2, (2, 3, 4)) ** 2, [(3, 1)]),
    NpCase("broadcast_to_rank", lambda np, a: np.broadcast_to(a, (3, 5)) ** 3, [(5,)]),
    # np.cumsum
    NpCase("cumsum_axis", lambda np, a: np.cumsum(a, axis=1) ** 3, [(2, 5)]),
    NpCase("cumsum_axis0", lambda np, a: np.cumsum(a * a, axis=0) ** 2, [(3, 2, 2)]),
    NpCase("cumsum_flat", lambda np, a: np.cumsum(a) ** 3, [(2, 3)]),
    NpCase("cumsum_dtype", lambda np, a: np.cumsum(a, axis=0, dtype="float64") ** 3, [(3, 1)]),
    # np.linalg.norm
    NpCase("norm_flat", lambda np, a: np.linalg.norm(a) ** 3 * a, [(3, 4)]),
    NpCase("norm_axis", lambda np, a: np.linalg.norm(a, axis=1) ** 3, [(2, 3, 2)]),
    NpCase(
        "norm_ord2_neg_axis_keepdims",
        lambda np, a: np.linalg.norm(a, ord=2, axis=-1, keepdims=True) * a,
        [(3, 5)],
    ),
    NpCase("norm_fro", lambda np, a: np.linalg.norm(a, "fro", axis=(0, -1)) ** 3, [(3, 2, 4)]),
    NpCase(
        "norm_matrix_keepdims",
        lambda np, a: np.linalg.norm(a, axis=(1, 2), keepdims=True) * a,
        [(2, 3, 2)],
    ),
    NpCase("norm_ord1", lambda np, a: np.linalg.norm(a, ord=1, axis=0) ** 3, [(4, 3)]),
    NpCase(
        "norm_ord1_keepdims",
        lambda np, a: np.linalg.norm(a, ord=1, axis=-1, keepdims=True) ** 2 * a,
        [(3, 5)],
    ),
    NpCase("norm_ord3", lambda np, a: np.linalg.norm(a, ord=3, axis=1) ** 2, [(2, 4)]),
    NpCase(
        "norm_ord_1_5_keepdims",
        lambda np, a: np.linalg.norm(-a, ord=1.5, axis=0, keepdims=True) * a,
        [(3, 2)],
        *POS,
    ),
    NpCase(
        "norm_ord0", lambda np, a: np.linalg.norm(a, ord=0, axis=-1, keepdims=True) * a, [(2, 3)]
    ),
    # np.average
    NpCase("average_all", lambda np, a: np.average(a) ** 2 * a, [(3, 4)]),
    NpCase("average_axis", lambda np, a: np.average(a, axis=(0, -1)) ** 3, [(2, 3, 4)]),
    NpCase(
        "average_weighted",
        lambda np, a, w: np.average(a, axis=1, weights=w) ** 2,
        [(3, 4), (3, 4)],
        *POS,
    ),
    NpCase(
        "average_weighted_all",
        lambda np, a, w: np.average(a * a, weights=w) * w,
        [(2, 3), (2, 3)],
        *POS,
    ),
    NpCase(
        "average_weighted_axes",
        lambda np, a, w: np.average(a, axis=(-1, 0), weights=w) ** 3,
        [(2, 3, 3), (2, 3, 3)],
        *POS,
    ),
    NpCase(
        "average_weights_1d",
        lambda np, a, w: np.average(a, axis=-1, weights=w) ** 3,
        [(3, 4), (4,)],
        *POS,
    ),
    # np.trace, np.diagonal, np.diagflat, np.tril, np.diff
    NpCase("trace", lambda np, a: np.trace(a * a) * a, [(3, 3)]),
    NpCase(
        "trace_offset_axes",
        lambda np, a: np.trace(a, offset=1, axis1=-1, axis2=0) ** 3,
        [(3, 2, 4)],
    ),
    NpCase("diagonal", lambda np, a: np.diagonal(a) ** 3, [(3, 4)]),
    NpCase(
        "diagonal_offset_axes",
        lambda np, a: np.diagonal(a, offset=-1, axis1=2, axis2=0) ** 3,
        [(3, 2, 4)],
    ),
    NpCase("diagflat", lambda np, a: np.diagflat(a) ** 3, [(4,)]),
    NpCase("diagflat_k_2d", lambda np, a: np.diagflat(a**2, k=-2) ** 2, [(2, 3)]),
    NpCase("tril", lambda np, a: np.tril(a) ** 3, [(3, 4)]),
    NpCase("tril_k_batch", lambda np, a: np.tril(a, k=-1) ** 3, [(2, 3, 3)]),
    NpCase("tril_1d", lambda np, a: np.tril(a, k=1) ** 3, [(4,)]),
    NpCase("diff", lambda np, a: np.diff(a) ** 3, [(5,)]),
    NpCase("diff_n2_axis", lambda np, a: np.diff(a, n=2, axis=-2) ** 3, [(2, 5, 3)]),
    NpCase("diff_axis0", lambda np, a: np.diff(a * a, n=1, axis=0) ** 2, [(4, 2)]),
]


# Cases whose stock first-order gradient is not the derivative of the function:
# ties of max/min (every tied element gets the whole head gradient), and np.where
# with a scalar operand (stock routes g by the wrong side of the condition, see
# test_stock_where_scalar_routing). Finite differences of the function then
# disagree with autograd wherever that gradient is used, so the reduction or
# where takes input 0 (its derivative is stock's), its result multiplies a
# function of input 1, and orders 2 and 3 are checked for input 1 only against
# central differences of the autograd derivative of the order below: the rule
# must be the exact derivative of what the stock kernel computes from its head.
def _tied(ext, shape, axis):
    return lambda np, a, b: ext(np)(np.broadcast_to(a, shape), axis=axis) * b**3


STOCK_FIRST_CASES = [
    NpCase("max_ties", _tied(lambda np: np.max, (2, 3, 2), 0), [(3, 2), (3, 2)]),
    NpCase("min_ties", _tied(lambda np: np.amin, (3, 2, 3), (0, -1)), [(2, 3), (2,)]),
    NpCase("where_scalar_x", lambda np, c, b: np.where(c > 0, 0.5, c) * b**3, [(3, 4)] * 2),
    NpCase(
        "where_scalar_x_broadcast",
        lambda np, c, b: np.where(c > 0, 0.5, c[0]) * b**3,
        [(3, 4), (3, 4)],
    ),
    NpCase("where_scalar_y", lambda np, c, a: np.where(c > 0, c, -0.5) * a**3, [(2, 3)] * 2),
    NpCase(
        "where_scalar_y_broadcast",
        lambda np, c, a: np.where(c > 0, c[:, :1], -0.5) * a**3,
        [(2, 3), (2, 3)],
    ),
]


test_higher_order, test_hybridized, _, test_float32 = standard_tests(__file__, CASES)


def check_stock_first(fn, case):
    check_above_first_order(
        fn, case.draw(), case.orders, case.rtol, case.atol, seed=case.seed, check=(1,)
    )


@pytest.mark.parametrize("case", STOCK_FIRST_CASES, ids=repr)
def test_higher_order_above_stock_first(case):
    check_stock_first(lambda *xs: case.fn(mx.np, *xs), case)


@pytest.mark.parametrize("case", STOCK_FIRST_CASES, ids=repr)
def test_hybridized_above_stock_first(case):
    check_stock_first(hybridized(case)[0], case)


@pytest.mark.parametrize("op", ["max", "min"])
def test_ties_follow_stock(op):
    # Each row attains its extremum twice. Stock gives the head gradient to every
    # tied element (mask m), so for f = sum(ext(x, axis=1)^3): grad = 3*y^2*m,
    # d/dx <grad, v> = 6*y*sum(m*v)*m and d/dx of <that, u> = 6*sum(m*v)*sum(m*u)*m.
    x = onp.array([[0.5, -0.2, 0.5, 0.1], [-0.3, 0.9, -0.3, 0.9]])
    if op == "min":
        x = -x
    rng = onp.random.RandomState(0)
    v, u = rng.uniform(-1, 1, x.shape), rng.uniform(-1, 1, x.shape)
    ext = getattr(x, op)(axis=1, keepdims=True)
    m = (x == ext).astype("float64")
    assert m.sum() == 4
    a = mx.np.array(x, dtype="float64")
    a.attach_grad()
    with mx.autograd.record():
        (g,) = mx.autograd.grad(
            (getattr(mx.np, op)(a, axis=1) ** 3).sum(), [a], create_graph=True, retain_graph=True
        )
        (h,) = mx.autograd.grad(
            (g * mx.np.array(v)).sum(), [a], create_graph=True, retain_graph=True
        )
        s = (h * mx.np.array(u)).sum()
    s.backward()
    mv, mu = (m * v).sum(1, keepdims=True), (m * u).sum(1, keepdims=True)
    onp.testing.assert_allclose(g.asnumpy(), 3 * ext**2 * m, rtol=1e-12)
    onp.testing.assert_allclose(h.asnumpy(), 6 * ext * mv * m, rtol=1e-12)
    onp.testing.assert_allclose(a.grad.asnumpy(), 6 * mv * mu * m, rtol=1e-12)


def test_stock_where_scalar_routing():
    """Records a stock MXNet 1.9.1 bug: np.where with a scalar operand routes the
    gradient by the wrong side of the condition (both forms when the array has
    the result's shape; the scalar-x form also when the array broadcasts)."""
    c = mx.np.array([[1.0, -1.0, 2.0], [-3.0, 4.0, -5.0]])
    up = (c > 0).asnumpy().astype("float64")
    for fn, shape, stock in [
        (lambda t: mx.np.where(c > 0, 0.5, t), (2, 3), up),  # should be 1 - up
        (lambda t: mx.np.where(c > 0, t, 0.5), (2, 3), 1 - up),  # should be up
        (lambda t: mx.np.where(c > 0, t, 0.5), (2, 1), up.sum(1, keepdims=True)),
    ]:  # right
        t = mx.np.ones(shape, dtype="float64")
        t.attach_grad()
        with mx.autograd.record():
            y = fn(t)
        y.backward(mx.np.ones((2, 3), dtype="float64"))
        onp.testing.assert_array_equal(t.grad.asnumpy(), stock)


def _second_order_of(f, *inputs):
    xs = [mx.np.array(x, dtype="float64") for x in inputs]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        (g,) = mx.autograd.grad(f(*xs).sum(), [xs[0]], create_graph=True, retain_graph=True)
        s = (g * g).sum()
    s.backward()
    return xs[0].grad.asnumpy()


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_matrix_norms_without_rule_refused(ord):
    a = onp.random.RandomState(0).uniform(0.5, 2.0, (3, 3))
    with pytest.raises(mx.base.MXNetError, match="no rule for the spectral"):
        _second_order_of(lambda x: mx.np.linalg.norm(x, ord=ord, axis=(0, 1)), a)


def test_average_1d_weights_off_last_axis_refused():
    rng = onp.random.RandomState(0)
    a, w = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (3,))
    with pytest.raises(mx.base.MXNetError, match="broadcast"):
        _second_order_of(lambda x, v: mx.np.average(x, axis=0, weights=v) ** 2, a, w)


_CUMSUM_NEGATIVE_AXIS = """
import mxnet as mx
mx.npx.set_np()
a = mx.np.ones((2, 3), dtype="float64")
a.attach_grad()
with mx.autograd.record():
    y = mx.np.cumsum(a, axis=-1)
y.backward()
a.grad.asnumpy()
"""


def test_stock_cumsum_negative_axis_fails():
    """Records a stock MXNet 1.9.1 bug: _backward_np_cumsum indexes the shape with
    the unnormalised axis, so np.cumsum(a, axis=-1) has no first-order gradient.
    Run in a subprocess: the failed op's error would resurface at any later
    waitall of this process."""
    run = subprocess.run(
        [sys.executable, "-c", _CUMSUM_NEGATIVE_AXIS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    assert run.returncode != 0 and "index = -1 must be in range" in run.stderr, run.stderr[-2000:]


FIRST_ORDER_CASES = CASES + STOCK_FIRST_CASES


def test_first_order_bit_identical():
    check_first_order_identical(__file__, FIRST_ORDER_CASES)
