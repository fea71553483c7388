"""Gradients of binary arithmetic, elementwise and broadcast, to order 3."""

from harness import Case, standard_tests

POS = (0.5, 2.0)  # inputs kept away from 0 where the math needs it

CASES = [
    Case("elemwise_add", lambda F, a, b: F.elemwise_add(a, b) * a, [(3, 4), (3, 4)]),
    Case("elemwise_sub", lambda F, a, b: F.elemwise_sub(a, b) * b, [(3, 4), (3, 4)]),
    Case("elemwise_mul", lambda F, a, b: F.elemwise_mul(a, b), [(3, 5), (3, 5)]),
    Case("elemwise_div", lambda F, a, b: F.elemwise_div(a, b), [(2, 3), (2, 3)], *POS),
    Case("mod", lambda F, a, b: F._internal._mod(a, b) * a, [(4,), (4,)], (2.1, 0.6), (2.9, 0.9)),
    Case("power", lambda F, a, b: F._internal._power(a, b), [(3,), (3,)], *POS),
    Case("maximum", lambda F, a, b: F._internal._maximum(a, b) ** 2, [(5,), (5,)]),
    Case("minimum", lambda F, a, b: F._internal._minimum(a, b) ** 2, [(5,), (5,)]),
    Case("hypot", lambda F, a, b: F._internal._hypot(a, b), [(2, 3), (2, 3)], *POS),
    Case("broadcast_add", lambda F, a, b: F.broadcast_add(a, b) ** 2, [(3, 1), (1, 4)]),
    Case("broadcast_add_rank", lambda F, a, b: F.broadcast_add(a, b) ** 2, [(2, 3, 4), (4,)]),
    Case("broadcast_sub", lambda F, a, b: F.broadcast_sub(a, b) ** 2, [(3, 1), (3, 4)]),
    Case("broadcast_mul", lambda F, a, b: F.broadcast_mul(a, b), [(3, 1), (1, 4)]),
    Case("broadcast_mul_rank", lambda F, a, b: F.broadcast_mul(a, b) ** 2, [(5,), (2, 3, 5)]),
    Case("broadcast_div", lambda F, a, b: F.broadcast_div(a, b), [(3, 1), (1, 4)], *POS),
    Case(
        "broadcast_mod",
        lambda F, a, b: F.broadcast_mul(F.broadcast_mod(a, b), a),
        [(3, 1), (1, 2)],
        (2.1, 0.6),
        (2.9, 0.9),
    ),
    Case("broadcast_power", lambda F, a, b: F.broadcast_power(a, b), [(3, 1), (1, 4)], *POS),
    Case("broadcast_maximum", lambda F, a, b: F.broadcast_maximum(a, b) ** 2, [(3, 1), (3, 4)]),
    Case("broadcast_minimum", lambda F, a, b: F.broadcast_minimum(a, b) ** 2, [(1, 4), (3, 4)]),
    Case("broadcast_hypot", lambda F, a, b: F.broadcast_hypot(a, b), [(3, 1), (1, 4)], *POS),
    Case("operators", lambda F, a, b: (a * b + a / b - b) ** 2, [(2, 3), (2, 3)], *POS),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
