"""Gradients of _contrib_AdaptiveAvgPooling2D, to order 3.

The pooling is linear, so each case puts it between nonlinear functions: the
head gradient then depends on x. Odd input sizes give windows of unequal sizes
that overlap; an output larger than the input repeats input pixels."""

from harness import Case, standard_tests


def cube(y):
    return y * y * y


def pooled(**attrs):
    def fn(F, x):
        return cube(F.contrib.AdaptiveAvgPooling2D(F.sin(x), **attrs))

    return fn


CASES = [
    Case("global", pooled(), [(2, 3, 3, 4)]),
    Case("size_1", pooled(output_size=1), [(1, 2, 5, 3)]),
    Case("int", pooled(output_size=2), [(2, 2, 5, 7)]),
    Case("int_3_of_odd", pooled(output_size=3), [(1, 2, 7, 5)]),
    Case("pair", pooled(output_size=(3, 2)), [(1, 3, 5, 5)]),
    Case("pair_identity", pooled(output_size=(4, 3)), [(1, 1, 4, 3)]),
    Case("larger_than_input", pooled(output_size=(4, 5)), [(1, 2, 3, 2)]),
    # squeeze-and-excitation: each channel scaled by a gate of its mean
    Case(
        "squeeze_excite",
        lambda F, x: F.broadcast_mul(x, F.sigmoid(F.contrib.AdaptiveAvgPooling2D(x))),
        [(2, 3, 3, 5)],
    ),
    Case(
        "product",
        lambda F, x, w: F.contrib.AdaptiveAvgPooling2D(x * w, output_size=(2, 3)) ** 2,
        [(1, 2, 5, 4), (1, 2, 5, 4)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
