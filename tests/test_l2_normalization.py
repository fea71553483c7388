"""Gradients of L2Normalization, to order 3, in every mode.

The forward op's gradient is replaced (patches/nn_norm.toml) so that the part of
a second derivative that reaches the hidden norm output flows on to x; its
first-order result stays the stock node, bit for bit."""

from harness import Case, standard_tests

CASES = [
    Case("instance", lambda F, x: F.L2Normalization(x, mode="instance") ** 3, [(2, 3)]),
    Case("instance_4d", lambda F, x: F.sin(F.L2Normalization(x, mode="instance")), [(2, 3, 2, 2)]),
    Case("channel", lambda F, x: F.L2Normalization(x, mode="channel") ** 3, [(2, 3, 2)]),
    Case(
        "channel_4d_eps",
        lambda F, x: F.sin(F.L2Normalization(x, mode="channel", eps=0.1)),
        [(2, 3, 2, 2)],
    ),
    Case("spatial", lambda F, x: F.L2Normalization(x, mode="spatial") ** 3, [(2, 2, 3)]),
    Case(
        "spatial_4d", lambda F, x: F.sin(F.L2Normalization(x * x, mode="spatial")), [(2, 2, 3, 2)]
    ),
    Case(
        "instance_times_x",
        lambda F, x, w: F.L2Normalization(x, mode="instance") * w,
        [(3, 4), (3, 4)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
