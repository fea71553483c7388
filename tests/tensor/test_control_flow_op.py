"""Gradients of where, to order 3."""

from harness import Case, standard_tests

COND = dict(integers=(0,), constants=(0,))

CASES = [
    Case(
        "where",
        lambda F, c, x, y: F.where(c, x, y) ** 3,
        [(3, 4), (3, 4), (3, 4)],
        (0, -1, -1),
        (2, 1, 1),
        **COND,
    ),
    # condition values other than 0 and 1 count as true
    Case(
        "where_product",
        lambda F, c, x, y: F.where(c, x * y, y) * x,
        [(5,), (5,), (5,)],
        (-2, -1, -1),
        (3, 1, 1),
        **COND,
    ),
    # a 1-D condition selects whole rows
    Case(
        "where_rows",
        lambda F, c, x, y: F.where(c, x, y * y) ** 3,
        [(4,), (4, 3), (4, 3)],
        (0, -1, -1),
        (2, 1, 1),
        **COND,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
