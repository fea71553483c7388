"""Gradients of index_copy, to order 3: distinct row indices (repeated ones
leave which row wins undefined), in and out of order, one and several rows."""

from harness import Case, standard_tests


def index_copy(rows):
    """x with rows `rows` replaced by t, composed with nonlinear maps of both."""
    start, stop, step = rows
    return lambda F, x, t: F.contrib.index_copy(F.sin(x), F.arange(start, stop, step), t**3) ** 2


CASES = [
    Case("index_copy_rows_descending", index_copy((4, -1, -2)), [(5, 3), (3, 3)]),
    Case("index_copy_one_row", index_copy((1, 2, 1)), [(4, 2, 3), (1, 2, 3)]),
    Case("index_copy_every_row", index_copy((0, 3, 1)), [(3, 4), (3, 4)]),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
