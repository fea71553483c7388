"""Gradients of SVMOutput, L1 (use_linear) and L2, to order 3.

A loss layer: its gradient ignores the head and is the hinge loss's, not the
derivative of its output, so order 1 is not checked against differences of the
output; orders 2 and 3 are (the differences of the order below). The data is a
nonlinear function of x kept clear of the margins' kinks (|y| = margin), on
both sides of them; labels are class indices along the last axis. SVMOutput
keeps per-call state and has no stateless twin: not hybridized."""

import pytest


from harness import Case, check_hybridized_refused, check_symbol_like_imperative, standard_tests

HEAD_BLIND = "a loss layer: its gradient ignores the head, not the derivative of its output"


def svm(F, y, label, **kwargs):
    return F.SVMOutput(y, label, **kwargs)


def case(name, fn, shapes, classes, **kwargs):
    return Case(
        name,
        fn,
        shapes,
        low=(-1.0, 0),
        high=(1.0, classes),
        integers=(1,),
        constants=(1,),
        first_order=HEAD_BLIND,
        hybridize=False,
        **kwargs,
    )


CASES = [
    # inside the margin (|y| < 1)
    case("l2", lambda F, x, t: svm(F, 0.5 * F.tanh(x) * x, t), [(3, 4), (3,)], 4),
    case("l1", lambda F, x, t: svm(F, 0.5 * F.sin(x) * x, t, use_linear=True), [(3, 4), (3,)], 4),
    # past the margin on one side: y in (1.5, 2.5) with margin 0.5
    case(
        "l2_margin",
        lambda F, x, t: svm(F, 2.0 + 0.5 * F.sin(x) * x, t, margin=0.5),
        [(2, 5), (2,)],
        5,
    ),
    case(
        "l2_regularization",
        lambda F, x, t: svm(F, F.tanh(x) * x - 0.3, t, margin=2.0, regularization_coefficient=0.7),
        [(4, 3), (4,)],
        3,
    ),
    case(
        "l1_regularization",
        lambda F, x, t: svm(
            F, F.sin(x) * x, t, use_linear=True, margin=1.5, regularization_coefficient=2.5
        ),
        [(3, 3), (3,)],
        3,
    ),
    # rows are all axes but the last
    case("l2_3d", lambda F, x, t: svm(F, 0.5 * F.tanh(x) * x, t), [(2, 2, 3), (2, 2)], 3),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_hybridized_refused_by_name():
    check_hybridized_refused(CASES[0], "cannot pass SVMOutput.*a loss layer")


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "probabilities"], ids=repr)
def test_symbol_grad_second_order(case):
    check_symbol_like_imperative(case)
