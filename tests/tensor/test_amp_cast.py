"""Gradients of amp_cast and amp_multicast, the casts of mixed precision, to
order 3. In float64 (the higher-order checks) both pass their inputs through.
Stock MXNet 1.9.1 fails on float64 with MKL-DNN on ("unknown type for MKLDNN"):
there the standard checks are skipped, and the derivatives are checked in
float32 against those of the same function without the casts (or with Cast)."""

import numpy as np
import pytest

import mxnet as mx

from harness import MKLDNN_ENABLED, Case, check_like_reference, standard_tests

HALF = "casts to float16: its rounding is far above float32's tolerance"


def multicast(F, a, b, **kwargs):
    outs = F.amp_multicast(a, b, num_outputs=2, **kwargs)
    return outs[0], outs[1]


def multicast_product(F, a, b, **kwargs):
    u, v = multicast(F, F.sin(a), b * b, **kwargs)
    return u * v * a


CASES = [
    Case("cast_float32", lambda F, x: F.sin(F.amp_cast(x * x, dtype="float32")) * x, [(3, 4)]),
    Case(
        "cast_float16",
        lambda F, x: F.exp(F.amp_cast(F.tanh(x), dtype="float16")) * x,
        [(2, 3)],
        float32=HALF,
    ),
    Case("multicast", lambda F, a, b: multicast_product(F, a, b), [(3, 2), (3, 2)]),
    Case(
        "multicast_narrow",
        lambda F, a, b: multicast_product(F, a, b, cast_narrow=True),
        [(2, 3), (2, 3)],
    ),
    # one output unused: its head is zero
    Case("multicast_one_used", lambda F, a, b: multicast(F, a * a, b)[0] ** 3, [(4,), (4,)]),
]


_standard = standard_tests(__file__, CASES)
_float64_fails = pytest.mark.skipif(
    MKLDNN_ENABLED, reason="stock amp casts fail on float64 with MKL-DNN on"
)
test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = (
    _float64_fails(test) for test in _standard
)


@pytest.mark.parametrize(
    "fn, reference, shapes",
    [
        (
            lambda x: mx.nd.sin(mx.nd.amp_cast(x * x, dtype="float32")) * x,
            lambda x: mx.nd.sin(mx.nd.Cast(x * x, dtype="float32")) * x,
            [(3, 4)],
        ),
        (
            lambda a, b: multicast_product(mx.nd, a, b),
            lambda a, b: mx.nd.sin(a) * b * b * a,
            [(3, 2), (3, 2)],
        ),
    ],
    ids=["cast", "multicast"],
)
def test_float32_like_reference(fn, reference, shapes):
    rng = np.random.RandomState(0)
    check_like_reference(fn, reference, [rng.uniform(-1, 1, s) for s in shapes])
