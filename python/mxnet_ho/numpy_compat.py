"""Make ``mxnet.autograd.grad`` answer in the array type of the NumPy interface.

Under ``npx.set_np()`` stock ``autograd.grad`` returns legacy ``mx.nd.NDArray``
gradients, which refuse to mix with ``mx.np`` arrays in the next step of a
higher-order computation. ``install()`` wraps ``autograd.grad`` so that, while
the NumPy semantics are on (``mxnet.util.is_np_array()``), each returned
gradient is an ``mx.np.ndarray`` (``as_np_ndarray()``, no copy); otherwise the
result is exactly stock's.
"""

import functools

_MARK = "_mxnet_ho_numpy_compat"


def _as_np(array):
    from mxnet import numpy as mnp

    if isinstance(array, mnp.ndarray):
        return array
    return array.as_np_ndarray()


def install() -> None:
    """Wraps mxnet.autograd.grad once; later calls do nothing."""
    from mxnet import autograd, util

    stock_grad = autograd.grad
    if getattr(stock_grad, _MARK, False):
        return

    @functools.wraps(stock_grad)
    def grad(*args, **kwargs):
        result = stock_grad(*args, **kwargs)
        if not util.is_np_array():
            return result
        if isinstance(result, list):
            return [_as_np(g) for g in result]
        return _as_np(result)

    setattr(grad, _MARK, True)
    autograd.grad = grad
