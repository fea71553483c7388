"""Gradients of BatchNorm_v1 (through _backward_BatchNorm_v1), to order 3.

BatchNorm_v1 reads every array as float32 (whatever its dtype), so each case
runs it in float32 (2-D or 4-D data, as its kernels take) and names a reference:
the same function with BatchNorm over axis 1, which runs in float64 (see
harness.py)."""

import ctypes

import mxnet as mx
from mxnet._ctypes.ndarray import _imperative_invoke
from mxnet.base import OpHandle, _LIB, c_str, check_call

from harness import Case, standard_tests


def batch_norm_v1(F, x, gamma, beta, mm, mv, **attrs):
    """BatchNorm_v1 with its auxiliary states. MXNet's NDArray function for the
    legacy op takes only (data, gamma, beta), though the op needs all five, so
    the imperative call goes through MXNet's own invoke (recorded by autograd
    as any other); a symbol takes the states by name."""
    if F is mx.nd:
        handle = OpHandle()
        check_call(_LIB.NNGetOpHandle(c_str("BatchNorm_v1"), ctypes.byref(handle)))
        keys = list(attrs)
        values = [str(attrs[k]) for k in keys]
        inputs = [x, gamma, beta, mm, mv]
        return _imperative_invoke(handle.value, inputs, keys, values, None, False, False)
    return F.BatchNorm_v1(x, gamma, beta, moving_mean=mm, moving_var=mv, **attrs)


# Inputs (x, gamma, beta, moving_mean, moving_var); the moving statistics are
# auxiliary states, passed as constants.
STATS = (3, 4)
RANGES = dict(low=(-1.0, 0.5, -1.0, -0.5, 0.5), high=(1.0, 1.5, 1.0, 0.5, 1.5))


def head(y):
    # nonlinear, so that every order has something to differentiate
    return y * (y * 0.5 + 1.0) * y


def case(name, shape, constants=STATS, **attrs):
    channels = shape[1]

    def fn(F, *inputs):
        return head(batch_norm_v1(F, *inputs, **attrs))

    def reference(F, *inputs):
        return head(F.BatchNorm(*inputs, axis=1, **attrs))

    return Case(
        name,
        fn,
        [shape] + [(channels,)] * 4,
        constants=constants,
        reference=reference,
        **RANGES,
    )


CASES = [
    case("train", (4, 3), fix_gamma=False),
    case("train_4d", (2, 3, 2, 2), fix_gamma=False),
    case("train_fix_gamma", (3, 2, 3, 1)),
    case("train_eps", (2, 3, 1, 2), fix_gamma=False, eps=0.1),
    case("global", (3, 2, 3, 1), fix_gamma=False, use_global_stats=True),
    case("global_fix_gamma", (3, 3, 2, 1), use_global_stats=True),
    # gamma and beta constant: no heads reach ggamma and gbeta
    case("train_constant_affine", (3, 2), fix_gamma=False, constants=(1, 2) + STATS),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
