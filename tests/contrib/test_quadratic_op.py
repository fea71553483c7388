"""Gradients of _contrib_quadratic, a*x^2 + b*x + c, to order 3."""

from harness import Case, standard_tests


def quadratic(F, x, **abc):
    return F.contrib.quadratic(x, **abc)


CASES = [
    Case("abc", lambda F, x: quadratic(F, x, a=1.5, b=-0.5, c=2.0) * F.sin(x), [(3, 4)]),
    Case("a_only", lambda F, x: F.exp(quadratic(F, F.tanh(x), a=-0.7)), [(2, 3, 2)]),
    Case("b_only", lambda F, x: quadratic(F, x * x, b=2.0) ** 3, [(5,)]),
    Case("nested", lambda F, x: quadratic(F, quadratic(F, x, a=0.3, b=1.0), a=2.0, c=1.0), [(3,)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
