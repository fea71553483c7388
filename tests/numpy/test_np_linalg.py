"""Gradients of the NumPy interface's np.linalg ops (mx.np) to order 3: det and
slogdet (aliases of linalg_det and linalg_slogdet), solve, tensorinv,
tensorsolve and svd. Matrices are made well
conditioned as a + s*I; each op is composed with a nonlinear function so that
its higher derivatives are not zero."""

import numpy as onp
import pytest

import mxnet as mx
from mxnet_ho.test_utils import higher_order_grads

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
    # solve: matrix right-hand sides (stock's first order fails for vectors), one
    # system, a batch, one column
    NpCase(
        "solve_matrix",
        lambda np, a, b: np.sin(np.linalg.solve(shifted(np, a), b)),
        [(3, 3), (3, 2)],
    ),
    NpCase(
        "solve_column_batch",
        lambda np, a, b: np.linalg.solve(shifted(np, a), b) ** 3,
        [(2, 3, 3), (2, 3, 1)],
    ),
    NpCase(
        "solve_matrix_batch_negative",
        lambda np, a, b: np.linalg.solve(shifted(np, a, -2.0), b * b) ** 2,
        [(2, 3, 3), (2, 3, 4)],
    ),
    # tensorinv: a well-conditioned 6 x 6 matrix read as a tensor, S1 + S2 with
    # ind = |S1|: one, two and three axes merged on either side
    NpCase(
        "tensorinv",
        lambda np, a: np.linalg.tensorinv(np.reshape(shifted(np, a, n=6), (2, 3, 6))) ** 2,
        [(6, 6)],
    ),
    NpCase(
        "tensorinv_ind1",
        lambda np, a: np.sin(np.linalg.tensorinv(np.reshape(shifted(np, a, n=4), (4, 2, 2)), 1)),
        [(4, 4)],
    ),
    NpCase(
        "tensorinv_ind3",
        lambda np, a: np.linalg.tensorinv(np.reshape(shifted(np, a, n=8), (2, 2, 2, 8)), 3) ** 3,
        [(8, 8)],
    ),
    # tensorsolve: a well-conditioned 6 x 6 matrix read as a (b.shape + x.shape),
    # without and with axes moved to the end
    NpCase(
        "tensorsolve",
        lambda np, a, b: np.linalg.tensorsolve(np.reshape(shifted(np, a, n=6), (2, 3, 6)), b) ** 2,
        [(6, 6), (2, 3)],
    ),
    NpCase(
        "tensorsolve_axes",
        lambda np, a, b: np.sin(
            np.linalg.tensorsolve(
                np.moveaxis(np.reshape(shifted(np, a, n=6), (2, 3, 6)), -1, 0), b, axes=(0,)
            )
        ),
        [(6, 6), (2, 3)],
    ),
    NpCase(
        "tensorsolve_negative_axes",
        lambda np, a, b: (
            np.linalg.tensorsolve(
                np.moveaxis(np.reshape(shifted(np, a, n=6), (2, 3, 6)), -1, 1), b, axes=(-2,)
            )
            ** 3
        ),
        [(6, 6), (2, 3)],
    ),
    # svd: (UT, L, V), A = UT diag(L) V; the singular vectors enter squared (their
    # signs flip in pairs) and random matrices have distinct singular values
    NpCase("svd_values", lambda np, a: np.linalg.svd(a)[1] ** 3, [(3, 4)]),
    NpCase(
        "svd_all",
        lambda np, a: (
            np.sum(np.linalg.svd(a)[0] ** 2 * np.linalg.svd(a)[1])
            + np.sum(np.sin(np.linalg.svd(a)[2] ** 2))
        ),
        [(3, 5)],
    ),
    NpCase("svd_v_batch", lambda np, a: np.linalg.svd(a)[2] ** 2, [(2, 2, 3)]),
    NpCase("svd_ut_square", lambda np, a: np.sin(np.linalg.svd(a)[0] ** 2), [(3, 3)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_solve_against_torch():
    """Third derivatives of np.linalg.solve (batched, both inputs) in random
    directions agree with PyTorch's, a second oracle beside finite differences."""
    torch = pytest.importorskip("torch")
    rng = onp.random.RandomState(4)
    a = rng.uniform(-0.3, 0.3, (2, 3, 3)) + 2 * onp.eye(3)
    b = rng.uniform(-1, 1, (2, 3, 2))
    cotangent = rng.uniform(-1, 1, b.shape)
    directions = [[rng.uniform(-1, 1, a.shape), rng.uniform(-1, 1, b.shape)] for _ in range(2)]

    xs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    out = (torch.linalg.solve(*xs) * torch.tensor(cotangent)).sum()
    for d in directions:
        grads = torch.autograd.grad(out, xs, create_graph=True)
        out = sum((g * torch.tensor(v)).sum() for g, v in zip(grads, d))
    expected = [g.numpy() for g in torch.autograd.grad(out, xs)]

    def array(v):
        return mx.np.array(v, dtype="float64")

    _, ours = higher_order_grads(
        lambda p, q: mx.np.linalg.solve(p, q),
        [array(a), array(b)],
        2,
        array(cotangent),
        [[array(v) for v in d] for d in directions],
    )
    for g, e in zip(ours, expected):
        onp.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-10)
