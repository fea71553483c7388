"""Gradients of LayerNorm, to order 3."""

from harness import Case, standard_tests

# Inputs (x, gamma, beta); gamma kept away from 0.
RANGES = dict(low=(-1.0, 0.5, -1.0), high=(1.0, 1.5, 1.0))


def ln(F, x, gamma, beta, **attrs):
    y = F.LayerNorm(x, gamma, beta, **attrs)
    return y * F.sin(y)  # a nonlinear head, so every order has terms


def case(name, shape, axis_len, constants=(), **attrs):
    return Case(
        name,
        lambda F, *a: ln(F, *a, **attrs),
        [shape, (axis_len,), (axis_len,)],
        constants=constants,
        **RANGES,
    )


CASES = [
    case("last_axis", (3, 4), 4),
    case("vector", (5,), 5),
    case("axis_0", (3, 2), 3, axis=0),
    case("axis_1_3d", (2, 3, 2), 3, axis=1),
    case("axis_neg2", (2, 3, 2), 3, axis=-2),
    case("eps", (2, 3), 3, eps=0.1),
    # gamma and beta constant: no heads reach ggamma and gbeta
    case("constant_affine", (3, 3), 3, constants=(1, 2)),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
