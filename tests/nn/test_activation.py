"""Gradients of Activation's backward op, to order 3, for every act_type.

relu is piecewise linear, so its case multiplies by the input; inputs stay
away from its kink at 0."""

from harness import Case, standard_tests


def act(kind):
    return lambda F, x: F.Activation(x, act_type=kind)


# Inputs kept at least 0.1 away from 0, either sign: relu's kink, softsign's |x|.
AWAY_FROM_0 = dict(low=0.1, high=1.5)

CASES = [
    Case("relu", lambda F, x: F.Activation(x * 1.0, act_type="relu") * x, [(3, 4)], **AWAY_FROM_0),
    Case(
        "relu_mixed_sign",
        lambda F, x: F.Activation(x - 0.8, act_type="relu") ** 3,
        [(2, 5)],
        **AWAY_FROM_0,
    ),
    Case("sigmoid", act("sigmoid"), [(3, 4)], -3.0, 3.0),
    Case("tanh", act("tanh"), [(2, 3, 2)], -2.0, 2.0),
    Case("softrelu", act("softrelu"), [(5,)], -3.0, 3.0),
    Case("softsign_pos", act("softsign"), [(3, 2)], **AWAY_FROM_0),
    Case(
        "softsign_neg", lambda F, x: F.Activation(-x, act_type="softsign"), [(3, 2)], **AWAY_FROM_0
    ),
    Case(
        "chain",
        lambda F, x: F.Activation(F.Activation(x, act_type="tanh"), act_type="sigmoid") * x,
        [(2, 3)],
        -2.0,
        2.0,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
