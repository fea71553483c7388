"""Gradients of cast_storage, to order 3: dense arrays cast to dense, and to
row_sparse and csr and back (the gradient of a cast is a copy of the head)."""

from harness import Case, standard_tests


def through(F, x, *stypes):
    for stype in stypes:
        x = F.cast_storage(x, stype=stype)
    return x


CASES = [
    Case("default", lambda F, x: F.sin(through(F, x * x, "default")) * x, [(3, 4)]),
    Case("row_sparse", lambda F, x: through(F, F.tanh(x), "row_sparse", "default") ** 3, [(3, 2)]),
    Case("csr", lambda F, x: F.exp(through(F, x, "csr", "default")) * x, [(2, 3)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
