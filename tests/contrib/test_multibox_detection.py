"""Gradients through _contrib_MultiBoxDetection, to order 3. Its detections are
the anchors moved by the location predictions, scored and suppressed; stock's
gradient is zero in every input, and so is its backward op's (whose output is
constant). Here the anchors come from MultiBoxPrior (the feature map's shape
only) and the class probabilities and location predictions are fixed, so the
detections do not depend on the differentiated data: their derivative is zero,
stock's gradient, while the backward op's head (a nonlinear function of the
data times the detections) does depend on it. float32 only (cast to it and
back); not hybridized: a stateful legacy op without a stateless twin, refused
by name there."""

from harness import Case, standard_tests
from multibox_cases import anchors, f32, f64

CAST = "float32 only inside: the case casts to it and back to float64 around the op"


def detected(**attrs):
    def fn(F, feature, cls, loc):
        prob = F.softmax(f32(F, cls), axis=1)
        found = F.contrib.MultiBoxDetection(
            prob, f32(F, loc), anchors(F, feature * feature), **attrs
        )
        return F.broadcast_mul(F.sin(feature) * feature, F.sum(f64(F, found)))

    return fn


CASES = [
    Case(
        "detection",
        detected(),
        [(1, 2, 2, 2), (1, 3, 12), (1, 48)],
        constants=(1, 2),
        hybridize=False,
        float32=CAST,
    ),
    Case(
        "detection_clip_threshold",
        detected(clip=False, threshold=0.3, nms_threshold=0.4),
        [(2, 1, 2, 2), (2, 2, 12), (2, 48)],
        constants=(1, 2),
        hybridize=False,
        float32=CAST,
        seed=1,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
