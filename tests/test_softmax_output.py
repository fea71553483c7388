"""Gradients of SoftmaxOutput (alias Softmax), to order 3, over its softmax
layouts (all axes but 0 flattened, preserve_shape, multi_output), class-index
and probability labels, grad_scale, normalization ('null', 'batch', 'valid'),
use_ignore with ignore_label, smooth_alpha and out_grad.

A loss layer: its gradient ignores the head and is the cross entropy's, not the
derivative of its output, so order 1 is not checked against differences of the
output; orders 2 and 3 are (the differences of the order below). The data is a
nonlinear function of x."""

import pytest

from harness import Case, check_symbol_like_imperative, standard_tests

HEAD_BLIND = "a loss layer: its gradient ignores the head, not the derivative of its output"


def softmax_output(F, x, label, **kwargs):
    return F.SoftmaxOutput(F.sin(x) * 2.0 + x, label, **kwargs)


def indexed(name, fn, shapes, classes, **kwargs):
    """Class-index labels in 0..classes-1 (a constant input)."""
    return Case(
        name,
        fn,
        shapes,
        low=(-1.0, 0),
        high=(1.0, classes),
        integers=(1,),
        constants=(1,),
        first_order=HEAD_BLIND,
        **kwargs,
    )


CASES = [
    indexed("default", lambda F, x, t: softmax_output(F, x, t), [(3, 4), (3,)], 4),
    # all axes but 0 flattened: 6 classes; the label is shaped (2, 3), of which
    # the kernel reads the first 2 (and normalization counts all 6)
    indexed(
        "flattened",
        lambda F, x, t: softmax_output(F, x, t, grad_scale=1.5),
        [(2, 3, 2), (2, 3)],
        6,
    ),
    indexed(
        "flattened_ignore_valid",
        lambda F, x, t: softmax_output(
            F, x, t, use_ignore=True, ignore_label=3, normalization="valid"
        ),
        [(3, 2, 2), (3, 2)],
        4,
    ),
    indexed(
        "batch",
        lambda F, x, t: softmax_output(F, x, t, normalization="batch", grad_scale=0.7),
        [(4, 3), (4,)],
        3,
    ),
    indexed(
        "ignore_valid",
        lambda F, x, t: softmax_output(
            F, x, t, use_ignore=True, ignore_label=1, normalization="valid"
        ),
        [(5, 3), (5,)],
        3,
    ),
    indexed(
        "preserve_shape",
        lambda F, x, t: softmax_output(F, x, t, preserve_shape=True, normalization="batch"),
        [(2, 3, 4), (2, 3)],
        4,
    ),
    indexed(
        "multi_output",
        lambda F, x, t: softmax_output(F, x, t, multi_output=True),
        [(2, 3, 4), (2, 4)],
        3,
    ),
    indexed(
        "multi_output_batch",
        lambda F, x, t: softmax_output(F, x, t, multi_output=True, normalization="batch"),
        [(2, 3, 2, 2), (2, 2, 2)],
        3,
    ),
    indexed(
        "multi_output_ignore_valid",
        lambda F, x, t: softmax_output(
            F, x, t, multi_output=True, use_ignore=True, ignore_label=0, normalization="valid"
        ),
        [(3, 2, 3), (3, 3)],
        2,
    ),
    indexed(
        "smooth_alpha",
        lambda F, x, t: softmax_output(F, x, t, smooth_alpha=0.1, grad_scale=2.0),
        [(3, 5), (3,)],
        5,
    ),
    indexed(
        "smooth_alpha_ignore",
        lambda F, x, t: softmax_output(F, x, t, smooth_alpha=0.2, use_ignore=True, ignore_label=2),
        [(4, 3), (4,)],
        3,
    ),
    indexed(
        "out_grad",
        lambda F, x, t: softmax_output(F, x, t, out_grad=True),
        [(3, 4), (3,)],
        4,
    ),
    indexed("alias", lambda F, x, t: F.Softmax(F.tanh(x) * x, t), [(2, 3), (2,)], 3),
    # probability labels, shaped like the data (differentiated too)
    Case(
        "probabilities",
        lambda F, x, t: softmax_output(F, x, t, grad_scale=1.3),
        [(3, 4), (3, 4)],
        low=(-1.0, 0.0),
        high=(1.0, 1.0),
        first_order=HEAD_BLIND,
        hybridize=False,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "probabilities"], ids=repr)
def test_symbol_grad_second_order(case):
    check_symbol_like_imperative(case)


def test_symbol_grad_second_order_probabilities_with_shapes():
    """Probability labels are told from class labels by their shapes: a symbol's
    gradient knows them when symbol.grad is given them."""
    (case,) = [c for c in CASES if c.name == "probabilities"]
    check_symbol_like_imperative(case, with_shapes=True)
