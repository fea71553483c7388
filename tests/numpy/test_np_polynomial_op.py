"""Gradients of np.polyval to order 3, in the coefficients and the points (or
one of them): a cubic, a quadratic and a line, x of one and two axes, composed with a nonlinear
function so that the higher derivatives in p are not zero."""

from harness import NpCase, numpy_mode, standard_tests

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing

CASES = [
    NpCase("cubic", lambda np, p, x: np.sin(np.polyval(p, x)), [(4,), (5,)]),
    NpCase("quadratic_matrix", lambda np, p, x: np.polyval(p, x) ** 2, [(3,), (2, 3)]),
    NpCase("linear_squared_points", lambda np, p, x: np.tanh(np.polyval(p, x * x)), [(2,), (4,)]),
    # one side constant: stock's kernel asked for gx alone (or gp alone)
    NpCase(
        "constant_coefficients",
        lambda np, p, x: np.sin(np.polyval(p, x)),
        [(4,), (3,)],
        constants=(0,),
    ),
    NpCase(
        "constant_points", lambda np, p, x: np.polyval(p, x) ** 3, [(3,), (2, 2)], constants=(1,)
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
