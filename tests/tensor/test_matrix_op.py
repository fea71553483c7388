"""Gradients of shape manipulation (reshape, squeeze, flip, tile, repeat, stack,
split_v2, and the ops whose gradients are already forward ops), to order 3.

Each op is linear, so a case composes it with a nonlinear function (a cube, or
a product of two inputs) for the head gradient to depend on the inputs."""

from harness import Case, standard_tests


def cube(y):
    return y * y * y


def split_product(F, parts):
    # A product of unequal powers of the parts, so each part gets its own head.
    out = parts[0]
    for i, p in enumerate(parts[1:]):
        out = F.broadcast_mul(out, p ** (i + 2))
    return out


CASES = [
    # Reshape and its special codes: 0 keep, -1 infer, -2 copy rest, -3 merge, -4 split.
    Case("reshape", lambda F, x: cube(F.reshape(x, shape=(3, 4))), [(2, 6)]),
    Case("reshape_keep_infer", lambda F, x: cube(F.reshape(x, shape=(0, -1))), [(2, 3, 2)]),
    Case("reshape_copy_rest", lambda F, x: cube(F.reshape(x, shape=(-2,))), [(2, 3)]),
    Case("reshape_merge", lambda F, x: cube(F.reshape(x, shape=(-3, 0))), [(2, 3, 2)]),
    Case("reshape_split", lambda F, x: cube(F.reshape(x, shape=(-4, 1, 2, -2))), [(2, 3)]),
    Case(
        "reshape_reverse", lambda F, x: cube(F.reshape(x, shape=(-1, 0), reverse=True)), [(2, 3, 2)]
    ),
    Case("reshape_product", lambda F, x, y: F.reshape(x, shape=(3, 2)) * y, [(2, 3), (3, 2)]),
    # A linear function: the second derivative has no path to x and is zero.
    Case("reshape_linear", lambda F, x: F.reshape(x, shape=(-1,)), [(2, 3)]),
    Case("expand_dims", lambda F, x: cube(F.expand_dims(x, axis=1)), [(2, 3)]),
    Case("expand_dims_negative", lambda F, x: cube(F.expand_dims(x, axis=-1)), [(3,)]),
    Case("squeeze", lambda F, x: cube(F.squeeze(x)), [(1, 3, 1, 2)]),
    Case("squeeze_axes", lambda F, x: cube(F.squeeze(x, axis=(0, -1))), [(1, 3, 1, 1)]),
    Case("flatten", lambda F, x: cube(F.Flatten(x)), [(2, 3, 2)]),
    Case("reshape_like", lambda F, x, y: cube(F.reshape_like(x, y)) * y, [(2, 3), (3, 2)]),
    Case("transpose", lambda F, x: cube(F.transpose(x)), [(2, 3, 4)]),
    Case(
        "transpose_axes", lambda F, x, y: F.transpose(x, axes=(1, 2, 0)) * y, [(2, 3, 4), (3, 4, 2)]
    ),
    Case("flip", lambda F, x: cube(F.flip(x, axis=0)) * x, [(3, 2)]),
    Case("reverse_axes", lambda F, x: cube(F.reverse(x, axis=(0, 2))) * x, [(2, 3, 2)]),
    Case("tile", lambda F, x: cube(F.tile(x, reps=(2, 3))), [(2, 3)]),
    Case("tile_short_reps", lambda F, x: cube(F.tile(x, reps=(2,))), [(2, 3)]),
    Case("tile_long_reps", lambda F, x: cube(F.tile(x, reps=(2, 1, 3))), [(3,)]),
    Case("repeat_flat", lambda F, x: cube(F.repeat(x, repeats=2)), [(2, 3)]),
    Case("repeat_axis", lambda F, x: cube(F.repeat(x, repeats=3, axis=0)), [(2, 3)]),
    Case("repeat_negative", lambda F, x: cube(F.repeat(x, repeats=2, axis=-1)), [(2, 3)]),
    Case("broadcast_to", lambda F, x: cube(F.broadcast_to(x, shape=(2, 3, 4))), [(1, 3, 1)]),
    Case(
        "broadcast_axis",
        lambda F, x: cube(F.broadcast_axis(x, axis=(0, 2), size=(2, 3))),
        [(1, 3, 1)],
    ),
    Case("broadcast_like", lambda F, x, y: cube(F.broadcast_like(x, y)) * y, [(1, 3), (2, 3)]),
    Case("stack", lambda F, a, b: cube(F.stack(a, b)), [(2, 3), (2, 3)]),
    Case(
        "stack_negative",
        lambda F, a, b, c: cube(F.stack(a, b, c, axis=-1)) * F.stack(c, a, b, axis=-1),
        [(3,), (3,), (3,)],
    ),
    Case("stack_middle", lambda F, a, b: cube(F.stack(a, b, axis=1)), [(2, 3), (2, 3)]),
    Case("split_v2_sections", lambda F, x: split_product(F, F.split_v2(x, 3, axis=1)), [(2, 3)]),
    Case(
        "split_v2_indices", lambda F, x: split_product(F, F.split_v2(x, (1, 3), axis=-1)), [(2, 5)]
    ),
    Case(
        "split_v2_squeeze",
        lambda F, x: split_product(F, F.split_v2(x, 2, axis=0, squeeze_axis=True)),
        [(2, 3)],
    ),
    Case("split_v2_unused", lambda F, x: cube(F.split_v2(x, 3, axis=0)[1]), [(3, 2)]),
    Case("depth_to_space", lambda F, x: cube(F.depth_to_space(x, block_size=2)), [(1, 4, 1, 2)]),
    Case("space_to_depth", lambda F, x: cube(F.space_to_depth(x, block_size=2)), [(1, 1, 2, 4)]),
    Case(
        "depth_to_space_block3",
        lambda F, x: cube(F.depth_to_space(F.sin(x), block_size=3)),
        [(2, 9, 1, 2)],
    ),
    Case(
        "space_to_depth_block3",
        lambda F, x: cube(F.space_to_depth(F.sin(x), block_size=3)),
        [(1, 2, 3, 6)],
    ),
    # each the other's adjoint: a round trip is the identity
    Case(
        "depth_space_round_trip",
        lambda F, x, w: F.depth_to_space(F.space_to_depth(x, block_size=2) * w, block_size=2) * x,
        [(1, 2, 2, 4), (1, 8, 1, 2)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
