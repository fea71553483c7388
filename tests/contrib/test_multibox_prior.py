"""Gradients through _contrib_MultiBoxPrior, to order 3. Its anchors depend on
the feature map's shape only, not its values: their derivative is zero, which
is stock's gradient, and its backward op (which writes zeros) has a zero
gradient. MultiBoxPrior runs in float32 only: the cases cast the data to it and
the anchors back, and scale a nonlinear function of the data by the anchors, so
that the backward op's head depends on the data. Cases: several sizes and
ratios, clip, steps and offsets. Not hybridized: MultiBoxPrior is a stateful
legacy op without a stateless twin, which a higher order through a hybridized
block refuses by name."""

from harness import Case, standard_tests

CAST = "float32 only inside: the case casts to it and back to float64 around the op"


def prior(F, x, **attrs):
    anchors = F.contrib.MultiBoxPrior(F.cast(x, "float32"), **attrs)
    return F.cast(anchors, "float64")


def scaled(**attrs):
    def fn(F, x):
        return F.broadcast_mul(F.sin(x) * x, F.sum(prior(F, x * x, **attrs)))

    return fn


CASES = [
    Case(
        "sizes_ratios",
        scaled(sizes=(0.5, 0.25), ratios=(1, 2, 0.5)),
        [(1, 2, 3, 4)],
        hybridize=False,
        float32=CAST,
    ),
    Case(
        "clip_steps_offsets",
        scaled(sizes=(0.7,), clip=True, steps=(0.3, 0.2), offsets=(0.2, 0.7)),
        [(2, 1, 2, 3)],
        hybridize=False,
        float32=CAST,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
