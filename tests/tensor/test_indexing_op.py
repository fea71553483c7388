"""Gradients of take, pick, gather_nd and scatter_nd, to order 3.

Indices are constants drawn as whole numbers; out-of-range and negative ones
exercise the clip and wrap modes, and repeated ones the accumulation.
"""

from harness import Case, standard_tests

IDX = dict(integers=(1,), constants=(1,))

CASES = [
    Case("take_clip", lambda F, a, i: F.take(a, i) ** 3, [(4, 3), (5,)], (-1, -3), (1, 7), **IDX),
    Case(
        "take_wrap_axis1",
        lambda F, a, i: F.take(a, i, axis=1, mode="wrap") ** 3,
        [(2, 3, 2), (2, 3)],
        (-1, -5),
        (1, 8),
        **IDX,
    ),
    Case(
        "take_clip_axis_negative",
        lambda F, a, i: F.take(a, i, axis=-1, mode="clip") ** 3,
        [(3, 5), (4,)],
        (-1, -2),
        (1, 8),
        **IDX,
    ),
    Case(
        "take_raise",
        lambda F, a, i: F.take(a, i, axis=0, mode="raise") ** 3,
        [(5, 2), (2, 3)],
        (-1, 0),
        (1, 5),
        **IDX,
    ),
    Case("pick", lambda F, x, i: F.pick(x, i) ** 3, [(3, 4), (3,)], (-1, 0), (1, 4), **IDX),
    Case(
        "pick_clip_axis0_keepdims",
        lambda F, x, i: F.pick(x, i, axis=0, keepdims=True) ** 3,
        [(3, 4, 2), (4, 2)],
        (-1, -2),
        (1, 6),
        **IDX,
    ),
    Case(
        "pick_wrap",
        lambda F, x, i: F.pick(x, i, axis=1, mode="wrap") ** 3,
        [(2, 3, 2), (2, 1, 2)],
        (-1, -5),
        (1, 7),
        **IDX,
    ),
    Case(
        "gather_nd",
        lambda F, x, i: F.gather_nd(x, i) ** 3,
        [(3, 4), (2, 5)],
        (-1, 0),
        (1, 3),
        **IDX,
    ),
    # seed 0 draws the distinct positions (1, 0), (1, 2), (2, 0): scatter_nd
    # with repeated positions keeps an unspecified one.
    Case(
        "scatter_nd",
        lambda F, x, i: F.scatter_nd(x, i, shape=(3, 4)) ** 3,
        [(3,), (2, 3)],
        (-1, 0),
        (1, 3),
        **IDX,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
