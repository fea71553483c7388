"""Gradients of Embedding (dense weight gradient), to order 3.

Inputs (indices, weight): the indices are whole numbers, drawn with repeats so
that rows of the weight gradient accumulate, and passed as constants.
"""

from harness import Case, standard_tests


def case(name, index_shape, rows, cols, **attrs):
    def fn(F, indices, weight):
        y = F.Embedding(indices, weight, input_dim=rows, output_dim=cols, **attrs)
        return y * F.sin(y)  # a nonlinear head, so every order has terms

    return Case(
        name,
        fn,
        [index_shape, (rows, cols)],
        low=(0, -1.0),
        high=(rows, 1.0),
        integers=(0,),
        constants=(0,),
    )


CASES = [
    case("vector", (7,), 4, 3, dtype="float64"),
    case("matrix", (2, 3), 5, 2, dtype="float64"),
    case("rank3", (2, 2, 2), 3, 1, dtype="float64"),
    case("default_dtype", (4,), 3, 2),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
