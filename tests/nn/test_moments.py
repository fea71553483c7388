"""Gradients of moments (mean and variance over axes) to order 3."""

from harness import Case, standard_tests


def mean_var(F, x, **kwargs):
    """mean * var + var^2: uses both outputs non-linearly."""
    m, v = F.moments(x, **kwargs)
    return m * v + v**2


def var_only(F, x, **kwargs):
    return F.moments(x, **kwargs)[1] ** 2


def mean_only(F, x, **kwargs):
    return F.moments(x, **kwargs)[0] ** 3


CASES = [
    Case("all_axes", lambda F, x: mean_var(F, x, axes=(0, 1)), [(2, 3)]),
    Case("axis0", lambda F, x: mean_var(F, x, axes=(0,)), [(3, 2)]),
    Case(
        "neg_axis_keepdims",
        lambda F, x: F.broadcast_mul(mean_var(F, x, axes=(-1,), keepdims=True), x),
        [(2, 3)],
    ),
    Case("two_axes", lambda F, x: mean_var(F, x, axes=(0, 2)), [(2, 3, 2)]),
    Case("var_only", lambda F, x: var_only(F, x, axes=(1,)), [(2, 3)]),
    Case("mean_only_keepdims", lambda F, x: mean_only(F, x, axes=(1,), keepdims=True), [(2, 3)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
