"""Regions of interest for the ROI pooling tests (ROIPooling, ROIAlign,
PSROIPooling): rois are constants of the cases, built inside each case's
function from uniform draws so that they run imperatively and hybridized."""


def boxes(F, r, batch, height, width, scale, least=1.0):
    """rois (R, 5) from draws r (R, 5) in [0, 1): a batch index below `batch`, then
    a box [x1, y1, x2, y2] in image coordinates (feature coordinates / scale) in
    the upper left half of a height x width feature map, at least `least` pixels
    wide and high."""

    def column(i):
        return F.slice_axis(r, axis=1, begin=i, end=i + 1)

    x1, y1 = column(1) * (width * 0.5), column(2) * (height * 0.5)
    x2 = x1 + least + column(3) * (width * 0.5 - 1.0)
    y2 = y1 + least + column(4) * (height * 0.5 - 1.0)
    corners = F.concat(x1, y1, x2, y2, dim=1) / scale
    return F.concat(F.floor(column(0) * batch), corners, dim=1)
