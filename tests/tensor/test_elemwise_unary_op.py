"""Gradients of unary elementwise math (basic, exp/log, powers, trig), to order 3.

Each case multiplies f(x) by x, so the head gradient reaching f's backward op
depends on x and every part of the rule (d/dg and d/du) is exercised.
"""

import math

import numpy as np
import pytest

import mxnet as mx
from harness import Case, standard_tests


def times_x(f):
    """x * f(x), as a function of (F, x)."""
    return lambda F, x: x * f(F)(x)


def unary(name, low=-1.0, high=1.0, shape=(2, 3), **kwargs):
    return Case(name, times_x(lambda F: getattr(F, name)), [shape], low, high, **kwargs)


# The stock first derivatives of gamma and gammaln use psi(x) from cephes with
# single-precision coefficients, accurate to ~1e-7 (absolute) point by point, so
# finite differences of them need a wider step and an absolute tolerance.
# test_gamma*_at_known_values check the same rules to 1e-10 against closed forms.
PSI_NOISE = dict(eps=3e-3, rtol=2e-4, atol=3e-5)

CASES = [
    # basic
    unary("relu", shape=(7,)),
    unary("sigmoid"),
    Case("hard_sigmoid", lambda F, x: x * F.hard_sigmoid(x), [(9,)], -4.0, 4.0),
    Case(
        "hard_sigmoid_attrs",
        lambda F, x: x * F.hard_sigmoid(x, alpha=0.5, beta=0.3),
        [(9,)],
        -1.0,
        2.0,
    ),
    unary("softsign", shape=(5,)),
    unary("abs", shape=(5,)),
    unary("sign", shape=(5,)),
    unary("erf"),
    unary("erfinv", -0.9, 0.9),
    Case("gamma", times_x(lambda F: F.gamma), [(5,)], 0.5, 3.0, **PSI_NOISE),
    Case("gamma_negative", times_x(lambda F: F.gamma), [(3,)], -0.9, -0.1, **PSI_NOISE),
    Case("gammaln", times_x(lambda F: F.gammaln), [(5,)], 0.5, 3.0, **PSI_NOISE),
    Case("gammaln_negative", times_x(lambda F: F.gammaln), [(3,)], -0.9, -0.1, **PSI_NOISE),
    # exp and log
    unary("exp"),
    unary("log", 0.5, 2.0),
    unary("log10", 0.5, 2.0),
    unary("log2", 0.5, 2.0),
    unary("log1p", -0.5, 1.0),
    unary("expm1"),
    # powers
    unary("reciprocal", 0.5, 2.0),
    Case("reciprocal_negative", times_x(lambda F: F.reciprocal), [(3,)], -2.0, -0.5),
    unary("square"),
    unary("sqrt", 0.5, 2.0),
    unary("rsqrt", 0.5, 2.0),
    unary("cbrt", 0.5, 2.0),
    Case("cbrt_negative", times_x(lambda F: F.cbrt), [(3,)], -2.0, -0.5),
    unary("rcbrt", 0.5, 2.0),
    Case("rcbrt_negative", times_x(lambda F: F.rcbrt), [(3,)], -2.0, -0.5),
    # trigonometric
    unary("sin"),
    unary("cos"),
    unary("tan"),
    unary("arcsin", -0.8, 0.8),
    unary("arccos", -0.8, 0.8),
    unary("arctan"),
    unary("degrees"),
    unary("radians"),
    # hyperbolic
    unary("sinh"),
    unary("cosh"),
    unary("tanh"),
    unary("arcsinh"),
    unary("arccosh", 1.2, 2.0),
    unary("arctanh", -0.8, 0.8),
    # compositions: outputs (y) of one op feeding the next
    Case("sqrt_sigmoid_tan", lambda F, x: F.sqrt(F.sigmoid(x)) * F.tan(F.tanh(x)), [(2, 3)]),
    Case("cbrt_of_sin", lambda F, x: F.cbrt(F.sin(x) + 2.0) * F.arcsinh(x), [(4,)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


# --- a head gradient that is exactly zero ------------------------------------------
#
# L = sum(x * f(x + a)): f's backward op receives the head g = x, exactly 0 at
# x = 0. Then d2L/dx2 = 2 f'(x+a) + x f''(x+a), finite everywhere. MXNet's own
# rules for these ops recover f' as (its output)/g, which is 0/0 there.


def _sech2(t):
    return 1.0 / np.cosh(t) ** 2


def _sig(t):
    return 1.0 / (1.0 + np.exp(-t))


# name, shift a, f', f''
ZERO_HEAD = [
    (
        "sigmoid",
        0.0,
        lambda t: _sig(t) * (1 - _sig(t)),
        lambda t: _sig(t) * (1 - _sig(t)) * (1 - 2 * _sig(t)),
    ),
    ("tan", 0.0, lambda t: 1 + np.tan(t) ** 2, lambda t: 2 * np.tan(t) * (1 + np.tan(t) ** 2)),
    ("tanh", 0.0, _sech2, lambda t: -2 * np.tanh(t) * _sech2(t)),
    ("abs", 1.0, np.sign, lambda t: np.zeros_like(t)),
    ("sqrt", 1.0, lambda t: 0.5 * t**-0.5, lambda t: -0.25 * t**-1.5),
    ("cbrt", 1.0, lambda t: t ** (-2.0 / 3) / 3, lambda t: -2.0 / 9 * t ** (-5.0 / 3)),
]


@pytest.mark.parametrize("name,shift,d1,d2", ZERO_HEAD, ids=[z[0] for z in ZERO_HEAD])
def test_zero_head_gradient(name, shift, d1, d2):
    x_np = np.array([-0.3, 0.0, 0.4])
    x = mx.nd.array(x_np, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = (x * getattr(mx.nd, name)(x + shift)).sum()
        (dx,) = mx.autograd.grad(y, [x], create_graph=True, retain_graph=True)
        z = dx.sum()
    z.backward()
    t = x_np + shift
    expected = 2 * d1(t) + x_np * d2(t)
    second = x.grad.asnumpy()
    assert np.all(np.isfinite(second)), second
    np.testing.assert_allclose(second, expected, rtol=1e-12, atol=1e-14)


def nth_derivative(f, x_np, order):
    """d^n/dx^n sum(f(x)) by repeated autograd, elementwise."""
    x = mx.nd.array(x_np, dtype="float64")
    x.attach_grad()
    with mx.autograd.record():
        y = f(x).sum()
        for _ in range(order - 1):
            (y,) = mx.autograd.grad(y, [x], create_graph=True, retain_graph=True)
            y = y.sum()
    y.backward()
    return x.grad.asnumpy()


def test_arcsinh_second_derivative_sign():
    # arcsinh''(x) = -x / (1 + x^2)^(3/2):  -0.35777... at 0.5
    expected = -0.5 / (1 + 0.5**2) ** 1.5
    assert abs(expected + 0.358) < 1e-3
    got = nth_derivative(mx.nd.arcsinh, np.array([0.5]), 2)
    np.testing.assert_allclose(got, [expected], rtol=1e-12)


ZETA3 = 1.2020569031595942  # Apery's constant
EULER = 0.5772156649015329  # Euler-Mascheroni constant
CATALAN = 0.915965594177219


def test_gammaln_at_known_values():
    # gammaln'' = psi', gammaln''' = psi''
    x = np.array([1.0, 2.0, 0.5, 1.5, 0.25, -0.5])
    pi2 = math.pi**2
    trigamma = [pi2 / 6, pi2 / 6 - 1, pi2 / 2, pi2 / 2 - 4, pi2 + 8 * CATALAN, pi2 / 2 + 4]
    np.testing.assert_allclose(nth_derivative(mx.nd.gammaln, x, 2), trigamma, rtol=1e-11)
    tetragamma = [-2 * ZETA3, 2 - 2 * ZETA3, -14 * ZETA3]
    np.testing.assert_allclose(nth_derivative(mx.nd.gammaln, x[:3], 3), tetragamma, rtol=1e-10)


def test_gamma_at_known_values():
    # Gamma''(1) = g^2 + pi^2/6;  Gamma'''(1) = -(g^3 + g pi^2/2 + 2 zeta(3))
    g, pi2 = EULER, math.pi**2
    np.testing.assert_allclose(
        nth_derivative(mx.nd.gamma, np.array([1.0]), 2), [g**2 + pi2 / 6], rtol=1e-10
    )
    np.testing.assert_allclose(
        nth_derivative(mx.nd.gamma, np.array([1.0]), 3),
        [-(g**3 + g * pi2 / 2 + 2 * ZETA3)],
        rtol=1e-10,
    )
