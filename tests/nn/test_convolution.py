"""Gradients of Convolution (through _backward_Convolution), to order 3."""

from harness import Case, standard_tests


def conv(square=True, **attrs):
    """Convolution(x, w[, b]), squared so that every order has a nonzero term."""

    def fn(F, x, w, *b):
        y = F.Convolution(x, w, *b, **attrs)
        return y**2 if square else y

    return fn


CASES = [
    Case("conv1d", conv(kernel=(3,), num_filter=2), [(2, 3, 7), (2, 3, 3), (2,)]),
    Case(
        "conv1d_stride_pad_dilate",
        conv(kernel=(2,), stride=(2,), pad=(1,), dilate=(2,), num_filter=3, no_bias=True),
        [(1, 2, 8), (3, 2, 2)],
    ),
    Case("conv2d", conv(kernel=(2, 3), num_filter=2), [(2, 2, 4, 5), (2, 2, 2, 3), (2,)]),
    # odd size with stride: the last row/column of x is in no window
    Case(
        "conv2d_stride_odd",
        conv(kernel=(3, 2), stride=(2, 3), pad=(1, 0), num_filter=2),
        [(1, 2, 6, 7), (2, 2, 3, 2), (2,)],
    ),
    Case(
        "conv2d_dilate",
        conv(kernel=(2, 2), dilate=(2, 1), num_filter=1, no_bias=True),
        [(1, 1, 5, 4), (1, 1, 2, 2)],
    ),
    Case(
        "conv2d_groups",
        conv(kernel=(2, 2), num_filter=4, num_group=2, pad=(1, 1)),
        [(1, 4, 3, 3), (4, 2, 2, 2), (4,)],
    ),
    Case(
        "conv3d",
        conv(kernel=(2, 2, 2), stride=(1, 2, 1), num_filter=2),
        [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,)],
    ),
    # linear: the head g of _backward_Convolution is a constant, d/dg unused
    Case(
        "conv2d_linear",
        conv(square=False, kernel=(2, 2), stride=(2, 1), num_filter=2),
        [(1, 2, 5, 3), (2, 2, 2, 2), (2,)],
    ),
    # the weight as a constant: dW's head is unused (a gradient penalty on x)
    Case(
        "conv2d_weight_constant",
        conv(kernel=(2, 2), num_filter=2, no_bias=True),
        [(1, 2, 3, 4), (2, 2, 2, 2)],
        constants=(1,),
    ),
    # with a bias: its head rides in conv(hx, w), dW's product being unused
    Case(
        "conv2d_weight_constant_bias",
        conv(kernel=(2, 2), num_filter=2),
        [(1, 2, 3, 4), (2, 2, 2, 2), (2,)],
        constants=(1,),
    ),
    Case(
        "conv2d_data_constant",
        conv(kernel=(2, 2), num_filter=2),
        [(1, 2, 3, 4), (2, 2, 2, 2), (2,)],
        constants=(0,),
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
