"""Gradients of LRN (through _backward_LRN), to order 3.

The stock LRN kernels compute in float32 only, so each case casts its float64
inputs to float32 around the op, and the central differences use a step and
tolerances that float32 rounding allows."""

from harness import Case, standard_tests


def lrn(**attrs):
    def fn(F, x):
        y = F.LRN(F.cast(x, "float32"), **attrs)
        return F.sin(F.cast(y, "float64"))

    return fn


FLOAT32 = dict(eps=2e-3, rtol=2e-3, atol=1e-4, float32="the case runs LRN in float32 already")

CASES = [
    Case("nsize_3", lrn(nsize=3, alpha=0.5, beta=0.75, knorm=1.5), [(2, 4, 2, 3)], **FLOAT32),
    # a window as wide as the channels (the stock kernel without MKL-DNN allows no wider)
    Case("nsize_5_of_5", lrn(nsize=5, alpha=1.0, beta=0.5, knorm=1.0), [(1, 5, 3, 2)], **FLOAT32),
    Case("nsize_1", lrn(nsize=1, alpha=2.0, beta=1.5, knorm=0.5), [(1, 2, 2, 2)], **FLOAT32),
    Case("nsize_3_of_7", lrn(nsize=3, alpha=0.8, beta=0.25, knorm=2.0), [(1, 7, 1, 2)], **FLOAT32),
    Case("defaults", lrn(nsize=5), [(1, 6, 2, 2)], low=-2.0, high=2.0, **FLOAT32),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
