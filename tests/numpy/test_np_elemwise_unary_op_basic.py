"""Gradients of np.nan_to_num (mx.np), to order 3: on finite inputs it is the
identity, its gradient g*[x finite]."""

from harness import NpCase, numpy_mode, standard_tests

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing

CASES = [
    NpCase("nan_to_num", lambda np, x: np.sin(np.nan_to_num(x * x)) * x, [(3, 4)]),
    NpCase(
        "nan_to_num_values",
        lambda np, x: np.nan_to_num(np.tanh(x), nan=1.0, posinf=2.0, neginf=-2.0) ** 3,
        [(2, 3, 2)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
