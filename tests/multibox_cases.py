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


PROPOSAL_CAST = "float32 only inside: the case casts to it and back to float64 around the op"


def proposal_cases(op, batch):
    """The cases of Proposal (batch 1) and MultiProposal (any batch), `op` the
    F.contrib function: the rois scale a nonlinear function of the scores, the
    box predictions held constant."""
    from harness import Case

    def proposed(**attrs):
        def fn(F, scores, boxes):
            rois = getattr(F.contrib, op)(
                f32(F, scores * scores),
                f32(F, boxes),
                image_info(F, batch, 48.0, 48.0),
                rpn_pre_nms_top_n=12,
                rpn_post_nms_top_n=4,
                scales=(2,),
                ratios=(0.5, 1, 2),
                feature_stride=16,
                rpn_min_size=1,
                **attrs,
            )
            return F.broadcast_mul(F.sin(scores) * scores, F.sum(f64(F, rois)))

        return fn

    shapes = [(batch, 6, 3, 3), (batch, 12, 3, 3)]
    common = dict(low=0.0, constants=(1,), hybridize=False, float32=PROPOSAL_CAST)
    return [
        Case("rois", proposed(), shapes, **common),
        Case("rois_threshold", proposed(threshold=0.3, iou_loss=True), shapes, seed=1, **common),
    ]
