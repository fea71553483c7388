"""Gradients of the NumPy interface's np.linalg ops (mx.np) to order 3: det and
slogdet (aliases of linalg_det and linalg_slogdet). Matrices are made well
conditioned as a + s*I; each op is composed with a nonlinear function so that
its higher derivatives are not zero."""

from harness import NpCase, numpy_mode, standard_tests

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing


def shifted(np, a, s=2.0, n=3):
    """a + s*I for the last two axes (n x n) of a, in a's dtype."""
    return a + s * np.eye(n) * np.ones_like(a)


CASES = [
    NpCase("det", lambda np, a: np.sin(np.linalg.det(shifted(np, a))), [(3, 3)]),
    NpCase("det_batch", lambda np, a: np.linalg.det(shifted(np, a)) ** 2, [(2, 3, 3)]),
    NpCase("det_negative", lambda np, a: np.exp(np.linalg.det(shifted(np, a, -2.0)) / 4), [(3, 3)]),
    NpCase("slogdet", lambda np, a: np.linalg.slogdet(shifted(np, a))[1] ** 2, [(3, 3)]),
    NpCase(
        "slogdet_batch_negative",
        lambda np, a: (
            np.sin(np.linalg.slogdet(shifted(np, a, -2.0))[1])
            * np.linalg.slogdet(shifted(np, a, -2.0))[0]
        ),
        [(2, 3, 3)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
