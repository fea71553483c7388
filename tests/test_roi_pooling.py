"""Gradients of ROIPooling(data, rois), to order 3.

Each bin's output is its largest entry, so the derivatives route through the
position the stock kernel records (maxidx); data is drawn at random (distinct
values, no tie within a finite-difference step). rois are constants (stock gives
them a zero gradient), built from whole-number batch indices and uniform draws
as [batch, x1, y1, x2, y2] boxes of at least one pixel. Hybridized blocks
recompute ROIPooling as its stateless twin (a masked max over each bin)."""

from harness import Case, standard_tests
from rois import boxes, case_inputs


def pooling(shape, pooled, scale=1.0, inner=lambda F, x: F.sin(x), outer=lambda F, y: y * y):
    """outer(ROIPooling(inner(data), rois)) for data of `shape` (N, C, H, W)."""
    _, _, height, width = shape

    def fn(F, data, index, r):
        rois = boxes(F, index, r, height, width, scale)
        y = F.ROIPooling(inner(F, data), rois, pooled_size=pooled, spatial_scale=scale)
        return outer(F, y)

    return fn


def case(name, shape, num_rois, pooled, **kwargs):
    return Case(
        name,
        pooling(shape, pooled, **kwargs),
        **case_inputs(shape, num_rois),
    )


CASES = [
    case("pooled_2x2", (1, 2, 6, 6), 3, (2, 2)),
    case("odd_sizes", (2, 3, 7, 5), 4, (3, 2)),
    case("scale_half", (2, 1, 6, 8), 3, (2, 3), scale=0.5),
    case("bins_of_one", (1, 2, 5, 5), 2, (4, 4), outer=lambda F, y: F.sin(y)),  # bins repeat
    case("linear_outside", (1, 2, 6, 5), 3, (2, 2), outer=lambda F, y: y),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
