"""Shared pieces of the float32-only legacy detection ops' cases (MultiBox*,
Proposal, MultiProposal): casts to float32 and back, anchors from a feature map."""


def f32(F, x):
    return F.cast(x, "float32")


def f64(F, y):
    return F.cast(y, "float64")


def anchors(F, feature, sizes=(0.5, 0.25), ratios=(1, 2)):
    """MultiBoxPrior's anchors of `feature` (N, C, H, W): (1, H*W*(sizes+ratios-1), 4)."""
    return F.contrib.MultiBoxPrior(f32(F, feature), sizes=sizes, ratios=ratios)


def image_info(F, batch, height=64.0, width=64.0):
    """(batch, 3) rows [height, width, scale 1]."""
    return F.concat(
        F.ones((batch, 1)) * height, F.ones((batch, 1)) * width, F.ones((batch, 1)), dim=1
    )
