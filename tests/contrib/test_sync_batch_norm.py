"""Gradients of _contrib_SyncBatchNorm (through _backward__contrib_SyncBatchNorm), to order 3.

On one device (ndev=1), and with use_global_stats on any number, it is BatchNorm;
with ndev > 1 and batch statistics a higher order is refused by name.

SyncBatchNorm reads every array as float32 (whatever its dtype), so each case
runs it in float32 and names a reference: the same function with BatchNorm over
axis 1, which runs in float64 (see harness.py)."""

import mxnet as mx
import pytest

from harness import Case, standard_tests

# Inputs (x, gamma, beta, moving_mean, moving_var); the moving statistics are
# auxiliary states, passed as constants.
STATS = (3, 4)
RANGES = dict(low=(-1.0, 0.5, -1.0, -0.5, 0.5), high=(1.0, 1.5, 1.0, 0.5, 1.5))


def head(y):
    # nonlinear, so that every order has something to differentiate
    return y * (y * 0.5 + 1.0) * y


def case(name, shape, constants=STATS, **attrs):
    channels = shape[1]

    def fn(F, *inputs):
        return head(F.contrib.SyncBatchNorm(*inputs, key=name, **attrs))

    def reference(F, *inputs):
        same = {k: v for k, v in attrs.items() if k != "ndev"}
        return head(F.BatchNorm(*inputs, axis=1, **same))

    return Case(
        name,
        fn,
        [shape] + [(channels,)] * 4,
        constants=constants,
        reference=reference,
        **RANGES,
    )


CASES = [
    case("train", (4, 3), fix_gamma=False),
    case("train_4d", (2, 3, 2, 2), fix_gamma=False),
    case("train_fix_gamma", (3, 2, 3)),
    case("train_eps", (2, 3, 1, 2), fix_gamma=False, eps=0.1),
    case("global", (3, 2, 3, 1), fix_gamma=False, use_global_stats=True),
    case("global_fix_gamma", (3, 3, 2, 1), use_global_stats=True),
    # gamma and beta constant: no heads reach ggamma and gbeta
    case("train_constant_affine", (3, 2), fix_gamma=False, constants=(1, 2) + STATS),
    # moving statistics exchange nothing between devices
    case("global_ndev2", (2, 3, 1, 2), fix_gamma=False, use_global_stats=True, ndev=2),
]


def test_ndev2_batch_statistics_refused_by_name():
    # predict mode, so that no kernel waits for a second device
    x = mx.nd.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0]])
    gamma, beta = mx.nd.ones((2,)), mx.nd.zeros((2,))
    mean, var = mx.nd.zeros((2,)), mx.nd.ones((2,))
    x.attach_grad()
    with mx.autograd.record(train_mode=False):
        y = mx.nd.contrib.SyncBatchNorm(x, gamma, beta, mean, var, key="refused", ndev=2)
        (dx,) = mx.autograd.grad((y * y).sum(), [x], create_graph=True, train_mode=False)
        z = (dx * dx).sum()
    with pytest.raises(mx.MXNetError, match="SyncBatchNorm with ndev > 1"):
        z.backward(train_mode=False)
        mx.nd.waitall()


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
