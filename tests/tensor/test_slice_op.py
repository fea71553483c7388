"""Gradients of slice, slice_axis, slice_like and clip, and of assigning into a
slice (_slice_assign, _slice_assign_scalar and their _crop_ aliases), to order 3."""

from harness import Case, check_stock_lacks_gradient, standard_tests

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


def _assign(F, lhs, rhs, **slc):
    return F._internal._slice_assign(lhs, rhs, **slc)


# Assigning into a slice (stock MXNet has no gradient for these: order 1 is
# checked against central differences of the function, not against stock).
# lhs and rhs enter nonlinearly and the result is cubed, so that every order
# has terms through both the kept part of lhs and the assigned slice.
ASSIGN_CASES = [
    Case(
        "slice_assign",
        lambda F, x, r: (
            _assign(
                F,
                F.sin(x),
                r * F.slice(x, begin=(0, 1), end=(2, None)),
                begin=(0, 1),
                end=(2, None),
            )
            ** 3
        ),
        [(3, 5), (2, 4)],
    ),
    Case(
        "slice_assign_negative_step",
        lambda F, x, r: (
            _assign(F, x * x, F.exp(r), begin=(None, 4), end=(None, 0), step=(2, -3)) ** 3
        ),
        [(3, 5), (2, 2)],
    ),
    Case(
        "crop_assign_3d_step",
        lambda F, x, r: (
            F._internal._crop_assign(
                F.tanh(x), r * r, begin=(None, 0, 1), end=(None, 3, None), step=(1, 2, 2)
            )
            ** 3
        ),
        [(2, 4, 5), (2, 2, 2)],
    ),
    Case(
        "slice_assign_scalar",
        lambda F, x: (
            F._internal._slice_assign_scalar(F.sin(x), scalar=0.5, begin=(1, None), end=(None, -1))
            ** 3
            * x
        ),
        [(3, 4)],
    ),
    Case(
        "crop_assign_scalar_negative_step_3d",
        lambda F, x: (
            F._internal._crop_assign_scalar(
                x * x, scalar=-2.0, begin=(None, 3, -1), end=(None, 0, None), step=(None, -2, -2)
            )
            ** 3
        ),
        [(2, 4, 5)],
    ),
]

FIRST_ORDER_CASES = CASES
STOCKLESS_CASES = ASSIGN_CASES
CASES = FIRST_ORDER_CASES + ASSIGN_CASES


def test_stock_lacks_gradient():
    check_stock_lacks_gradient(__file__, STOCKLESS_CASES)


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES, FIRST_ORDER_CASES
)
