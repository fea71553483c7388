"""Gradients of SoftmaxActivation in its instance mode (softmax over the last
axis of the input laid out 2-D) and channel mode (over axis 1), to orders 2
and 3. Stock MXNet's backward kernel sums over axis 1 in both modes, which for
instance mode is the derivative only for 2-D inputs: those are the instance
cases here (the rule differentiates what the kernel computes).

Stock MXNet 1.9.1's _backward_SoftmaxActivation fails in float64 (its CPU
kernel reads float32 data), so there is no float64 first order to take central
differences of: the derivatives are checked in float32 against those of the
same function written with softmax (whose rules tests/nn/test_softmax.py
holds), imperatively and hybridized, and first order against stock MXNet's."""

import pytest

import mxnet as mx

from harness import Case, check_first_order_identical, check_like_reference, hybridized

X = dict(low=-2.0, high=2.0)


def instance(F, x):
    return F.reshape_like(F.softmax(F.reshape(x, shape=(0, -1)), axis=-1), x)


def channel(F, x):
    return F.softmax(x, axis=1)


# (case, the same function with softmax)
PAIRS = [
    (
        Case("instance", lambda F, x: F.SoftmaxActivation(x) * x, [(2, 4)], **X),
        lambda F, x: instance(F, x) * x,
    ),
    (
        Case("instance_wide", lambda F, x: F.SoftmaxActivation(F.sin(x)) * x, [(3, 5)], **X),
        lambda F, x: instance(F, F.sin(x)) * x,
    ),
    (
        Case(
            "channel", lambda F, x: F.SoftmaxActivation(x, mode="channel") * x * x, [(2, 3, 2)], **X
        ),
        lambda F, x: channel(F, x) * x * x,
    ),
    (
        Case(
            "channel_4d",
            lambda F, x: F.log(F.SoftmaxActivation(x, mode="channel")) * x,
            [(1, 3, 2, 2)],
            **X,
        ),
        lambda F, x: F.log(channel(F, x)) * x,
    ),
]
CASES = [case for case, _ in PAIRS]


@pytest.mark.parametrize("pair", PAIRS, ids=[case.name for case in CASES])
@pytest.mark.parametrize("hybridize", [False, True])
def test_higher_order_like_softmax(pair, hybridize):
    case, reference = pair
    if hybridize:
        fn = hybridized(case)[0]
        ref = hybridized(Case(case.name, reference, case.shapes, **X))[0]
        fn.cast("float32")
        ref.cast("float32")
    else:
        fn = lambda x: case.fn(mx.nd, x)  # noqa: E731
        ref = lambda x: reference(mx.nd, x)  # noqa: E731
    check_like_reference(fn, ref, case.draw())


def test_first_order_bit_identical():
    check_first_order_identical(__file__, FIRST_ORDER_CASES)


# first order compared with stock in float32 (float64 fails in stock)
class _Float32Case(Case):
    def array(self, data, dtype="float64"):
        return mx.nd.array(data, dtype="float32")


FIRST_ORDER_CASES = [_Float32Case(case.name, case.fn, case.shapes, **X) for case in CASES]
