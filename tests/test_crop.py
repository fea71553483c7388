"""Gradients of Crop (h_w or a crop_like input; at offset or centred), to order 3.

MXNet runs Crop in float32 only, so each case names a reference: the same window
taken with slice, which runs in float64. crop_like gives only its shape: it is a
constant of the cases."""

from harness import Case, standard_tests


def window(F, x, start, size):
    """x (N, C, H, W) cropped to `size` (h, w) from `start` (y, x)."""
    return F.slice(
        x, begin=(None, None) + start, end=(None, None) + tuple(s + n for s, n in zip(start, size))
    )


def centred(shape, size):
    return tuple((length - n) // 2 for length, n in zip(shape[2:], size))


def crop(shape, size, outer=lambda F, y: F.sin(y), inner=lambda F, x: x * x, like=None, **attrs):
    """(outer(Crop(inner(x), ...)), its reference): h_w = size, or a crop_like of
    that height and width when `like` is its shape."""
    start = centred(shape, size) if attrs.get("center_crop") else tuple(attrs.get("offset", (0, 0)))

    if like is None:

        def fn(F, x):
            return outer(F, F.Crop(inner(F, x), num_args=1, h_w=size, **attrs))

        def ref(F, x):
            return outer(F, window(F, inner(F, x), start, size))

        return fn, ref, [shape]

    def fn(F, x, like):
        return outer(F, F.Crop(inner(F, x), like, num_args=2, **attrs))

    def ref(F, x, like):
        return outer(F, window(F, inner(F, x), start, size))

    return fn, ref, [shape, like]


def case(name, triple):
    fn, ref, shapes = triple
    constants = (1,) if len(shapes) > 1 else ()
    return Case(name, fn, shapes, reference=ref, constants=constants)


CASES = [
    case("h_w_offset", crop((2, 2, 5, 6), (3, 4), offset=(1, 2))),
    case("h_w_corner", crop((1, 3, 4, 4), (2, 3), outer=lambda F, y: y * y * y)),
    case("h_w_center", crop((2, 1, 7, 6), (4, 3), center_crop=True)),
    case("like_offset", crop((1, 2, 6, 5), (3, 3), like=(1, 1, 3, 3), offset=(2, 1))),
    case("like_center_odd", crop((2, 2, 7, 8), (4, 5), like=(3, 4, 4, 5), center_crop=True)),
    case("full_size", crop((1, 2, 3, 4), (3, 4), inner=lambda F, x: F.exp(x))),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
