"""Gradients of SliceChannel (split), to order 3."""

from harness import Case, standard_tests


def weighted(F, parts):
    # Unequal powers of the parts, so each part gets its own head gradient.
    out = parts[0]
    for i, p in enumerate(parts[1:]):
        out = out * (p ** (i + 2))
    return out


CASES = [
    Case("split", lambda F, x: weighted(F, F.split(x, num_outputs=3, axis=1)), [(2, 6)]),
    Case(
        "split_axis0", lambda F, x: weighted(F, F.SliceChannel(x, num_outputs=2, axis=0)), [(4, 3)]
    ),
    Case(
        "split_negative", lambda F, x: weighted(F, F.split(x, num_outputs=2, axis=-1)), [(2, 3, 4)]
    ),
    Case(
        "split_squeeze",
        lambda F, x: weighted(F, F.split(x, num_outputs=3, axis=1, squeeze_axis=True)),
        [(2, 3)],
    ),
    # Unused parts reach _backward_SliceChannel as zero inputs.
    Case("split_unused", lambda F, x: F.split(x, num_outputs=3, axis=0)[1] ** 3, [(3, 2)]),
    Case("split_one", lambda F, x: F.split(x, num_outputs=1, axis=0) ** 3, [(2, 2)]),
    Case("split_linear", lambda F, x: F.split(x, num_outputs=2, axis=1)[0], [(2, 4)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
