"""Gradients of _contrib_BilinearResize2D in every mode, to order 3.

The resize is linear in x, so each case puts it between nonlinear functions.
Each mode is checked with and without align_corners, up and down, on odd sizes;
in mode like the second input only gives the size (its gradient is zero)."""

from harness import Case, standard_tests


def cube(y):
    return y * y * y


def resized(**attrs):
    def fn(F, x, *like):
        return cube(F.contrib.BilinearResize2D(F.sin(x), *like, **attrs))

    return fn


def both_corners(name, shapes, constants=(), **attrs):
    """The case with align_corners on (MXNet's default) and off."""
    return [
        Case(
            "%s_%s" % (name, "aligned" if aligned else "unaligned"),
            resized(align_corners=aligned, **attrs),
            shapes,
            constants=constants,
        )
        for aligned in (True, False)
    ]


CASES = [
    *both_corners("size_up", [(1, 2, 3, 4)], height=5, width=7),
    *both_corners("size_down", [(2, 1, 5, 7)], height=2, width=3),
    *both_corners("size_mixed", [(1, 2, 3, 5)], height=4, width=2),
    *both_corners("size_same", [(1, 1, 3, 4)], height=3, width=4),
    *both_corners("size_to_one", [(1, 1, 3, 3)], height=1, width=1),
    *both_corners("scale", [(1, 2, 3, 4)], scale_height=1.5, scale_width=0.5),
    *both_corners(
        "odd_scale_up", [(1, 1, 3, 4)], mode="odd_scale", scale_height=2.0, scale_width=2.0
    ),
    *both_corners(
        "odd_scale_down", [(1, 2, 5, 4)], mode="odd_scale", scale_height=0.5, scale_width=0.5
    ),
    *both_corners("like", [(1, 2, 3, 5), (2, 1, 4, 3)], constants=(1,), mode="like"),
    *both_corners("to_even_down", [(1, 2, 5, 4)], mode="to_even_down"),
    *both_corners("to_even_up", [(1, 2, 3, 4)], mode="to_even_up"),
    *both_corners("to_odd_down", [(1, 2, 4, 5)], mode="to_odd_down"),
    *both_corners("to_odd_up", [(1, 2, 4, 3)], mode="to_odd_up"),
    # the second input differentiated too: its derivatives are all zero
    Case("like_both_inputs", resized(mode="like"), [(1, 1, 3, 3), (1, 1, 5, 2)]),
    # pyramid pooling: pooled maps resized back like the input, times the input
    Case(
        "pyramid_pooling",
        lambda F, x: (
            x
            * F.contrib.BilinearResize2D(
                F.contrib.AdaptiveAvgPooling2D(F.sin(x), output_size=2), x, mode="like"
            )
        ),
        [(1, 2, 5, 4)],
    ),
    Case(
        "product",
        lambda F, x, w: F.contrib.BilinearResize2D(x * w, height=4, width=3) ** 2,
        [(1, 2, 3, 5), (1, 2, 3, 5)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
