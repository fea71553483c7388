"""Gradients of Pooling_v1 (through _backward_Pooling_v1), to order 3.

Pooling_v1 is 2-D only and pads with zeros for every pool_type: a max window
lying over negative values and padding has the maximum 0 from the padding, and
routes no gradient to x (the cases with sin(x) in (-1, 1) and padding have such
windows)."""

from harness import Case, standard_tests


def pool(inner=lambda F, x: x * x, outer=lambda F, y: y * y, **attrs):
    """outer(Pooling_v1(inner(x))): nonlinear on both sides, so every order is nonzero."""

    def fn(F, x):
        return outer(F, F.Pooling_v1(inner(F, x), **attrs))

    return fn


def sin(F, x):
    return F.sin(x)


CASES = [
    Case("max", pool(kernel=(2, 2), pool_type="max"), [(1, 2, 4, 5)]),
    Case(
        "max_stride_pad_negative",
        pool(inner=sin, kernel=(3, 2), stride=(2, 1), pad=(1, 1), pool_type="max"),
        [(2, 1, 5, 4)],
    ),
    Case(
        "max_full",
        pool(kernel=(2, 2), stride=(2, 2), pool_type="max", pooling_convention="full"),
        [(1, 2, 5, 5)],
    ),
    Case(
        "max_full_pad_negative",
        pool(
            inner=sin,
            kernel=(3, 2),
            stride=(2, 3),
            pad=(1, 1),
            pool_type="max",
            pooling_convention="full",
        ),
        [(1, 1, 6, 7)],
    ),
    Case("max_global", pool(inner=sin, kernel=(1, 1), global_pool=True), [(2, 3, 3, 4)]),
    Case(
        "max_linear_outer",
        pool(outer=lambda F, y: F.sin(y), kernel=(2, 2), stride=(1, 2), pool_type="max"),
        [(1, 1, 4, 4)],
    ),
    Case("avg", pool(kernel=(2, 2), stride=(2, 1), pool_type="avg"), [(1, 2, 4, 5)]),
    # the kernel size divides every window, padded or overhanging
    Case(
        "avg_pad_full",
        pool(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", pooling_convention="full"),
        [(1, 1, 6, 5)],
    ),
    Case("avg_global", pool(kernel=(2, 2), global_pool=True, pool_type="avg"), [(2, 2, 3, 3)]),
    Case("sum", pool(kernel=(2, 3), stride=(1, 2), pad=(1, 0), pool_type="sum"), [(1, 2, 4, 5)]),
    Case(
        "sum_full",
        pool(kernel=(3, 2), stride=(2, 2), pool_type="sum", pooling_convention="full"),
        [(1, 2, 6, 5)],
    ),
    Case("sum_global", pool(kernel=(1, 1), global_pool=True, pool_type="sum"), [(1, 2, 3, 2)]),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
