"""Regions of interest for the ROI pooling tests (ROIPooling, ROIAlign,
PSROIPooling): rois are constants of the cases, built inside each case's
function from uniform draws so that they run imperatively and hybridized."""


def boxes(F, index, r, height, width, scale, least=1.0):
    """rois (R, 5): the batch indices `index` (R, 1), then from draws r (R, 4) in
    [0, 1) a box [x1, y1, x2, y2] in image coordinates (feature coordinates /
    scale) in the upper left half of a height x width feature map, at least
    `least` pixels wide and high."""

    def column(i):
        return F.slice_axis(r, axis=1, begin=i, end=i + 1)

    x1, y1 = column(0) * (width * 0.5), column(1) * (height * 0.5)
    x2 = x1 + least + column(2) * (width * 0.5 - 1.0)
    y2 = y1 + least + column(3) * (height * 0.5 - 1.0)
    corners = F.concat(x1, y1, x2, y2, dim=1) / scale
    return F.concat(index, corners, dim=1)


def case_inputs(shape, num_rois):
    """Case arguments for data of `shape` and `num_rois` rois: (shapes, low, high,
    integers, constants), the batch indices drawn as whole numbers below N."""
    return dict(
        shapes=[shape, (num_rois, 1), (num_rois, 4)],
        low=(-1.0, 0, 0.0),
        high=(1.0, shape[0], 1.0),
        integers=(1,),
        constants=(1, 2),
    )
