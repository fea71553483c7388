"""Gradients of _image_crop (a window of an (H, W, C) or (N, H, W, C) image),
to order 3. Its backward op places the gradient at the window in zeros; its
gradient is the same crop of the head. Cases: 3-D and 4-D images, one and three
channels, windows at the corner, inside and reaching the far edges."""

from harness import Case, standard_tests


def cropped(x, y, width, height, inner=lambda F, v: v * v, outer=lambda F, v: F.sin(v)):
    def fn(F, data):
        window = F.image.crop(inner(F, data), x=x, y=y, width=width, height=height)
        return outer(F, window)

    return fn


CASES = [
    Case("hwc_corner", cropped(0, 0, 2, 3), [(4, 5, 3)]),
    Case("hwc_inside", cropped(1, 2, 3, 1), [(4, 5, 1)]),
    Case("nhwc_far_edges", cropped(2, 1, 3, 3, outer=lambda F, v: F.tanh(v) * v), [(2, 4, 5, 3)]),
    Case(
        "nhwc_whole",
        cropped(0, 0, 3, 2, inner=lambda F, v: F.exp(v), outer=lambda F, v: v * v * v),
        [(1, 2, 3, 1)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
