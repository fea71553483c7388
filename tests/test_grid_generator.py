"""Gradients of GridGenerator (affine and warp), to order 3, alone and feeding
BilinearSampler (a spatial transformer built from the two).

MXNet runs GridGenerator in float32 only on CPU, so each case names a reference:
the same grid written with dot and broadcast arithmetic on constant pixel
coordinates, which run in float64."""

import numpy as np

from harness import Case, standard_tests


def target_points(height, width):
    """The affine target points (3, H*W): x, y over the target, row-major, and ones."""
    rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    x = -1.0 + columns.ravel() * (2.0 / (width - 1))
    y = -1.0 + rows.ravel() * (2.0 / (height - 1))
    return np.stack([x, y, np.ones(height * width)])


def affine_reference(F, theta, height, width):
    points = F.array(target_points(height, width), dtype=theta.dtype)
    return F.reshape(F.dot(F.reshape(theta, (-1, 3)), points), (-1, 2, height, width))


def warp_reference(F, flow):
    _, _, height, width = flow.shape
    rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    pixels = F.array(np.stack([columns, rows])[None], dtype=flow.dtype)
    extent = F.array(np.array([width - 1, height - 1]).reshape(1, 2, 1, 1) / 2.0, dtype=flow.dtype)
    return F.broadcast_div(F.broadcast_add(flow, pixels), extent) - 1.0


def affine(height, width, outer=lambda F, y: F.sin(y), inner=lambda F, t: t * t):
    """(outer(GridGenerator(inner(theta))), its reference)."""

    def fn(F, theta):
        grid = F.GridGenerator(
            inner(F, theta), transform_type="affine", target_shape=(height, width)
        )
        return outer(F, grid)

    def ref(F, theta):
        return outer(F, affine_reference(F, inner(F, theta), height, width))

    return fn, ref


def warp(outer=lambda F, y: F.sin(y), inner=lambda F, f: F.tanh(f)):
    def fn(F, flow):
        return outer(F, F.GridGenerator(inner(F, flow), transform_type="warp"))

    def ref(F, flow):
        return outer(F, warp_reference(F, inner(F, flow)))

    return fn, ref


def transformer(height, width):
    """sin(BilinearSampler(data^2, GridGenerator(theta))): the grid's second
    derivatives through the sampler's."""

    def fn(F, data, theta):
        grid = F.GridGenerator(theta, transform_type="affine", target_shape=(height, width))
        return F.sin(F.BilinearSampler(data * data, grid))

    def ref(F, data, theta):
        return F.sin(F.BilinearSampler(data * data, affine_reference(F, theta, height, width)))

    return fn, ref


def case(name, pair, shapes, **kwargs):
    fn, ref = pair
    return Case(name, fn, shapes, reference=ref, **kwargs)


CASES = [
    case("affine", affine(3, 4), [(2, 6)]),
    case("affine_odd", affine(5, 3, inner=lambda F, t: F.sin(t)), [(3, 6)]),
    case("affine_square_outer", affine(2, 2, outer=lambda F, y: y * y * y), [(1, 6)]),
    case("warp", warp(), [(2, 2, 3, 4)]),
    case("warp_odd", warp(outer=lambda F, y: y * y, inner=lambda F, f: f * f * f), [(1, 2, 5, 3)]),
    case("sampled", transformer(3, 5), [(2, 2, 4, 4), (2, 6)]),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
