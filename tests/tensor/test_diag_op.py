"""Gradients of diag (construction from a vector, extraction of a diagonal), to order 3."""

from harness import Case, standard_tests

CASES = [
    Case("diag_build", lambda F, v: F.diag(v) ** 3, [(3,)]),
    Case("diag_build_k", lambda F, v: F.diag(v, k=1) ** 3, [(4,)]),
    Case("diag_build_k_negative", lambda F, v: F.diag(v, k=-2) ** 3, [(3,)]),
    Case("diag_extract", lambda F, x: F.diag(x) ** 3, [(3, 4)]),
    Case("diag_extract_k", lambda F, x: F.diag(x, k=-1) ** 3, [(4, 3)]),
    Case("diag_extract_axes", lambda F, x: F.diag(x, k=1, axis1=-1, axis2=0) ** 3, [(3, 2, 4)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
