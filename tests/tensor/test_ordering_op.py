"""Gradients of topk and sort (their shared backward op _backward_topk), to order 3.

Every ret_typ, both directions, first, middle, last, negative and flattened
(None) axes, k below, at and (k = 0) equal to the axis length, odd sizes. Inputs
are drawn from a continuous range, so their entries are distinct (finite
differences across a tie would be meaningless); a random cotangent weighs each
output position differently, so a gather at the wrong positions shows.
"""

from harness import Case, standard_tests


def _both(F, x, pick, **kwargs):
    """pick(value, index) of topk's two outputs (ret_typ "both")."""
    return pick(*F.topk(x, ret_typ="both", **kwargs))


CASES = [
    Case(
        "topk_value_last_axis",
        lambda F, x: F.sin(F.topk(x, ret_typ="value", k=2) * 3),
        [(3, 5)],
    ),
    Case(
        "topk_value_ascend_axis0",
        lambda F, x: F.topk(F.exp(x), ret_typ="value", k=3, axis=0, is_ascend=True) ** 3,
        [(5, 3)],
    ),
    Case(
        "topk_value_negative_middle_axis",
        lambda F, x: (
            F.tanh(F.topk(x * x, ret_typ="value", k=2, axis=-2))
            * F.topk(x, ret_typ="value", k=2, axis=-2)
        ),
        [(2, 5, 3)],
        low=0.1,
    ),
    Case(
        "topk_value_flattened",
        lambda F, x: F.topk(F.sin(x), ret_typ="value", k=4, axis=None) ** 3,
        [(3, 5)],
    ),
    Case(
        "topk_value_k0_sorts_whole_axis",
        lambda F, x: F.topk(x, ret_typ="value", k=0, axis=1) ** 3,
        [(2, 5, 3)],
    ),
    Case(
        "topk_value_1d",
        lambda F, x: F.exp(F.topk(x, ret_typ="value", k=3)) * F.topk(x, ret_typ="value", k=3),
        [(7,)],
    ),
    Case(
        "topk_value_4d_ascend",
        lambda F, x: F.topk(x, ret_typ="value", k=2, axis=2, is_ascend=True) ** 3,
        [(2, 3, 5, 3)],
    ),
    # The indices choose between two functions of the values (where takes a
    # condition of any dtype).
    Case(
        "topk_both",
        lambda F, x: _both(F, x, lambda v, i: F.where(i >= 2, v**3, F.sin(v)), k=2),
        [(3, 5)],
    ),
    Case(
        "topk_both_ascend_axis0_int32",
        lambda F, x: _both(
            F,
            x,
            lambda v, i: F.where(i < 3, F.cos(v), v**3),
            k=3,
            axis=0,
            is_ascend=True,
            dtype="int32",
        ),
        [(5, 3)],
    ),
    Case(
        "topk_both_flattened",
        lambda F, x: _both(F, x, lambda v, i: F.where(i > 4, v**3, F.exp(v)), k=5, axis=None),
        [(3, 3)],
    ),
    # Only the indices of "both" reach the output: the head of the values is zero.
    Case(
        "topk_both_indices_only",
        lambda F, x: F.take(x**3, _both(F, x, lambda v, i: F.reshape(i, (-1,)), k=1), axis=1),
        [(3, 5)],
    ),
    Case(
        "topk_indices",
        lambda F, x: F.take(F.sin(x) * x, F.reshape(F.topk(x, k=1, axis=0), (-1,)), axis=0),
        [(5, 3)],
    ),
    Case(
        "topk_mask",
        lambda F, x: F.sin(x) * x * F.topk(x, ret_typ="mask", k=2, axis=-1, is_ascend=True),
        [(3, 5)],
    ),
    Case("sort_last_axis", lambda F, x: F.sort(x, axis=-1) ** 3, [(3, 5)]),
    Case(
        "sort_descend_axis0",
        lambda F, x: F.sin(F.sort(x, axis=0, is_ascend=False)) * F.sort(x, axis=0),
        [(5, 3)],
    ),
    Case(
        "sort_flattened",
        lambda F, x: F.exp(F.sort(x * x, axis=None, is_ascend=False)),
        [(3, 3)],
        low=0.1,
    ),
    Case("sort_negative_middle_axis", lambda F, x: F.sort(F.tanh(x), axis=-2) ** 3, [(2, 5, 3)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
