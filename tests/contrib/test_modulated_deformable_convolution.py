"""Gradients of ModulatedDeformableConvolution(data, offset, mask, weight[, bias]),
to order 3.

The deformable convolution's taps sampled from data padded with zeros, each
times its mask. Sampling is kinked where a sample point crosses a pixel (at
whole numbers), so offsets are drawn with fractional parts in [0.1, 0.9] and
shifted by a whole number per case, which moves taps across the image's edges.

MXNet 1.9.1 has this op's backward kernel on GPU only ("only implemented in
GPU" on CPU), so a plain first-order backward on CPU fails with and without
mxnet-ho, and there is no CPU stock first order to be bit-identical to; under
create_graph the gradient is the op written with forward ops, which runs on
CPU. Its first order is held against central differences of stock's CPU
forward instead, and the orders above it by the harness."""

import mxnet as mx
import numpy as np
import pytest
from harness import Case, imperative, standard_tests
from mxnet_ho.test_utils import higher_order_grads


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
    """outer(ModulatedDeformableConvolution(inner(data), offset + shift, mask, weight[, bias]))."""
    n, c, h, w = shape
    ho = out_size(h, kernel[0], stride[0], pad[0], dilate[0])
    wo = out_size(w, kernel[1], stride[1], pad[1], dilate[1])
    taps = kernel[0] * kernel[1]
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

    def fn(F, data, offset, mask, weight, *bias):
        y = F.contrib.ModulatedDeformableConvolution(
            inner(F, data), offset + shift, mask, weight, *bias, **attrs
        )
        return outer(F, y)

    shapes = [
        shape,
        (n, deformable_groups * 2 * taps, ho, wo),
        (n, deformable_groups * taps, ho, wo),
        (filters, c // groups) + tuple(kernel),
    ] + ([] if no_bias else [(filters,)])
    low = (-1.0, 0.1, 0.0, -1.0, -1.0)[: len(shapes)]
    high = (1.0, 0.9, 1.0, 1.0, 1.0)[: len(shapes)]
    return Case(name, fn, shapes, low=low, high=high)


CASES = [
    case("kernel_3_pad_1", (1, 2, 5, 5), 2, pad=(1, 1)),
    case("deformable_groups_2", (2, 4, 4, 5), 4, pad=(1, 1), deformable_groups=2, shift=-1.0),
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
]

# no stock first order on CPU to compare with (see the docstring)
FIRST_ORDER_CASES = []
test_higher_order, test_hybridized, _, test_float32 = standard_tests(__file__, CASES, [])


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_composed_first_order_is_the_forward_derivative(case):
    """The composed first order (under create_graph) against central differences
    of stock's CPU forward, for each input along a random direction."""
    inputs, fn = imperative(case)
    xs = [mx.nd.array(a, dtype="float64") for a in inputs]
    rng = np.random.RandomState(3)
    with mx.autograd.pause():
        y = fn(*xs)
    head = mx.nd.array(rng.uniform(-1, 1, y.shape), dtype="float64")
    _, grads = higher_order_grads(fn, xs, 0, head, [])
    eps = 1e-6
    for i, x in enumerate(xs):
        u = rng.uniform(-1, 1, x.shape)
        values = []
        for sign in (1.0, -1.0):
            moved = list(xs)
            moved[i] = x + mx.nd.array(sign * eps * u, dtype="float64")
            values.append(float((fn(*moved) * head).sum().asscalar()))
        numeric = (values[0] - values[1]) / (2 * eps)
        analytic = float((grads[i] * u).sum())
        assert abs(analytic - numeric) <= 1e-7 + 1e-6 * abs(numeric), (i, analytic, numeric)


def test_stock_first_order_on_cpu_is_gpu_only():
    """What the docstring says of stock: a plain backward on CPU stops with MXNet's error."""
    inputs, fn = imperative(CASES[0])
    xs = [mx.nd.array(a, dtype="float64") for a in inputs]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        y = fn(*xs)
    with pytest.raises(mx.base.MXNetError, match="only implemented in GPU"):
        y.backward()
        mx.nd.waitall()
