"""Gradients through _contrib_MultiProposal, to order 3. Its rois are the anchors
moved by the box predictions, ordered by the object scores and suppressed: in
the scores they are piecewise constant (the order and the suppression change
only at ties), so their derivative in the scores is zero, which is stock's
gradient; its backward op writes zeros and reads nothing (no inputs to
differentiate). The cases differentiate in the scores, the box predictions
fixed, and scale a nonlinear function of the scores by the rois. float32 only
(cast to it and back); not hybridized: a stateful legacy op without a stateless
twin, refused by name there."""

from harness import Case, standard_tests
from multibox_cases import f32, f64, image_info

BATCH = 2

CAST = "float32 only inside: the case casts to it and back to float64 around the op"


def proposed(**attrs):
    def fn(F, scores, boxes):
        rois = F.contrib.MultiProposal(
            f32(F, scores * scores),
            f32(F, boxes),
            image_info(F, BATCH, 48.0, 48.0),
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


CASES = [
    Case(
        "rois",
        proposed(),
        [(BATCH, 6, 3, 3), (BATCH, 12, 3, 3)],
        low=0.0,
        constants=(1,),
        hybridize=False,
        float32=CAST,
    ),
    Case(
        "rois_threshold",
        proposed(threshold=0.3, iou_loss=True),
        [(BATCH, 6, 3, 3), (BATCH, 12, 3, 3)],
        low=0.0,
        constants=(1,),
        hybridize=False,
        float32=CAST,
        seed=1,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
