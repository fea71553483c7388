"""Gradients of GroupNorm, to order 3."""

from harness import Case, standard_tests

# Inputs (x, gamma, beta), gamma and beta of shape (num_groups,); gamma kept away from 0.
RANGES = dict(low=(-1.0, 0.5, -1.0), high=(1.0, 1.5, 1.0))


def gn(F, x, gamma, beta, **attrs):
    y = F.GroupNorm(x, gamma, beta, **attrs)
    return y * F.sin(y)  # a nonlinear head, so every order has terms


def case(name, shape, groups, constants=(), **attrs):
    return Case(
        name,
        lambda F, *a: gn(F, *a, num_groups=groups, **attrs),
        [shape, (groups,), (groups,)],
        constants=constants,
        **RANGES,
    )


CASES = [
    case("one_group", (2, 3, 2), 1),
    case("two_groups", (2, 4, 2), 2),
    case("channel_groups_4d", (1, 3, 2, 2), 3),
    case("eps", (2, 2, 3), 2, eps=0.1),
    # gamma and beta constant: no heads reach ggamma and gbeta
    case("constant_affine", (2, 4, 2), 2, constants=(1, 2)),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
