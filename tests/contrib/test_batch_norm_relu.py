"""Gradients of _contrib_BatchNormWithReLU (through _backward_contrib_BatchNormWithReLU),
to order 3.

The op runs on MKL-DNN only (4-D, channel axis 1, float32): without it (as with
MXNET_MKLDNN_ENABLED=0) stock's kernels refuse to run, and this module is
skipped. Each case names a reference: relu(BatchNorm(x)), which runs in float64."""

import os

import pytest

from harness import Case, standard_tests

pytestmark = pytest.mark.skipif(
    os.environ.get("MXNET_MKLDNN_ENABLED", "1") == "0",
    reason="_contrib_BatchNormWithReLU has MKL-DNN kernels only",
)

# Inputs (x, gamma, beta, moving_mean, moving_var); the moving statistics are
# auxiliary states, passed as constants. beta > 0 keeps every ReLU side populated.
STATS = (3, 4)
RANGES = dict(low=(-1.0, 0.5, -0.5, -0.5, 0.5), high=(1.0, 1.5, 0.5, 0.5, 1.5))


def head(y):
    return y * (y * 0.5 + 1.0) * y


def case(name, shape, constants=STATS, **attrs):
    channels = shape[1]

    def fn(F, *inputs):
        return head(F.contrib.BatchNormWithReLU(*inputs, **attrs))

    def reference(F, *inputs):
        return head(F.relu(F.BatchNorm(*inputs, **attrs)))

    return Case(
        name,
        fn,
        [shape] + [(channels,)] * 4,
        constants=constants,
        reference=reference,
        **RANGES,
    )


CASES = [
    case("train", (2, 3, 2, 3), fix_gamma=False),
    case("train_fix_gamma", (3, 2, 2, 2)),
    case("train_eps", (2, 2, 3, 2), fix_gamma=False, eps=0.1),
    case("global", (2, 3, 2, 2), fix_gamma=False, use_global_stats=True),
    case("global_fix_gamma", (2, 2, 3, 1), use_global_stats=True),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
