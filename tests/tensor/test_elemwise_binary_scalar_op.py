"""Gradients of tensor-scalar arithmetic and smooth_l1, to order 3."""

from harness import Case, standard_tests

POS = (0.5, 2.0)

CASES = [
    Case("plus_scalar", lambda F, x: (x + 1.5) ** 3, [(3, 4)]),
    Case("minus_scalar", lambda F, x: (x - 1.5) ** 3, [(3, 4)]),
    Case("rminus_scalar", lambda F, x: (1.5 - x) ** 3, [(3, 4)]),
    Case("mul_scalar", lambda F, x: (x * 2.5) ** 3, [(3, 4)]),
    Case("div_scalar", lambda F, x: (x / 2.5) ** 3, [(3, 4)]),
    Case("rdiv_scalar", lambda F, x: 2.5 / x, [(3, 4)], *POS),
    Case("power_scalar", lambda F, x: x**3.5, [(2, 5)], *POS),
    Case("power_scalar_int", lambda F, x: x**4, [(7,)]),
    Case("power_scalar_one", lambda F, x: (x**1) * x, [(7,)]),
    Case("rpower_scalar", lambda F, x: 2.5**x, [(2, 5)]),
    Case("maximum_scalar", lambda F, x: F._internal._maximum_scalar(x, scalar=0.1) ** 2, [(9,)]),
    Case("minimum_scalar", lambda F, x: F._internal._minimum_scalar(x, scalar=0.1) ** 2, [(9,)]),
    Case("hypot_scalar", lambda F, x: F._internal._hypot_scalar(x, scalar=1.5), [(3, 4)]),
    Case("smooth_l1", lambda F, x: F.smooth_l1(x, scalar=1.3) * x, [(4, 5)], -1.5, 1.5),
    Case(
        "mod_scalar", lambda F, x: F._internal._mod_scalar(x, scalar=0.7) * x**2, [(6,)], 0.1, 0.6
    ),
    Case(
        "rmod_scalar", lambda F, x: F._internal._rmod_scalar(x, scalar=2.5) * x**2, [(6,)], 1.1, 1.2
    ),
    Case("negative", lambda F, x: F.negative(x) ** 3, [(3, 4)]),
    Case("exp", lambda F, x: F.exp(x) * x, [(3, 4)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_square_third_order_at_zero_is_zero():
    # d3/dx3 x**2 = 0 everywhere, including x = 0 (a rule writing x^(p-2) as
    # _power_scalar(x, 0) would give 0 * 0^-1 = NaN there at the next order).
    import mxnet as mx
    import numpy as np

    x = mx.nd.array([0.0, 1.5, -2.0], dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        (g1,) = mx.autograd.grad((x**2).sum(), [x], create_graph=True, retain_graph=True)
        (g2,) = mx.autograd.grad(g1.sum(), [x], create_graph=True, retain_graph=True)
        (g3,) = mx.autograd.grad((g2 * x).sum(), [x], create_graph=True, retain_graph=True)
    assert np.array_equal(g2.asnumpy(), [2.0, 2.0, 2.0])
    assert np.array_equal(g3.asnumpy(), [2.0, 2.0, 2.0])
