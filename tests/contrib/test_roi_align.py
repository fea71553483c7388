"""Gradients of ROIAlign(data, rois), to order 3.

For fixed rois ROIAlign is linear in data (averages of bilinear samples), so its
backward op's gradient is ROIAlign of the head. rois are constants (stock gives
them a zero gradient), built from whole-number batch indices and uniform draws
as [batch, x1, y1, x2, y2] boxes inside the feature map. Every attribute that
changes the sampling is covered: sample_ratio (adaptive and fixed),
position_sensitive, aligned, spatial_scale."""

from harness import Case, standard_tests
from rois import boxes, case_inputs


def align(shape, pooled, scale=1.0, inner=lambda F, x: x * x, outer=lambda F, y: F.sin(y), **attrs):
    """outer(ROIAlign(inner(data), rois)) for data of `shape` (N, C, H, W)."""
    _, _, height, width = shape

    def fn(F, data, index, r):
        rois = boxes(F, index, r, height, width, scale, least=0.5)
        y = F.contrib.ROIAlign(
            inner(F, data), rois, pooled_size=pooled, spatial_scale=scale, **attrs
        )
        return outer(F, y)

    return fn


def case(name, shape, num_rois, pooled, **kwargs):
    return Case(
        name,
        align(shape, pooled, **kwargs),
        **case_inputs(shape, num_rois),
    )


CASES = [
    case("adaptive", (1, 2, 6, 6), 3, (2, 2)),
    case("odd_sizes", (2, 3, 7, 5), 4, (3, 2), inner=lambda F, x: F.sin(x)),
    case("sample_ratio_2", (2, 1, 6, 8), 3, (2, 3), sample_ratio=2),
    case("scale_half", (1, 2, 5, 6), 2, (2, 2), scale=0.5, sample_ratio=1),
    case("aligned", (1, 2, 6, 5), 3, (3, 3), aligned=True),
    case("position_sensitive", (1, 8, 5, 5), 2, (2, 2), position_sensitive=True),
    case("linear_outside", (1, 1, 5, 5), 2, (2, 2), outer=lambda F, y: y),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
