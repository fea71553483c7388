"""Gradients of BilinearSampler(data, grid), to order 3.

The sampler is linear in data and, between the kinks where a point crosses a
pixel's row or column, smooth in the grid: inputs are drawn at random, so no
point lies within a finite-difference step of a kink. Grids reach past [-1, 1],
so some neighbours fall outside the data (zeros there)."""

from harness import Case, standard_tests

GRID = (-1.3, 1.3)


def sampler(inner=lambda F, x: x * x, warp=lambda F, g: g, outer=lambda F, y: F.sin(y)):
    """outer(BilinearSampler(inner(data), warp(grid))): nonlinear around both inputs."""

    def fn(F, data, grid):
        return outer(F, F.BilinearSampler(inner(F, data), warp(F, grid)))

    return fn


CASES = [
    Case("square_sin", sampler(), [(2, 3, 4, 5), (2, 2, 3, 4)], (-1.0, GRID[0]), (1.0, GRID[1])),
    Case(
        "odd_sizes",
        sampler(inner=lambda F, x: F.sin(x), warp=lambda F, g: F.tanh(g) * 1.2),
        [(1, 2, 5, 7), (1, 2, 4, 3)],
    ),
    Case(
        "inside",  # every neighbour within the data
        sampler(warp=lambda F, g: g * 0.9, outer=lambda F, y: y * y * y),
        [(2, 1, 3, 3), (2, 2, 2, 5)],
    ),
    Case(
        "larger_target",
        sampler(inner=lambda F, x: F.exp(x), outer=lambda F, y: y * y),
        [(1, 2, 3, 2), (1, 2, 5, 6)],
        (-1.0, GRID[0]),
        (1.0, GRID[1]),
    ),
    Case(
        "one_row",  # H = 1: y maps to the only row
        sampler(),
        [(2, 2, 1, 4), (2, 2, 3, 3)],
        (-1.0, GRID[0]),
        (1.0, GRID[1]),
    ),
    Case(
        "linear_outside",  # the sampler's own second derivatives only
        sampler(inner=lambda F, x: x, outer=lambda F, y: y),
        [(1, 2, 4, 4), (1, 2, 3, 3)],
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
