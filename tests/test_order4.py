"""Order 4 on a sample of every family: check_higher_order_grad's order-4 run
also checks orders 1 to 3, each against finite differences of the one below.
(Each family's own module checks orders 2 and 3 on every op and attribute.)"""

import pytest

from harness import Case, check_orders

POS = dict(low=0.5, high=1.5)


def case(name, fn, shapes, **kw):
    return Case(name, fn, shapes, orders=(4,), **kw)


CASES = [
    # elementwise and broadcast arithmetic, scalar forms
    case(
        "broadcast_mul_div",
        lambda F, a, b: F.broadcast_div(F.broadcast_mul(a, b), b + 3),
        [(2, 3), (1, 3)],
    ),
    case("power", lambda F, a, b: F.broadcast_power(a, b), [(2, 2), (2, 1)], **POS),
    case("rpower_scalar", lambda F, a: 2.0**a * a, [(3,)]),
    # unary math
    case("tanh_sigmoid_erf", lambda F, x: F.tanh(x) * F.sigmoid(x) + F.erf(x), [(3,)]),
    case("log_sqrt", lambda F, x: F.log(x) * F.sqrt(x), [(2, 2)], **POS),
    # reductions
    case("sum_mean_axis", lambda F, x: F.sum(x, axis=1) * F.mean(x, axis=1), [(2, 3)]),
    case("prod_norm", lambda F, x: F.prod(x, axis=0) * F.norm(x, axis=0), [(3, 2)], **POS),
    case("max", lambda F, x: F.max(F.sin(x), axis=-1) ** 2, [(2, 3)]),
    # linear algebra
    case("dot_transpose", lambda F, a, b: F.sin(F.dot(a, b, transpose_b=True)), [(2, 3), (2, 3)]),
    case("batch_dot", lambda F, a, b: F.batch_dot(a, b) ** 2, [(2, 2, 3), (2, 3, 2)]),
    case("linalg_gemm2", lambda F, a, b: F.linalg.gemm2(a, b, alpha=0.5) ** 2, [(2, 3), (3, 2)]),
    # shape and indexing
    case(
        "reshape_transpose_slice",
        lambda F, x: (
            F.slice_axis(F.transpose(F.reshape(x, shape=(3, 2))), axis=1, begin=1, end=3) ** 3
        ),
        [(2, 3)],
    ),
    case(
        "concat_where_clip",
        lambda F, a, b: F.where(a > b, F.concat(a, b, dim=0)[:2], F.clip(a * b, -0.5, 0.5)) ** 2,
        [(2, 3), (2, 3)],
    ),
    # nn
    case(
        "dense_tanh",
        lambda F, x, w, b: F.Activation(F.FullyConnected(x, w, b, num_hidden=2), act_type="tanh"),
        [(2, 3), (2, 3), (2,)],
    ),
    case(
        "conv_avgpool",
        lambda F, x, w: (
            F.Pooling(
                F.Convolution(x, w, kernel=(2, 2), num_filter=2, no_bias=True),
                kernel=(2, 2),
                pool_type="avg",
            )
            ** 2
        ),
        [(1, 1, 4, 4), (2, 1, 2, 2)],
    ),
    case("softmax_log_softmax", lambda F, x: F.softmax(x) * F.log_softmax(x, axis=0), [(2, 3)]),
    case(
        "batch_norm_train",
        lambda F, x, g, b: (
            F.BatchNorm(x, g, b, F.zeros_like(g), F.ones_like(g), fix_gamma=False) ** 2 * x
        ),
        [(4, 2), (2,), (2,)],
    ),
    case(
        "layer_norm_elu",
        lambda F, x, g, b: F.LeakyReLU(F.LayerNorm(x, g, b), act_type="elu"),
        [(2, 3), (3,), (3,)],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_fourth_order(case):
    check_orders(case)
