"""Gradients of Pooling (through _backward_Pooling), to order 3."""
from harness import Case, standard_tests

POS = (0.5, 1.5)  # lp pooling divides by its output


def pool(inner=lambda F, x: x * x, outer=lambda F, y: y * y, **attrs):
    """outer(Pooling(inner(x))): nonlinear on both sides, so every order is nonzero."""

    def fn(F, x):
        return outer(F, F.Pooling(inner(F, x), **attrs))
    return fn


def sin(F, x):
    return F.sin(x)


# max pooling with pooling_convention full or same is refused by the rule (see
# patches/nn_pool.toml): its third order crashes inside MXNet.
CASES = [
    # max: the selection follows the first maximum of each window
    Case("max1d", pool(kernel=(3,), stride=(2,), pool_type="max"), [(2, 2, 7)]),
    Case("max2d", pool(kernel=(2, 2), pool_type="max"), [(1, 2, 4, 5)]),
    Case("max2d_stride_pad", pool(kernel=(3, 2), stride=(2, 1), pad=(1, 1), pool_type="max"),
         [(2, 1, 5, 4)]),
    Case("max3d", pool(inner=sin, kernel=(2, 2, 2), stride=(1, 2, 1), pool_type="max"),
         [(1, 2, 3, 4, 3)]),
    Case("max2d_global", pool(inner=sin, kernel=(1, 1), global_pool=True, pool_type="max"),
         [(2, 3, 3, 4)]),
    Case("max1d_global", pool(global_pool=True, kernel=(1,), pool_type="max"), [(2, 2, 5)]),
    Case("max2d_nhwc", pool(inner=sin, kernel=(2, 2), stride=(1, 2), pool_type="max",
                            layout="NHWC"), [(1, 4, 5, 2)]),
    Case("max2d_linear_outer", pool(outer=lambda F, y: F.sin(y), kernel=(2, 2), pool_type="max"),
         [(1, 1, 4, 4)]),
    # avg, sum: linear
    Case("avg2d", pool(kernel=(2, 2), stride=(2, 1), pool_type="avg"), [(1, 2, 4, 5)]),
    Case("avg2d_pad_include", pool(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg",
                                   count_include_pad=True), [(1, 1, 5, 4)]),
    Case("avg2d_pad_exclude", pool(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg",
                                   count_include_pad=False), [(1, 1, 5, 4)]),
    Case("avg2d_full", pool(kernel=(2, 2), stride=(2, 2), pool_type="avg",
                            pooling_convention="full"), [(1, 2, 5, 5)]),
    Case("avg1d", pool(kernel=(2,), pad=(1,), pool_type="avg", count_include_pad=False),
         [(2, 1, 5)]),
    Case("avg3d", pool(kernel=(2, 2, 1), stride=(1, 1, 2), pool_type="avg"), [(1, 1, 3, 3, 4)]),
    Case("avg_global", pool(kernel=(1, 1), global_pool=True, pool_type="avg"), [(2, 2, 3, 3)]),
    Case("sum2d", pool(kernel=(2, 3), stride=(1, 2), pad=(1, 0), pool_type="sum"), [(1, 2, 4, 5)]),
    Case("sum1d_full", pool(kernel=(3,), stride=(2,), pool_type="sum", pooling_convention="full"),
         [(1, 2, 6)]),
    Case("sum_nhwc", pool(kernel=(2, 2), pool_type="sum", layout="NHWC"), [(1, 3, 4, 2)]),
    # lp: y = (sum x^p)^(1/p)
    Case("lp1", pool(kernel=(2, 2), pool_type="lp", p_value=1), [(1, 2, 3, 4)], *POS),
    Case("lp2", pool(inner=lambda F, x: x, kernel=(2, 2), stride=(1, 2), pool_type="lp",
                     p_value=2), [(1, 2, 4, 5)], *POS),
    Case("lp3", pool(inner=lambda F, x: x, kernel=(3,), stride=(2,), pool_type="lp", p_value=3),
         [(2, 1, 7)], *POS),
    Case("lp2_global_linear", pool(inner=lambda F, x: x, outer=lambda F, y: y, kernel=(1, 1),
                                   global_pool=True, pool_type="lp", p_value=2),
         [(1, 2, 2, 3)], *POS),
    Case("lp3_3d", pool(inner=lambda F, x: x, kernel=(2, 2, 2), pool_type="lp", p_value=3),
         [(1, 1, 3, 2, 3)], *POS),
]


test_higher_order, test_hybridized, test_first_order_bit_identical = standard_tests(
    __file__, CASES)
