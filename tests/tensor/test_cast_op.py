"""Gradients of Cast / cast, to order 3."""

from harness import Case, standard_tests

CASTS = "the case casts to float64 itself (cast_float32 covers float32 arithmetic)"

CASES = [
    Case("cast", lambda F, x: F.cast(x, dtype="float64") ** 3, [(3, 4)], float32=CASTS),
    Case(
        "Cast_product",
        lambda F, x, y: F.Cast(x * y, dtype="float64") * x,
        [(5,), (5,)],
        float32=CASTS,
    ),
    # Through float32 and back: every derivative is rounded to float32 on the
    # way, so finite differences need a wider step and tolerance; a product of
    # degree 2 leaves the wider step no truncation error at any order.
    Case(
        "cast_float32",
        lambda F, x, y: F.cast(
            F.cast(x, dtype="float32") * F.cast(y, dtype="float32"), dtype="float64"
        ),
        [(2, 3), (2, 3)],
        eps=1e-2,
        rtol=1e-4,
        atol=1e-5,
        float32=CASTS,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
