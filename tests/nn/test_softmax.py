"""Gradients of the backward ops of softmax, softmin, log_softmax and
softmax_cross_entropy, to order 3, over axes (negative too), temperatures,
dtype, use_length, and Gluon's SoftmaxCrossEntropyLoss composition
(log_softmax + pick). Each case weights the output by a power of the input so
that every head gradient depends on the inputs."""

from harness import Case, standard_tests

X = dict(low=-2.0, high=2.0)
LABELS = dict(low=(-2.0, 0), high=(2.0, 4), integers=(1,), constants=(1,))


CASTS = "the case computes in float64 by its dtype attribute"

CASES = [
    Case("softmax", lambda F, x: F.softmax(x) * x, [(2, 4)], **X),
    Case("softmax_axis0", lambda F, x: F.softmax(x, axis=0) * x, [(3, 2)], **X),
    Case("softmax_axis_neg2", lambda F, x: F.softmax(x, axis=-2) * x, [(2, 3, 2)], **X),
    Case(
        "softmax_temperature",
        lambda F, x: F.softmax(x, axis=1, temperature=2.5) * x,
        [(2, 3, 2)],
        **X,
    ),
    Case(
        "softmax_dtype",
        lambda F, x: F.softmax(x, dtype="float64") * x,
        [(2, 3)],
        **X,
        float32=CASTS,
    ),
    Case(
        "softmax_length",
        lambda F, x, n: F.softmax(x, F.cast(n, "int32"), axis=-1, use_length=True) * x,
        [(3, 4), (3,)],
        (-2.0, 1),
        (2.0, 5),
        integers=(1,),
        constants=(1,),
    ),
    Case(
        "softmax_length_temperature",
        lambda F, x, n: (
            F.softmax(x, F.cast(n, "int32"), axis=1, use_length=True, temperature=0.7) ** 2
        ),
        [(2, 5), (2,)],
        (-2.0, 1),
        (2.0, 6),
        integers=(1,),
        constants=(1,),
    ),
    Case("softmin", lambda F, x: F.softmin(x) * x, [(2, 4)], **X),
    Case(
        "softmin_axis0_temperature",
        lambda F, x: F.softmin(x, axis=0, temperature=1.5) * x,
        [(3, 2)],
        **X,
    ),
    Case(
        "softmin_dtype",
        lambda F, x: F.softmin(x, axis=-1, dtype="float64") * x,
        [(2, 3)],
        **X,
        float32=CASTS,
    ),
    Case("log_softmax", lambda F, x: F.log_softmax(x) * x, [(2, 4)], **X),
    Case("log_softmax_axis0", lambda F, x: F.log_softmax(x, axis=0) ** 2, [(3, 2)], **X),
    Case(
        "log_softmax_temperature",
        lambda F, x: F.log_softmax(x, axis=-2, temperature=0.6) * x,
        [(2, 3, 2)],
        **X,
    ),
    Case(
        "log_softmax_dtype",
        lambda F, x: F.log_softmax(x, dtype="float64") * x,
        [(2, 3)],
        **X,
        float32=CASTS,
    ),
    Case(
        "softmax_cross_entropy",
        lambda F, x, label: F.softmax_cross_entropy(x, label),
        [(3, 4), (3,)],
        **LABELS,
    ),
    Case(
        "softmax_cross_entropy_scaled",
        lambda F, x, label: F.softmax_cross_entropy(x * x, label) * 1.5,
        [(2, 5), (2,)],
        **LABELS,
    ),
    Case(
        "log_softmax_pick_loss",
        lambda F, x, label: -F.pick(F.log_softmax(x), label, axis=-1),
        [(3, 4), (3,)],
        **LABELS,
    ),
    Case(
        "softmax_in_softmax",
        lambda F, x: F.log_softmax(F.softmax(x, axis=0) * 3.0) * x,
        [(2, 3)],
        **X,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
