"""Gradients of np.ediff1d to order 3: to_begin and to_end as arrays, numbers
or absent, x of one and two axes, composed with a nonlinear function."""

from harness import NpCase, numpy_mode, standard_tests

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing

CASES = [
    NpCase("plain", lambda np, x: np.sin(np.ediff1d(x)), [(5,)]),
    NpCase(
        "both_arrays",
        lambda np, x, b, e: np.sin(np.ediff1d(x, to_end=e, to_begin=b)) * 2.0,
        [(2, 3), (2,), (3,)],
    ),
    NpCase("begin_array_end_number", lambda np, x, b: np.ediff1d(x, 0.5, b) ** 3, [(4,), (2,)]),
    NpCase("end_array_begin_number", lambda np, x, e: np.ediff1d(x, e, -1.0) ** 3, [(4,), (1,)]),
    NpCase("numbers", lambda np, x: np.exp(np.ediff1d(x, to_end=2.0, to_begin=-1.0)), [(3, 2)]),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
