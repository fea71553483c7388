"""Gradients of UpSampling (through _backward_UpSampling), to order 3."""

from harness import Case, standard_tests


def nearest(**attrs):
    def fn(F, *xs):
        return (
            F.UpSampling(*[x * x for x in xs], sample_type="nearest", num_args=len(xs), **attrs)
            ** 2
        )

    return fn


def bilinear(scale, channels):
    def fn(F, x, w):
        return (
            F.UpSampling(x, w, scale=scale, sample_type="bilinear", num_args=2, num_filter=channels)
            ** 2
        )

    return fn


CASES = [
    Case("nearest", nearest(scale=2), [(1, 2, 2, 3)]),
    Case("nearest_scale3", nearest(scale=3), [(2, 1, 2, 2)]),
    # several inputs (num_args > 1) are left out: check_orders differentiates one
    # input at a time, and the rule refuses the other inputs' unused zero heads
    Case("bilinear", bilinear(2, 2), [(1, 2, 2, 3), (2, 1, 4, 4)]),
    Case("bilinear_scale3", bilinear(3, 1), [(1, 1, 2, 2), (1, 1, 5, 5)]),
    Case("bilinear_weight_constant", bilinear(2, 2), [(1, 2, 2, 2), (2, 1, 4, 4)], constants=(1,)),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
