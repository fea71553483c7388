"""Gradients of _square_sum (the sum of squares over an axis, with
keepdims), to order 3. Stock MXNet runs it on row_sparse arrays
only (dense input has no kernel), so each case casts its input to row_sparse."""

from harness import Case, standard_tests


def square_sum(F, x, **axes):
    return F._internal._square_sum(F.cast_storage(x, stype="row_sparse"), **axes)


CASES = [
    Case("axis1", lambda F, x: square_sum(F, F.sin(x) * x, axis=1), [(3, 4)]),
    Case("axis0", lambda F, x: F.exp(square_sum(F, F.tanh(x), axis=0)), [(3, 5)]),
    Case(
        "axis1_keepdims",
        lambda F, x: F.broadcast_mul(square_sum(F, x * x, axis=1, keepdims=True), x),
        [(3, 2)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
