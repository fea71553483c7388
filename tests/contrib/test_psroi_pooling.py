"""Gradients of PSROIPooling(data, rois), to order 3.

Each output bin averages one channel of data (chosen by the bin's position) over
the bin: linear in data for fixed rois. rois are constants (stock gives them a
zero gradient), built from whole-number batch indices and uniform draws as
[batch, x1, y1, x2, y2] boxes in image coordinates; group_size equal to
pooled_size (the default) and smaller."""

from harness import Case, standard_tests
from rois import boxes, case_inputs


def pooling(shape, scale=1.0, inner=lambda F, x: x * x, outer=lambda F, y: F.sin(y), **attrs):
    """outer(PSROIPooling(inner(data), rois)) for data of `shape` (N, C, H, W)."""
    _, _, height, width = shape

    def fn(F, data, index, r):
        rois = boxes(F, index, r, height, width, scale)
        y = F.contrib.PSROIPooling(inner(F, data), rois, spatial_scale=scale, **attrs)
        return outer(F, y)

    return fn


def case(name, shape, num_rois, **kwargs):
    return Case(
        name,
        pooling(shape, **kwargs),
        **case_inputs(shape, num_rois),
    )


CASES = [
    case("pooled_2", (1, 8, 6, 6), 3, output_dim=2, pooled_size=2),
    case("odd_sizes", (2, 9, 7, 5), 4, output_dim=1, pooled_size=3, inner=lambda F, x: F.sin(x)),
    case("scale_half", (2, 4, 6, 8), 3, scale=0.5, output_dim=1, pooled_size=2),
    case("groups_smaller", (1, 12, 6, 7), 2, output_dim=3, pooled_size=3, group_size=2),
    case("linear_outside", (1, 4, 5, 5), 2, output_dim=1, pooled_size=2, outer=lambda F, y: y),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
