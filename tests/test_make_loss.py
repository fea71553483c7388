"""Gradients of MakeLoss, to order 3: its gradient ignores the head and is the
constant grad_scale/v (v by normalization: 1, the batch size, or the count of
outputs above valid_thresh), so every derivative of it is zero and the higher
orders are the data's own. Order 1 is not the derivative of its output (it is
not checked against differences of it); orders 2 and 3 are. Not hybridized
(MakeLoss keeps per-call state)."""

from harness import Case, check_hybridized_refused, standard_tests

HEAD_BLIND = "a loss layer: its gradient ignores the head, not the derivative of its output"
# MakeLoss keeps per-call state and has no stateless twin (a twin's gradient is
# linear in the head, MakeLoss's is not): a higher order through a hybridized
# block holding it is refused by name.
LOSS = dict(first_order=HEAD_BLIND, hybridize=False)

CASES = [
    Case("null", lambda F, x: F.MakeLoss(F.sin(x) * x), [(3, 4)], **LOSS),
    Case("make_loss_op", lambda F, x: F.make_loss(F.sin(x) * x), [(3, 4)], **LOSS),
    Case("grad_scale", lambda F, x: F.MakeLoss(F.exp(x) * x, grad_scale=2.5), [(2, 3)], **LOSS),
    Case(
        "batch",
        lambda F, x: F.MakeLoss(F.tanh(x) * x * x, normalization="batch"),
        [(3, 2)],
        **LOSS,
    ),
    Case(
        "valid",
        lambda F, x: F.MakeLoss(x * x * x, normalization="valid", valid_thresh=0.05),
        [(5, 2)],
        **LOSS,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_hybridized_refused_by_name():
    check_hybridized_refused(CASES[0], "cannot pass MakeLoss.*a loss layer")
