"""Gradients of SwapAxis (swapaxes), to order 3."""

from harness import Case, standard_tests


def cube(y):
    return y * y * y


CASES = [
    Case("swapaxes", lambda F, x: cube(F.swapaxes(x, dim1=0, dim2=1)), [(2, 3)]),
    Case(
        "swapaxes_outer", lambda F, x, y: F.SwapAxis(x, dim1=0, dim2=2) * y, [(2, 3, 4), (4, 3, 2)]
    ),
    Case("swapaxes_same", lambda F, x: cube(F.swapaxes(x, dim1=1, dim2=1)), [(2, 3)]),
    Case(
        "swapaxes_reversed",
        lambda F, x: cube(F.swapaxes(x, dim1=2, dim2=1)) * F.swapaxes(x, dim1=1, dim2=2),
        [(2, 3, 3)],
    ),
    Case("swapaxes_linear", lambda F, x: F.swapaxes(x, dim1=0, dim2=1), [(2, 3)]),
    # swapped back at the output: hybridized, the recomputed output swap feeds nothing
    Case(
        "swapaxes_at_output",
        lambda F, x: F.swapaxes(cube(F.swapaxes(x, dim1=0, dim2=1)), dim1=0, dim2=1),
        [(2, 3, 2)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
