"""Gradients of sum, mean and broadcasting, to order 3."""

from harness import Case, standard_tests

CASES = [
    Case("sum_all", lambda F, x: F.sum(x**3), [(3, 4)]),
    Case("sum_axis", lambda F, x: F.sum(x**3, axis=1), [(3, 4)]),
    Case(
        "sum_negative_axis_keepdims",
        lambda F, x: F.sum(x**3, axis=-1, keepdims=True) ** 2,
        [(2, 3, 5)],
    ),
    Case("sum_axes_exclude", lambda F, x: F.sum(x**3, axis=(0, 2), exclude=True) ** 2, [(2, 3, 5)]),
    Case("sum_axis_alias", lambda F, x: F.sum_axis(x**2, axis=0) ** 2, [(3, 4)]),
    Case("mean_all", lambda F, x: F.mean(x**3), [(3, 4)]),
    Case("mean_axis_keepdims", lambda F, x: F.mean(x**3, axis=0, keepdims=True) ** 2, [(3, 4)]),
    Case("mean_exclude", lambda F, x: F.mean(x**3, axis=1, exclude=True) ** 2, [(2, 3, 5)]),
    Case("broadcast_like", lambda F, a, b: F.broadcast_like(a, b) ** 2 * b, [(3, 1), (3, 4)]),
    Case("broadcast_to", lambda F, a: F.broadcast_to(a, shape=(2, 3, 4)) ** 3, [(1, 3, 1)]),
    Case("broadcast_axis", lambda F, a: F.broadcast_axis(a, axis=1, size=4) ** 3, [(3, 1)]),
    Case("copy", lambda F, x: F._internal._copy(x) ** 3, [(3, 4)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
