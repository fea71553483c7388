"""Gradients of Concat (concat) and of _rnn_param_concat (the RNN layers' concat of
their parameters, whose gradient is Concat's), to order 3."""

from harness import Case, standard_tests


def cube(y):
    return y * y * y


CASES = [
    Case("concat", lambda F, a, b: cube(F.concat(a, b, dim=1)), [(2, 3), (2, 2)]),
    Case("concat_axis0", lambda F, a, b: cube(F.Concat(a, b, dim=0)), [(1, 3), (2, 3)]),
    Case(
        "concat_negative",
        lambda F, a, b, c: cube(F.concat(a, b, c, dim=-1)),
        [(2, 1, 2), (2, 1, 3), (2, 1, 1)],
    ),
    Case(
        "concat_middle",
        lambda F, a, b, c: F.concat(a, b, dim=1) * F.concat(c, a, dim=1),
        [(2, 1, 3), (2, 2, 3), (2, 2, 3)],
    ),
    Case("concat_single", lambda F, a: cube(F.concat(a, dim=0)), [(3, 2)]),
    # The same input twice: both heads of _backward_Concat reach it.
    Case("concat_repeated", lambda F, a: cube(F.concat(a, a * a, dim=1)), [(2, 3)]),
    Case("concat_linear", lambda F, a, b: F.concat(a, b, dim=0), [(2,), (3,)]),
    Case(
        "rnn_param_concat",
        lambda F, a, b: cube(F._internal._rnn_param_concat(F.sin(a), b, num_args=2, dim=0)),
        [(3,), (4,)],
    ),
    Case(
        "rnn_param_concat_dim1",
        lambda F, a, b, c: F._internal._rnn_param_concat(a, b * b, c, num_args=3, dim=1) * 2.0,
        [(2, 1), (2, 3), (2, 2)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
