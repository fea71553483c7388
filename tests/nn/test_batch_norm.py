"""Gradients of BatchNorm, training (batch statistics) and global statistics, to order 3."""

import pytest

from harness import Case, check_first_order_identical, check_hybridized, check_orders

# Inputs (x, gamma, beta, moving_mean, moving_var); the moving statistics are
# auxiliary states, passed as constants.
STATS = (3, 4)
RANGES = dict(low=(-1.0, 0.5, -1.0, -0.5, 0.5), high=(1.0, 1.5, 1.0, 0.5, 1.5))


def bn(F, x, gamma, beta, mm, mv, **attrs):
    # A nonlinear head so that every order has something to differentiate.
    y = F.BatchNorm(x, gamma, beta, mm, mv, **attrs)
    return y * F.sin(y)


def bn_float32(F, *inputs, **attrs):
    # float32 runs the MKL-DNN kernels where they are enabled (float64 never does).
    y = F.BatchNorm(*[F.cast(a, dtype="float32") for a in inputs], **attrs)
    y = F.cast(y, dtype="float64")
    return y * F.sin(y)


def case(name, shape, channels, fn=bn, constants=STATS, tolerances=None, hybridize=True, **attrs):
    return Case(
        name,
        lambda F, *a: fn(F, *a, **attrs),
        [shape, (channels,), (channels,), (channels,), (channels,)],
        constants=constants,
        hybridize=hybridize,
        **RANGES,
        **(tolerances or {}),
    )


# float64 finite differences of a float32 function need a wider step and tolerance.
# Imperative only: a symbol cannot cast the moving statistics, which BatchNorm mutates.
FLOAT32 = dict(tolerances=dict(eps=3e-3, rtol=1e-2, atol=1e-3), hybridize=False)


CASES = [
    case("train", (4, 3), 3, fix_gamma=False),
    case("train_fix_gamma", (3, 2, 3), 2),
    case("train_eps", (2, 3, 2), 3, fix_gamma=False, eps=0.1),
    case("train_axis_last", (3, 2, 2), 2, fix_gamma=False, axis=-1),
    case("train_axis_0", (3, 2, 3), 3, fix_gamma=False, axis=0),
    case("train_axis_2_4d", (2, 1, 3, 2), 3, fix_gamma=False, axis=2),
    case("global", (3, 2, 3), 2, fix_gamma=False, use_global_stats=True),
    case("global_fix_gamma", (3, 3), 3, use_global_stats=True),
    case("global_axis_neg", (2, 3, 2), 3, fix_gamma=False, use_global_stats=True, axis=-2),
    # gamma and beta constant: no heads reach ggamma and gbeta
    case("train_constant_affine", (3, 2), 2, fix_gamma=False, constants=(1, 2) + STATS),
    case(
        "global_constant_affine",
        (3, 2),
        2,
        fix_gamma=False,
        use_global_stats=True,
        constants=(1, 2) + STATS,
    ),
    case("train_float32", (2, 3, 2, 2), 3, fn=bn_float32, **FLOAT32, fix_gamma=False),
    case(
        "global_float32",
        (2, 3, 2, 2),
        3,
        fn=bn_float32,
        **FLOAT32,
        fix_gamma=False,
        use_global_stats=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_higher_order(case):
    check_orders(case)


@pytest.mark.parametrize("case", [c for c in CASES if c.hybridize], ids=repr)
def test_hybridized(case):
    check_hybridized(case)


def test_first_order_bit_identical():
    check_first_order_identical(__file__, CASES)
