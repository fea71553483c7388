"""Gradients of _contrib_gradientmultiplier (the identity, its gradient scaled by
`scalar`), to order 3, composed with nonlinear functions. Its
gradient is not its output's derivative: order 1 is not checked against
differences of the output; orders 2 and 3 are (the differences of the order
below)."""

from harness import Case, standard_tests

SCALED = "its gradient is scaled by `scalar`: not the derivative of its output"


def multiplied(F, x, scalar):
    return F.contrib.gradientmultiplier(x, scalar=scalar)


# The multiplier scales its gradient in every pass, higher ones too: its output
# enters each case linearly, so that the orders above it are the derivatives of
# the (scaled) order below.
CASES = [
    Case("scaled", lambda F, x: multiplied(F, F.sin(x) * x, 2.5), [(3, 4)], first_order=SCALED),
    Case(
        "negative",
        lambda F, x: multiplied(F, F.exp(x) * x, -1.0) + x * x * x,
        [(2, 3, 2)],
        first_order=SCALED,
    ),
    Case(
        "zero", lambda F, x: multiplied(F, x * x * x, 0.0) + x * x * x, [(5,)], first_order=SCALED
    ),
    Case(
        "twice",
        lambda F, x: multiplied(F, multiplied(F, F.tanh(x) * x, 0.5) * 3.0, 3.0),
        [(2, 3)],
        first_order=SCALED,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
