"""Gradients of the NumPy interface's sort (_npi_sort) and npx.topk (_npx_topk),
to order 3: aliases of sort and topk, so _backward_topk's rule
(tests/tensor/test_ordering_op.py). Inputs are drawn from a continuous range,
so their entries are distinct (no ties)."""

import mxnet as mx

from harness import NpCase, numpy_mode, standard_tests

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing


def _npx(np):
    """mx.npx for mx.np, the symbolic npx for F.np in a hybridized block."""
    return mx.npx if np is mx.np else mx.sym.npx


CASES = [
    NpCase("sort", lambda np, a: np.sort(a) ** 3, [(3, 5)]),
    NpCase("sort_axis0", lambda np, a: np.sin(np.sort(a * a, axis=0)) * a, [(5, 3)]),
    NpCase("sort_flattened", lambda np, a: np.exp(np.sort(a, axis=None)), [(3, 3)]),
    NpCase("sort_negative_axis_1d", lambda np, a: np.sort(np.tanh(a), axis=-1) ** 3, [(7,)]),
    NpCase(
        "npx_topk_value_descend",
        lambda np, a: _npx(np).topk(a, k=2, axis=1, ret_typ="value") ** 3,
        [(2, 5, 3)],
    ),
    NpCase(
        "npx_topk_value_ascend_flattened",
        lambda np, a: np.sin(_npx(np).topk(a, k=4, axis=None, ret_typ="value", is_ascend=True)),
        [(3, 3)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
