"""Gradients of InstanceNorm, to order 3.

InstanceNorm computes in float32 only, so the cases cast around it: float64
finite differences of a float32 function need a wider step and tolerance.
InstanceNorm(x, gamma, beta) is also GroupNorm with one group per channel, so
its derivatives are compared, at a float32 tolerance, with those of GroupNorm
in float64 (which tests/nn/test_group_norm.py checks against finite differences).
"""

import mxnet as mx
import numpy as np
import pytest

from harness import Case, standard_tests
from mxnet_ho.test_utils import higher_order_grads

# Inputs (x, gamma, beta); gamma kept away from 0.
RANGES = dict(low=(-1.0, 0.5, -1.0), high=(1.0, 1.5, 1.0))
FLOAT32 = dict(eps=3e-3, rtol=1e-2, atol=1e-3)


def instance_norm(F, x, gamma, beta, **attrs):
    f32 = [F.cast(a, dtype="float32") for a in (x, gamma, beta)]
    y = F.cast(F.InstanceNorm(*f32, **attrs), dtype="float64")
    return y * F.sin(y)  # a nonlinear head, so every order has terms


def group_norm(F, x, gamma, beta, **attrs):
    y = F.GroupNorm(x, gamma, beta, num_groups=x.shape[1], **attrs)
    return y * F.sin(y)


def case(name, shape, constants=(), **attrs):
    return Case(
        name,
        lambda F, *a: instance_norm(F, *a, **attrs),
        [shape, shape[1:2], shape[1:2]],
        constants=constants,
        **RANGES,
        **FLOAT32,
        float32="the case computes InstanceNorm in float32 itself, casting around it",
    )


CASES = [
    case("3d", (2, 3, 3)),
    case("4d", (2, 2, 2, 2)),
    case("eps", (1, 2, 4), eps=0.1),
    case("constant_affine", (2, 2, 3), constants=(1, 2)),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


@pytest.mark.parametrize("shape,eps", [((2, 3, 3), 1e-3), ((2, 2, 2, 2), 0.1)])
def test_matches_group_norm(shape, eps):
    rng = np.random.RandomState(1)
    inputs = [
        mx.nd.array(rng.uniform(lo, hi, s), dtype="float64")
        for s, lo, hi in zip([shape, shape[1:2], shape[1:2]], RANGES["low"], RANGES["high"])
    ]
    rand = lambda a: mx.nd.array(rng.uniform(-1, 1, a.shape), dtype="float64")
    cotangent = rand(inputs[0])
    directions = [[rand(x) for x in inputs] for _ in range(2)]
    for k in (1, 2):  # the 2nd and 3rd derivatives, contracted
        ours = higher_order_grads(
            lambda *a: instance_norm(mx.nd, *a, eps=eps), inputs, k, cotangent, directions
        )
        reference = higher_order_grads(
            lambda *a: group_norm(mx.nd, *a, eps=eps), inputs, k, cotangent, directions
        )
        assert np.allclose(ours[0], reference[0], rtol=1e-4, atol=1e-5)
        for a, b in zip(ours[1], reference[1]):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
