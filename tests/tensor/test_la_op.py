"""Gradients of the linalg operators with composable backward ops, to order 3."""

import numpy as np
import pytest

import mxnet as mx
from mxnet_ho.test_utils import higher_order_grads

from harness import Case, standard_tests

POS = (0.5, 1.5)


def shifted(F, a, s=2.0):
    """a + s*I (per matrix): keeps a random matrix well conditioned."""
    return a + s * F.linalg.makediag(F.ones_like(F.linalg.extractdiag(a)))


def spd(F, a):
    """a a^T + 2I: symmetric positive definite for the Cholesky ops."""
    return shifted(F, F.linalg.syrk(a))


def gemm2(**kw):
    return lambda F, a, b: F.linalg.gemm2(a, b, **kw) ** 2


def trmm(**kw):
    return lambda F, a, b: F.linalg.trmm(a, b, **kw) ** 2


def trsm(**kw):
    return lambda F, a, b: F.linalg.trsm(shifted(F, a), b, **kw) ** 2


CASES = [
    Case("gemm2", gemm2(), [(2, 3), (3, 2)]),
    Case("gemm2_ta_alpha", gemm2(transpose_a=True, alpha=0.7), [(3, 2), (3, 2)]),
    Case("gemm2_tb", gemm2(transpose_b=True), [(2, 3), (2, 3)]),
    Case("gemm2_ta_tb_batch", gemm2(transpose_a=True, transpose_b=True), [(2, 3, 2), (2, 2, 3)]),
    Case("gemm2_axis", gemm2(axis=-3), [(2, 2, 3), (3, 2, 2)]),
    Case("gemm2_bilinear", lambda F, a, b: F.linalg.gemm2(a, b), [(2, 3), (3, 2)]),
    Case(
        "gemm",
        lambda F, a, b, c: F.linalg.gemm(a, b, c, alpha=0.6, beta=1.4) ** 2,
        [(2, 3), (3, 2), (2, 2)],
    ),
    Case(
        "gemm_ta_tb",
        lambda F, a, b, c: (
            F.linalg.gemm(a, b, c, transpose_a=True, transpose_b=True, beta=-0.5) ** 2
        ),
        [(3, 2), (2, 3), (2, 2)],
    ),
    Case(
        "gemm_tb_batch",
        lambda F, a, b, c: F.linalg.gemm(a, b, c, transpose_b=True) ** 2,
        [(2, 2, 3), (2, 2, 3), (2, 2, 2)],
    ),
    Case(
        "gemm_axis_ta",
        lambda F, a, b, c: F.linalg.gemm(a, b, c, transpose_a=True, axis=0) ** 2,
        [(3, 2, 2), (3, 2, 2), (2, 2, 2)],
    ),
    Case("gemm_c_squared", lambda F, a, b, c: F.linalg.gemm(a, b, c * c), [(2, 2), (2, 2), (2, 2)]),
    Case("trmm", trmm(), [(3, 3), (3, 2)]),
    Case("trmm_upper_transpose", trmm(lower=False, transpose=True, alpha=1.5), [(3, 3), (3, 2)]),
    Case("trmm_rightside", trmm(rightside=True), [(3, 3), (2, 3)]),
    Case(
        "trmm_rightside_transpose_batch",
        trmm(rightside=True, transpose=True, lower=False),
        [(2, 3, 3), (2, 2, 3)],
    ),
    Case("trsm", trsm(), [(3, 3), (3, 2)]),
    Case(
        "trsm_upper_transpose_alpha", trsm(lower=False, transpose=True, alpha=0.8), [(3, 3), (3, 2)]
    ),
    Case("trsm_rightside", trsm(rightside=True, alpha=1.3), [(3, 3), (2, 3)]),
    Case(
        "trsm_rightside_transpose_batch",
        trsm(rightside=True, transpose=True, lower=False),
        [(2, 3, 3), (2, 2, 3)],
    ),
    Case("syrk", lambda F, a: F.linalg.syrk(a) ** 2, [(2, 3)]),
    Case(
        "syrk_transpose_alpha",
        lambda F, a: F.linalg.syrk(a, transpose=True, alpha=0.7) ** 2,
        [(3, 2)],
    ),
    Case("syrk_batch", lambda F, a: F.linalg.syrk(a, alpha=1.2) * F.linalg.syrk(a), [(2, 2, 3)]),
    Case("sumlogdiag", lambda F, a: F.linalg.sumlogdiag(a) ** 2, [(3, 3)], *POS),
    Case("sumlogdiag_batch", lambda F, a: F.linalg.sumlogdiag(a * a), [(2, 3, 3)], *POS),
    Case("inverse", lambda F, a: F.linalg.inverse(shifted(F, a)), [(3, 3)]),
    # Cholesky factor and the inverse from it, both triangles, batched
    Case("potrf", lambda F, a: F.sin(F.linalg.potrf(spd(F, a))), [(3, 3)]),
    Case("potrf_upper", lambda F, a: F.linalg.potrf(spd(F, a), lower=False) ** 2, [(3, 3)]),
    Case("potrf_batch", lambda F, a, w: F.linalg.potrf(spd(F, a)) * w, [(2, 3, 3), (2, 3, 3)]),
    Case("potri", lambda F, a: F.sin(F.linalg.potri(F.linalg.potrf(spd(F, a)))), [(3, 3)]),
    Case(
        "potri_upper",
        lambda F, a: F.linalg.potri(F.linalg.potrf(spd(F, a), lower=False), lower=False) ** 2,
        [(3, 3)],
    ),
    # LQ factorization (A = L Q, m <= n) and symmetric eigendecomposition
    # (A = U^T diag(lam) U); eigenvectors enter squared, which their sign does not change
    Case(
        "gelqf",
        lambda F, a: F.sum(F.sin(F.linalg.gelqf(a)[0])) * F.sum(F.linalg.gelqf(a)[1] ** 2),
        [(2, 3)],
    ),
    Case("gelqf_l_only", lambda F, a: F.linalg.gelqf(a)[1] ** 3, [(3, 3)]),
    Case("gelqf_q_only_batch", lambda F, a: F.sin(F.linalg.gelqf(a)[0]), [(2, 2, 4)]),
    Case(
        "syevd",
        lambda F, a, w: (
            F.sum(F.linalg.syevd(a + F.swapaxes(a, 0, 1))[0] ** 2 * w)
            + F.sum(F.linalg.syevd(a + F.swapaxes(a, 0, 1))[1] ** 3)
        ),
        [(3, 3), (3, 3)],
    ),
    Case("syevd_values_only", lambda F, a: F.sin(F.linalg.syevd(F.linalg.syrk(a))[1]), [(3, 3)]),
    Case("potri_of_triangular", lambda F, t: F.linalg.potri(shifted(F, t * t)) ** 2, [(2, 3, 3)]),
    Case("inverse_batch", lambda F, a: F.linalg.inverse(shifted(F, a)) ** 2, [(2, 2, 2)]),
    Case("extractdiag", lambda F, a: F.linalg.extractdiag(a) ** 3, [(3, 3)]),
    Case("extractdiag_offset", lambda F, a: F.linalg.extractdiag(a, offset=-1) ** 3, [(2, 3, 3)]),
    Case("makediag", lambda F, a: F.linalg.makediag(a) ** 3, [(3,)]),
    Case("makediag_offset", lambda F, a: F.linalg.makediag(a, offset=1) ** 3, [(2, 2)]),
    Case("extracttrian", lambda F, a: F.linalg.extracttrian(a) ** 3, [(3, 3)]),
    Case(
        "extracttrian_upper_offset",
        lambda F, a: F.linalg.extracttrian(a, offset=1, lower=False) ** 3,
        [(2, 3, 3)],
    ),
    Case("maketrian", lambda F, a: F.linalg.maketrian(a) ** 3, [(6,)]),
    Case(
        "maketrian_upper_offset",
        lambda F, a: F.linalg.maketrian(a, offset=-1, lower=False) ** 3,
        [(2, 3)],
    ),
    # determinants (LU-based stock backward): one matrix, a batch, a negative
    # determinant (A = a - 2I, 3x3), and slogdet's log|det| (its sign has zero gradient)
    Case("det", lambda F, a: F.sin(F.linalg.det(shifted(F, a))), [(3, 3)]),
    Case("det_batch", lambda F, a: F.linalg.det(shifted(F, a)) ** 2, [(2, 3, 3)]),
    Case("det_negative", lambda F, a: F.exp(F.linalg.det(shifted(F, a, -2.0)) / 4), [(3, 3)]),
    Case("det_2x2_batch", lambda F, a, w: F.linalg.det(shifted(F, a)) * w, [(4, 2, 2), (4,)]),
    Case("slogdet", lambda F, a: F.linalg.slogdet(shifted(F, a))[1] ** 2, [(3, 3)]),
    Case(
        "slogdet_batch_negative",
        lambda F, a: F.sin(F.linalg.slogdet(shifted(F, a, -2.0))[1]) * F.linalg.slogdet(a)[0],
        [(2, 3, 3)],
    ),
    Case(
        "slogdet_times_det",
        lambda F, a: F.linalg.slogdet(shifted(F, a))[1] * F.linalg.det(shifted(F, a)),
        [(2, 2, 2)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_det_slogdet_against_torch():
    """Third derivatives of det and log|det| (batched) in one random direction
    agree with PyTorch's, a second oracle beside finite differences."""
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(3)
    a = rng.uniform(-0.3, 0.3, (2, 3, 3)) + 2 * np.eye(3)
    cotangent = rng.uniform(-1, 1, (2,))
    directions = [[rng.uniform(-1, 1, a.shape)] for _ in range(2)]

    def torch_order3(f):
        x = torch.tensor(a, requires_grad=True)
        out = (f(x) * torch.tensor(cotangent)).sum()
        for d in directions:
            (g,) = torch.autograd.grad(out, x, create_graph=True)
            out = (g * torch.tensor(d[0])).sum()
        (g,) = torch.autograd.grad(out, x)
        return g.numpy()

    for name, ours, theirs in [
        ("det", lambda x: mx.nd.linalg.det(x), torch.linalg.det),
        ("slogdet", lambda x: mx.nd.linalg.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1]),
    ]:
        xs = [mx.nd.array(a, dtype="float64")]
        c = mx.nd.array(cotangent, dtype="float64")
        ds = [[mx.nd.array(d[0], dtype="float64")] for d in directions]
        _, (g,) = higher_order_grads(ours, xs, 2, c, ds)
        np.testing.assert_allclose(g, torch_order3(theirs), rtol=1e-9, atol=1e-10, err_msg=name)
