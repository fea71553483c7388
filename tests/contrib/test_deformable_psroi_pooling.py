"""Gradients of DeformablePSROIPooling(data, rois[, trans]), to order 3.

Each output bin averages S x S bilinear samples of one channel of data (chosen
by the bin's position) at points of the bin moved by trans (times trans_std and
the roi's size); points more than half a pixel outside data are left out, the
others clamped to data. rois are constants (stock gives them a zero gradient),
built from whole-number batch indices and uniform draws; trans is drawn
uniformly, so sample points lie off the pixel grid (where sampling is kinked).
Attributes: no_trans, group_size, part_size, sample_per_part, trans_std,
spatial_scale, the number of trans classes; the "clamped" case moves most
points left, beyond the image or onto its first column, where a point is
clamped (its neighbours coincide, so its sample does not move with trans).

The composed gradient (under create_graph) is also held against stock's
first-order kernel directly: the same values to rounding."""

import mxnet as mx
import numpy as np
import pytest
from harness import Case, imperative, standard_tests
from rois import boxes, case_inputs


def case(
    name,
    shape,
    num_rois,
    output_dim,
    group_size,
    pooled_size,
    classes=1,
    part_size=0,
    scale=1.0,
    inner=lambda F, x: x * x,
    outer=lambda F, y: F.sin(y),
    first_order=True,
    move=lambda F, t: t,
    **attrs,
):
    """outer(DeformablePSROIPooling(inner(data), rois, move(trans))) for data of `shape`."""
    _, _, height, width = shape
    no_trans = attrs.get("no_trans", False)
    attrs.update(
        spatial_scale=scale,
        output_dim=output_dim,
        group_size=group_size,
        pooled_size=pooled_size,
        part_size=part_size,
    )

    def fn(F, data, index, r, *trans):
        rois = boxes(F, index, r, height, width, scale)
        moved = [move(F, t) for t in trans]
        y = F.contrib.DeformablePSROIPooling(inner(F, data), rois, *moved, **attrs)
        return outer(F, y)

    inputs = case_inputs(shape, num_rois)
    if not no_trans:
        part = part_size or pooled_size
        inputs["shapes"].append((num_rois, 2 * classes, part, part))
        inputs["low"] += (-1.0,)
        inputs["high"] += (1.0,)
    return Case(name, fn, first_order=first_order, **inputs)


CASES = [
    case("trans_samples_2", (1, 8, 6, 6), 3, 2, 2, 2, sample_per_part=2, trans_std=0.1),
    case(
        "classes_2_part_3",
        (2, 18, 7, 5),
        4,
        2,
        3,
        3,
        classes=2,
        part_size=3,
        sample_per_part=2,
        trans_std=0.3,
    ),
    case("no_trans", (1, 8, 6, 6), 3, 2, 2, 2, sample_per_part=3, no_trans=True),
    case(
        "scale_half_groups_smaller_classes_3",
        (1, 12, 6, 7),
        2,
        3,
        2,
        3,
        classes=3,
        part_size=2,
        scale=0.5,
        sample_per_part=2,
        trans_std=0.2,
        inner=lambda F, x: F.sin(x),
    ),
    case(
        "clamped",
        (1, 4, 5, 5),
        3,
        1,
        2,
        2,
        part_size=1,
        sample_per_part=4,
        trans_std=1.0,
        move=lambda F, t: t * 0.5 - 1.1,  # of 24 columns of points 8 left out, 5 clamped
    ),
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
