"""Gradients of SwapAxis (swapaxes), to order 3."""
import pytest

from harness import Case, check_first_order_identical, check_hybridized, check_orders


def cube(y):
    return y * y * y


CASES = [
    Case("swapaxes", lambda F, x: cube(F.swapaxes(x, dim1=0, dim2=1)), [(2, 3)]),
    Case("swapaxes_outer", lambda F, x, y: F.SwapAxis(x, dim1=0, dim2=2) * y,
         [(2, 3, 4), (4, 3, 2)]),
    Case("swapaxes_same", lambda F, x: cube(F.swapaxes(x, dim1=1, dim2=1)), [(2, 3)]),
    Case("swapaxes_reversed", lambda F, x: cube(F.swapaxes(x, dim1=2, dim2=1)) * F.swapaxes(
        x, dim1=1, dim2=2), [(2, 3, 3)]),
    Case("swapaxes_linear", lambda F, x: F.swapaxes(x, dim1=0, dim2=1), [(2, 3)]),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_higher_order(case):
    check_orders(case)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_hybridized(case):
    check_hybridized(case)


def test_first_order_bit_identical():
    check_first_order_identical(__file__, CASES)
