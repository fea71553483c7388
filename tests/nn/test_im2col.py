"""Gradients of im2col and col2im (each the other's adjoint), to order 3, for
2-D windows with stride, dilate and pad, and a round trip. 1-D and 3-D windows
have no stock first order to build on (stock 1.9.1's backward kernels of both
ops fail for them; see patches/im2col.toml)."""

from harness import Case, standard_tests


def im2col(inner=lambda F, x: x * x, outer=lambda F, y: F.sin(y), **attrs):
    def fn(F, x):
        return outer(F, F.im2col(inner(F, x), **attrs))

    return fn


def col2im(inner=lambda F, x: x * x, outer=lambda F, y: F.sin(y), **attrs):
    def fn(F, x):
        return outer(F, F.col2im(inner(F, x), **attrs))

    return fn


CASES = [
    Case("im2col_2d", im2col(kernel=(2, 3)), [(2, 2, 4, 5)]),
    Case(
        "im2col_2d_stride_pad_dilate",
        im2col(kernel=(3, 2), stride=(2, 1), pad=(1, 1), dilate=(1, 2)),
        [(1, 3, 5, 6)],
    ),
    Case("col2im_2d", col2im(output_size=(4, 5), kernel=(2, 3)), [(2, 12, 9)]),
    Case(
        "col2im_2d_stride_pad_dilate",  # 3 x 6 windows of 6 channels by (3, 2)
        col2im(output_size=(5, 6), kernel=(3, 2), stride=(2, 1), pad=(1, 1), dilate=(1, 2)),
        [(1, 18, 18)],
    ),
    Case("col2im_odd", col2im(output_size=(3, 5), kernel=(3, 1), stride=(1, 2)), [(2, 9, 3)]),
    Case(
        "round_trip",  # col2im(im2col(x)): each pixel times the windows covering it
        lambda F, x: F.sin(
            F.col2im(F.im2col(F.tanh(x), kernel=(2, 2)), output_size=(3, 4), kernel=(2, 2))
        ),
        [(1, 2, 3, 4)],
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
