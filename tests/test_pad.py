"""Gradients of Pad (pad) in constant, edge and reflect modes, to order 3.

Pad takes 4-D or 5-D inputs and pads only the spatial axes (2 and beyond)."""

from harness import Case, standard_tests


def cube(y):
    return y * y * y


def pad(F, x, mode, width, **kwargs):
    return F.pad(x, mode=mode, pad_width=width, **kwargs)


W4 = (0, 0, 0, 0, 1, 2, 2, 1)  # 4-D: top 1, bottom 2, left 2, right 1
W5 = (0, 0, 0, 0, 1, 0, 0, 2, 1, 1)  # 5-D: front 1, bottom 2, left/right 1

CASES = [
    Case("constant", lambda F, x: cube(pad(F, x, "constant", W4)), [(1, 2, 2, 3)]),
    Case(
        "constant_value",
        lambda F, x: cube(pad(F, x, "constant", W4, constant_value=0.5)),
        [(2, 1, 3, 3)],
    ),
    Case(
        "constant_5d",
        lambda F, x: cube(pad(F, x, "constant", W5, constant_value=-1.0)),
        [(1, 1, 2, 2, 3)],
    ),
    Case("edge", lambda F, x: cube(pad(F, x, "edge", W4)), [(1, 2, 3, 3)]),
    Case("edge_5d", lambda F, x: cube(pad(F, x, "edge", W5)), [(1, 2, 2, 2, 2)]),
    Case("reflect", lambda F, x: cube(pad(F, x, "reflect", W4)), [(1, 2, 3, 4)]),
    Case("reflect_5d", lambda F, x: cube(pad(F, x, "reflect", W5)), [(1, 1, 3, 3, 3)]),
    Case("edge_linear", lambda F, x: pad(F, x, "edge", W4), [(1, 1, 2, 2)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
