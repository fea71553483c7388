"""Gradients of dot (all transposes, 1-D and N-D) and batch_dot to order 3."""

from harness import Case, standard_tests


def dot(ta, tb):
    return lambda F, a, b: F.dot(a, b, transpose_a=ta, transpose_b=tb) ** 2


def batch_dot(ta, tb):
    return lambda F, a, b: F.batch_dot(a, b, transpose_a=ta, transpose_b=tb) ** 2


CASES = [
    Case("dot", dot(False, False), [(2, 3), (3, 4)]),
    Case("dot_ta", dot(True, False), [(3, 2), (3, 4)]),
    Case("dot_tb", dot(False, True), [(2, 3), (4, 3)]),
    Case("dot_ta_tb", dot(True, True), [(3, 2), (4, 3)]),
    Case("dot_bilinear", lambda F, a, b: F.dot(a, b), [(2, 3), (3, 2)]),
    Case("dot_vectors", lambda F, a, b: F.dot(a, b) ** 3, [(3,), (3,)]),
    Case("dot_matrix_vector", dot(False, False), [(2, 3), (3,)]),
    Case("dot_matrix_vector_ta", dot(True, False), [(3, 2), (3,)]),
    Case("dot_vector_matrix", dot(False, False), [(3,), (3, 2)]),
    Case("dot_nd", dot(False, False), [(2, 3, 2), (2, 3)]),
    Case("dot_nd_tb", dot(False, True), [(2, 1, 3), (2, 3)]),
    Case("dot_nd_ta", dot(True, False), [(2, 3, 2), (2, 3)]),
    Case("dot_nd_nd", dot(False, False), [(2, 3), (3, 2, 2)]),
    Case("dot_times_input", lambda F, a, b: F.dot(a, b) * a, [(3, 3), (3, 3)]),
    Case("batch_dot", batch_dot(False, False), [(2, 2, 3), (2, 3, 2)]),
    Case("batch_dot_ta", batch_dot(True, False), [(2, 3, 2), (2, 3, 2)]),
    Case("batch_dot_tb", batch_dot(False, True), [(2, 2, 3), (2, 4, 3)]),
    Case("batch_dot_ta_tb", batch_dot(True, True), [(2, 3, 2), (2, 4, 3)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
