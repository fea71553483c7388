"""Gradients of Correlation(data1, data2), to order 3: multiplication and
absolute difference, kernel sizes 1 and 3, strides, displacements and padding.

The forward op's gradient is replaced under create_graph (what flows into its
hidden padded inputs would be lost). The absolute difference is kinked where
the two entries agree: inputs are drawn at random, away from it."""

from harness import Case, standard_tests


def correlation(inner=lambda F, x: F.sin(x), outer=lambda F, y: y * y, **attrs):
    """outer(Correlation(inner(data1), data2))."""

    def fn(F, a, b):
        return outer(F, F.Correlation(inner(F, a), b, **attrs))

    return fn


CASES = [
    Case(
        "multiply", correlation(kernel_size=1, max_displacement=1, pad_size=1), [(2, 3, 4, 5)] * 2
    ),
    Case(
        "kernel_3_stride1_2",
        correlation(kernel_size=3, max_displacement=1, pad_size=2, stride1=2),
        [(1, 2, 5, 6)] * 2,
    ),
    Case(
        "stride2_2_no_pad",
        correlation(kernel_size=1, max_displacement=2, stride2=2, outer=lambda F, y: F.sin(y)),
        [(1, 2, 6, 7)] * 2,
    ),
    Case(
        "absolute_difference",
        correlation(kernel_size=1, max_displacement=1, pad_size=1, is_multiply=False),
        [(1, 2, 4, 4)] * 2,
    ),
    Case(
        "absolute_difference_kernel_3",
        correlation(
            kernel_size=3,
            max_displacement=1,
            pad_size=1,
            is_multiply=False,
            inner=lambda F, x: x * x,
        ),
        [(2, 1, 5, 5)] * 2,
    ),
    Case(
        "self",  # the same array on both sides
        lambda F, a: F.sin(F.Correlation(a * a, a, kernel_size=1, max_displacement=1, pad_size=1)),
        [(1, 2, 3, 4)],
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
