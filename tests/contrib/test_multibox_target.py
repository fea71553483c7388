"""Gradients through _contrib_MultiBoxTarget, to order 3. Its targets encode
the labels against the anchors that match them: with anchors from a feature
map's shape, fixed labels and no hard-negative mining, they do not depend on
the class predictions' values, so their derivative is zero, which is stock's
gradient; its backward op (which writes zeros and reads nothing) has no inputs
to differentiate. The cases scale a nonlinear function of the predictions by
the targets (float32 only: cast to it and back). Not hybridized: a stateful
legacy op without a stateless twin, refused by name there."""

from harness import Case, standard_tests
from multibox_cases import anchors, f32, f64

CAST = "float32 only inside: the case casts to it and back to float64 around the op"


def targeted(**attrs):
    def fn(F, feature, labels, cls_pred):
        label = F.concat(
            F.round(F.slice_axis(labels, axis=-1, begin=0, end=1) * 2.0),
            F.slice_axis(labels, axis=-1, begin=1, end=3) * 0.4,
            F.slice_axis(labels, axis=-1, begin=1, end=3) * 0.4 + 0.5,
            dim=-1,
        )
        loc, mask, cls = F.contrib.MultiBoxTarget(
            anchors(F, feature), f32(F, label), f32(F, cls_pred * cls_pred), **attrs
        )
        scale = F.sum(f64(F, loc)) + F.sum(f64(F, mask)) + F.sum(f64(F, cls))
        return F.broadcast_mul(F.sin(cls_pred) * cls_pred, scale)

    return fn


CASES = [
    Case(
        "target",
        targeted(),
        [(1, 2, 2, 3), (1, 2, 5), (1, 4, 18)],
        low=0.0,
        constants=(0, 1),
        hybridize=False,
        float32=CAST,
    ),
    Case(
        "target_threshold_variances",
        targeted(overlap_threshold=0.3, variances=(0.1, 0.1, 0.3, 0.3)),
        [(2, 1, 2, 2), (2, 3, 5), (2, 4, 12)],
        low=0.0,
        constants=(0, 1),
        hybridize=False,
        float32=CAST,
        seed=1,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
