"""Gradients of Convolution_v1 (through _backward_Convolution_v1), to order 3.

Convolution_v1 is 2-D only; its backward node reads (g, x, w) even with a bias."""

from harness import Case, standard_tests


def conv(square=True, **attrs):
    """Convolution_v1(x, w[, b]), squared so that every order has a nonzero term."""

    def fn(F, x, w, *b):
        y = F.Convolution_v1(x, w, *b, **attrs)
        return y**2 if square else y

    return fn


CASES = [
    Case("bias", conv(kernel=(2, 3), num_filter=2), [(2, 2, 4, 5), (2, 2, 2, 3), (2,)]),
    Case(
        "no_bias",
        conv(kernel=(2, 2), num_filter=3, no_bias=True),
        [(1, 2, 4, 3), (3, 2, 2, 2)],
    ),
    Case(
        "stride_pad_odd",
        conv(kernel=(3, 2), stride=(2, 3), pad=(1, 0), num_filter=2),
        [(1, 2, 6, 7), (2, 2, 3, 2), (2,)],
    ),
    Case(
        "dilate",
        conv(kernel=(2, 2), dilate=(2, 1), num_filter=1, no_bias=True),
        [(1, 1, 5, 4), (1, 1, 2, 2)],
    ),
    Case(
        "groups",
        conv(kernel=(2, 2), num_filter=4, num_group=2, pad=(1, 1)),
        [(1, 4, 3, 3), (4, 2, 2, 2), (4,)],
    ),
    Case(
        "linear",
        conv(square=False, kernel=(2, 2), stride=(2, 1), num_filter=2),
        [(1, 2, 5, 3), (2, 2, 2, 2), (2,)],
    ),
    Case(
        "weight_constant_bias",
        conv(kernel=(2, 2), num_filter=2),
        [(1, 2, 3, 4), (2, 2, 2, 2), (2,)],
        constants=(1,),
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
