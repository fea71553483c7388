"""Gradients of Deconvolution (through _backward_Deconvolution), to order 3."""
from harness import Case, standard_tests


def deconv(square=True, **attrs):
    """Deconvolution(x, w[, b]), squared so that every order has a nonzero term."""

    def fn(F, x, w, *b):
        y = F.Deconvolution(x, w, *b, no_bias=not b, **attrs)
        return y ** 2 if square else y
    return fn


CASES = [
    Case("deconv1d", deconv(kernel=(3,), num_filter=2), [(2, 3, 4), (3, 2, 3), (2,)]),
    Case("deconv1d_stride_pad_adj", deconv(kernel=(3,), stride=(2,), pad=(1,), adj=(1,),
                                           num_filter=2), [(1, 2, 4), (2, 2, 3)]),
    Case("deconv2d", deconv(kernel=(2, 3), num_filter=2), [(2, 2, 3, 2), (2, 2, 2, 3), (2,)]),
    # dilate with stride > 1 is left out: stock MXNet's own first-order data
    # gradient of such a Deconvolution disagrees with finite differences
    Case("deconv2d_dilate_pad", deconv(kernel=(2, 2), dilate=(2, 2), pad=(1, 1), num_filter=2),
         [(1, 2, 3, 3), (2, 2, 2, 2), (2,)]),
    Case("deconv2d_stride_pad", deconv(kernel=(2, 3), stride=(2, 3), pad=(1, 0), num_filter=3),
         [(1, 2, 3, 3), (2, 3, 2, 3), (3,)]),
    Case("deconv2d_target_shape", deconv(kernel=(3, 3), stride=(2, 2), target_shape=(6, 7),
                                         num_filter=1), [(1, 2, 3, 3), (2, 1, 3, 3)]),
    Case("deconv2d_groups", deconv(kernel=(2, 2), num_filter=4, num_group=2),
         [(1, 4, 2, 3), (4, 2, 2, 2), (4,)]),
    Case("deconv2d_linear", deconv(square=False, kernel=(2, 2), stride=(2, 2), num_filter=2),
         [(1, 2, 2, 3), (2, 2, 2, 2), (2,)]),
    Case("deconv2d_weight_constant", deconv(kernel=(2, 2), num_filter=2),
         [(1, 2, 3, 2), (2, 2, 2, 2)], constants=(1,)),
    Case("deconv2d_data_constant", deconv(kernel=(2, 2), num_filter=2),
         [(1, 2, 3, 2), (2, 2, 2, 2), (2,)], constants=(0,)),
]


test_higher_order, test_hybridized, test_first_order_bit_identical = standard_tests(
    __file__, CASES)
