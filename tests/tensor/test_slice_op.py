"""Gradients of slice, slice_axis, slice_like and clip, to order 3."""

from harness import Case, standard_tests

CASES = [
    Case("slice", lambda F, x: F.slice(x, begin=(0, 1), end=(2, None)) ** 3, [(3, 5)]),
    Case(
        "slice_step",
        lambda F, x: F.slice(x, begin=(None, 0, 1), end=(None, 3, None), step=(1, 2, 2)) ** 3,
        [(2, 4, 5)],
    ),
    Case(
        "slice_negative_step",
        lambda F, x: F.slice(x, begin=(None, 4), end=(None, 0), step=(2, -3)) ** 3,
        [(3, 5)],
    ),
    Case("slice_axis", lambda F, x: F.slice_axis(x, axis=1, begin=1, end=-1) ** 3, [(2, 5, 3)]),
    Case(
        "slice_axis_negative",
        lambda F, x: F.slice_axis(x, axis=-1, begin=-2, end=None) ** 3,
        [(3, 4)],
    ),
    Case(
        "slice_like",
        lambda F, x, like: F.slice_like(x, like) ** 3,
        [(4, 5), (2, 3)],
        constants=(1,),
    ),
    Case(
        "slice_like_axes",
        lambda F, x, like: F.slice_like(x, like, axes=(0, -1)) ** 3,
        [(3, 4, 5), (2, 1, 3)],
        constants=(1,),
    ),
    # Bounds well inside (-1, 1), away from every drawn value: clip's kinks.
    Case("clip", lambda F, x: F.clip(x, -0.45, 0.55) ** 3, [(4, 5)]),
    Case("clip_product", lambda F, x, y: F.clip(x * y, -0.3, 0.2) * x, [(3, 4), (3, 4)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
