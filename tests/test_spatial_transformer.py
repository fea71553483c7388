"""Gradients of SpatialTransformer(data, loc) (affine, bilinear), to order 3.

The forward op's gradient is replaced under create_graph (stock's backward kernel
writes the grid's gradient over its hidden grid_src output). Random loc puts
some sampling points outside the data (zeros there); no point lies within a
finite-difference step of a pixel's row or column."""

from harness import Case, standard_tests


def transformer(height, width, inner=lambda F, x: x * x, outer=lambda F, y: F.sin(y)):
    """outer(SpatialTransformer(inner(data), loc)), target (height, width)."""

    def fn(F, data, loc):
        y = F.SpatialTransformer(
            inner(F, data),
            loc,
            target_shape=(height, width),
            transform_type="affine",
            sampler_type="bilinear",
        )
        return outer(F, y)

    return fn


CASES = [
    Case("square_sin", transformer(3, 4), [(2, 3, 4, 5), (2, 6)]),
    Case(
        "odd_sizes",
        transformer(5, 3, inner=lambda F, x: F.sin(x), outer=lambda F, y: y * y * y),
        [(1, 2, 3, 7), (1, 6)],
    ),
    Case("larger_target", transformer(6, 5, inner=lambda F, x: F.exp(x)), [(3, 1, 3, 3), (3, 6)]),
    Case(
        "loc_nonlinear",  # loc through tanh: its own second derivatives join the sampler's
        lambda F, data, loc: transformer(4, 4)(F, data, F.tanh(loc) * 1.5),
        [(2, 2, 5, 4), (2, 6)],
    ),
    Case(
        "linear_outside",  # the transformer's own second derivatives only
        transformer(3, 3, inner=lambda F, x: x, outer=lambda F, y: y),
        [(1, 2, 4, 4), (1, 6)],
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
