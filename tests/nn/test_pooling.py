"""Gradients of Pooling (through _backward_Pooling), to order 3.

Max pooling at ties: the higher derivatives must route through the position the
stock first-order kernel picks; test_max_routes_like_the_stock_kernel checks the
second derivative on inputs full of ties against products of stock first-order
gradients."""

import mxnet as mx
import numpy as np
import pytest

from harness import Case, standard_tests

POS = (0.5, 1.5)  # lp pooling divides by its output


def pool(inner=lambda F, x: x * x, outer=lambda F, y: y * y, **attrs):
    """outer(Pooling(inner(x))): nonlinear on both sides, so every order is nonzero."""

    def fn(F, x):
        return outer(F, F.Pooling(inner(F, x), **attrs))

    return fn


def sin(F, x):
    return F.sin(x)


# max pooling with pooling_convention same (1-D only) is refused by the rule (see
# patches/nn_pool.toml).
CASES = [
    # max: the selection follows the first maximum of each window
    Case("max1d", pool(kernel=(3,), stride=(2,), pool_type="max"), [(2, 2, 7)]),
    Case("max2d", pool(kernel=(2, 2), pool_type="max"), [(1, 2, 4, 5)]),
    Case(
        "max2d_stride_pad",
        pool(kernel=(3, 2), stride=(2, 1), pad=(1, 1), pool_type="max"),
        [(2, 1, 5, 4)],
    ),
    Case(
        "max3d",
        pool(inner=sin, kernel=(2, 2, 2), stride=(1, 2, 1), pool_type="max"),
        [(1, 2, 3, 4, 3)],
    ),
    Case(
        "max2d_global",
        pool(inner=sin, kernel=(1, 1), global_pool=True, pool_type="max"),
        [(2, 3, 3, 4)],
    ),
    Case("max1d_global", pool(global_pool=True, kernel=(1,), pool_type="max"), [(2, 2, 5)]),
    Case(
        "max2d_nhwc",
        pool(inner=sin, kernel=(2, 2), stride=(1, 2), pool_type="max", layout="NHWC"),
        [(1, 4, 5, 2)],
    ),
    Case(
        "max2d_full",
        pool(kernel=(2, 2), stride=(2, 2), pool_type="max", pooling_convention="full"),
        [(1, 2, 5, 5)],
    ),
    Case(
        "max1d_full",
        pool(kernel=(3,), stride=(2,), pool_type="max", pooling_convention="full"),
        [(2, 1, 6)],
    ),
    Case(
        "max2d_full_pad",
        pool(
            inner=sin,
            kernel=(3, 2),
            stride=(2, 3),
            pad=(1, 0),
            pool_type="max",
            pooling_convention="full",
        ),
        [(1, 1, 6, 7)],
    ),
    Case(
        "max3d_full",
        pool(
            inner=sin,
            kernel=(2, 2, 2),
            stride=(2, 1, 2),
            pool_type="max",
            pooling_convention="full",
        ),
        [(1, 1, 3, 3, 5)],
    ),
    Case(
        "max2d_linear_outer",
        pool(outer=lambda F, y: F.sin(y), kernel=(2, 2), pool_type="max"),
        [(1, 1, 4, 4)],
    ),
    # avg, sum: linear
    Case("avg2d", pool(kernel=(2, 2), stride=(2, 1), pool_type="avg"), [(1, 2, 4, 5)]),
    Case(
        "avg2d_pad_include",
        pool(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", count_include_pad=True),
        [(1, 1, 5, 4)],
    ),
    Case(
        "avg2d_pad_exclude",
        pool(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", count_include_pad=False),
        [(1, 1, 5, 4)],
    ),
    Case(
        "avg2d_full",
        pool(kernel=(2, 2), stride=(2, 2), pool_type="avg", pooling_convention="full"),
        [(1, 2, 5, 5)],
    ),
    Case(
        "avg1d", pool(kernel=(2,), pad=(1,), pool_type="avg", count_include_pad=False), [(2, 1, 5)]
    ),
    Case("avg3d", pool(kernel=(2, 2, 1), stride=(1, 1, 2), pool_type="avg"), [(1, 1, 3, 3, 4)]),
    Case("avg_global", pool(kernel=(1, 1), global_pool=True, pool_type="avg"), [(2, 2, 3, 3)]),
    Case("sum2d", pool(kernel=(2, 3), stride=(1, 2), pad=(1, 0), pool_type="sum"), [(1, 2, 4, 5)]),
    Case(
        "sum1d_full",
        pool(kernel=(3,), stride=(2,), pool_type="sum", pooling_convention="full"),
        [(1, 2, 6)],
    ),
    Case("sum_nhwc", pool(kernel=(2, 2), pool_type="sum", layout="NHWC"), [(1, 3, 4, 2)]),
    # lp: y = (sum x^p)^(1/p)
    Case("lp1", pool(kernel=(2, 2), pool_type="lp", p_value=1), [(1, 2, 3, 4)], *POS),
    Case(
        "lp2",
        pool(inner=lambda F, x: x, kernel=(2, 2), stride=(1, 2), pool_type="lp", p_value=2),
        [(1, 2, 4, 5)],
        *POS,
    ),
    Case(
        "lp3",
        pool(inner=lambda F, x: x, kernel=(3,), stride=(2,), pool_type="lp", p_value=3),
        [(2, 1, 7)],
        *POS,
    ),
    Case(
        "lp2_global_linear",
        pool(
            inner=lambda F, x: x,
            outer=lambda F, y: y,
            kernel=(1, 1),
            global_pool=True,
            pool_type="lp",
            p_value=2,
        ),
        [(1, 2, 2, 3)],
        *POS,
    ),
    Case(
        "lp3_3d",
        pool(inner=lambda F, x: x, kernel=(2, 2, 2), pool_type="lp", p_value=3),
        [(1, 1, 3, 2, 3)],
        *POS,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


MAX_CONFIGS = [
    (dict(kernel=(2, 2)), (1, 2, 4, 5)),
    (dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1)), (1, 1, 5, 5)),
    (dict(kernel=(2, 2), stride=(2, 2), pooling_convention="full"), (1, 1, 5, 5)),
    (dict(kernel=(1, 1), global_pool=True), (2, 2, 3, 3)),
    (dict(kernel=(2,)), (1, 2, 6)),
    (dict(kernel=(2, 2, 2)), (1, 1, 3, 3, 3)),
    (dict(kernel=(2, 2), layout="NHWC"), (1, 3, 4, 2)),
]


def stock_vjp(x, attrs, head):
    """J(x)^T head of max pooling, from the first-order kernel alone."""
    x = x.copy()
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Pooling(x, pool_type="max", **attrs)
    y.backward(mx.nd.array(head, dtype="float64"))
    return x.grad.asnumpy()


@pytest.mark.parametrize("attrs,shape", MAX_CONFIGS, ids=lambda c: str(c))
def test_max_routes_like_the_stock_kernel(attrs, shape):
    # f = sum(pool(x)^2): d/dx <df/dx, v> = 2 J^T (J v), with J the routing the
    # stock kernel applies; inputs in {0, 1, 2} make most windows tie.
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.randint(0, 3, shape), dtype="float64")
    v = rng.uniform(-1, 1, shape)
    y_shape = mx.nd.Pooling(x, pool_type="max", **attrs).shape
    jv = np.zeros(y_shape)
    for o in np.ndindex(*y_shape):
        one_hot = np.zeros(y_shape)
        one_hot[o] = 1
        jv[o] = (stock_vjp(x, attrs, one_hot) * v).sum()
    expected = stock_vjp(x, attrs, 2 * jv)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Pooling(x, pool_type="max", **attrs)
        (dx,) = mx.autograd.grad((y * y).sum(), [x], create_graph=True, retain_graph=True)
        second = (dx * mx.nd.array(v, dtype="float64")).sum()
    second.backward()
    assert np.array_equal(x.grad.asnumpy(), expected)


def test_same_convention_fails_in_stock_forward():
    # Why patches/nn_pool.toml excludes pooling_convention=same: stock 1.9.1's
    # shape inference reads pad[1] of the (1-D only) convention's 1-D pad.
    x = mx.nd.array(np.random.RandomState(1).uniform(size=(1, 1, 5)), dtype="float64")
    with pytest.raises(mx.base.MXNetError, match="index = 1 must be in range"):
        mx.nd.Pooling(
            x, kernel=(2,), stride=(2,), pool_type="max", pooling_convention="same"
        ).wait_to_read()
