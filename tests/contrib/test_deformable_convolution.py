"""Gradients of DeformableConvolution(data, offset, weight[, bias]), to order 3.

Every kernel tap samples data bilinearly at the tap moved by its offset. The
sampling is kinked where a sample point crosses a pixel or the image's edge
(both at whole numbers, the taps' bases are whole numbers), so offsets are
drawn with fractional parts in [0.1, 0.9] and shifted by a whole number per
case, which moves taps outside the image (zeros) and onto its last row and
column (sampled with fraction 0). Attributes: deformable groups, groups, no
bias, kernel shape, stride, dilation and padding.

The composed gradient (under create_graph) is also held against stock's
first-order kernel directly: the same values to rounding."""

import mxnet as mx
import numpy as np
import pytest
from harness import Case, imperative, standard_tests


def out_size(size, kernel, stride, pad, dilate):
    return (size + 2 * pad - dilate * (kernel - 1) - 1) // stride + 1


def case(
    name,
    shape,
    filters,
    kernel=(3, 3),
    stride=(1, 1),
    pad=(0, 0),
    dilate=(1, 1),
    groups=1,
    deformable_groups=1,
    no_bias=False,
    shift=0.0,
    inner=lambda F, x: F.sin(x),
    outer=lambda F, y: y * y,
):
    """outer(DeformableConvolution(inner(data), offset + shift, weight[, bias]))."""
    n, c, h, w = shape
    ho = out_size(h, kernel[0], stride[0], pad[0], dilate[0])
    wo = out_size(w, kernel[1], stride[1], pad[1], dilate[1])
    attrs = dict(
        kernel=kernel,
        stride=stride,
        pad=pad,
        dilate=dilate,
        num_filter=filters,
        num_group=groups,
        num_deformable_group=deformable_groups,
        no_bias=no_bias,
    )

    def fn(F, data, offset, weight, *bias):
        y = F.contrib.DeformableConvolution(inner(F, data), offset + shift, weight, *bias, **attrs)
        return outer(F, y)

    shapes = [
        shape,
        (n, deformable_groups * 2 * kernel[0] * kernel[1], ho, wo),
        (filters, c // groups) + tuple(kernel),
    ] + ([] if no_bias else [(filters,)])
    low = (-1.0, 0.1, -1.0, -1.0)[: len(shapes)]
    high = (1.0, 0.9, 1.0, 1.0)[: len(shapes)]
    return Case(name, fn, shapes, low=low, high=high)


CASES = [
    case("kernel_3_pad_1", (1, 2, 5, 5), 2, pad=(1, 1)),
    case("deformable_groups_2", (2, 4, 4, 5), 3, pad=(1, 1), deformable_groups=2, shift=-1.0),
    case("groups_2_no_bias", (1, 4, 5, 5), 4, groups=2, no_bias=True, shift=1.0),
    case(
        "stride_dilate_pad",
        (1, 2, 7, 6),
        2,
        kernel=(2, 3),
        stride=(2, 1),
        pad=(0, 1),
        dilate=(1, 2),
        outer=lambda F, y: F.sin(y),
    ),
    case(
        "groups_3_deformable_groups_3",
        (1, 6, 4, 4),
        3,
        pad=(1, 1),
        groups=3,
        deformable_groups=3,
        shift=2.0,
        inner=lambda F, x: x * x,
    ),
    case("linear_outside", (1, 1, 4, 4), 1, kernel=(2, 2), shift=-2.0, outer=lambda F, y: y),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_composed_first_order_is_stock(case):
    """The gradient under create_graph (the op written with forward ops) against
    stock's kernel (a plain backward): the same to rounding."""
    inputs, fn = imperative(case)
    xs = [mx.nd.array(a, dtype="float64") for a in inputs]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        y = fn(*xs)
    head = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, y.shape), dtype="float64")
    y.backward(head)
    stock = [x.grad.asnumpy().copy() for x in xs]
    with mx.autograd.record():
        y = fn(*xs)
        composed = mx.autograd.grad(y, xs, head_grads=head, create_graph=True)
    for s, c in zip(stock, composed):
        np.testing.assert_allclose(c.asnumpy(), s, rtol=1e-12, atol=1e-12)
