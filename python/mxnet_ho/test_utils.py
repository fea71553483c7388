"""Numerical checks of higher-order gradients, for mxnet-ho and for users who
write their own operators or rules.

``check_higher_order_grad(fn, inputs, order=n)`` compares, at every order
k = 1..n and for every input, the k-th autograd derivative with central finite
differences of the (k-1)-th, in float64, along random directions:

    S_0(x)  = <fn(x), w>
    S_k(x)  = sum_i <dS_{k-1}/dx_i, v_{k,i}>          (k-th derivative, contracted)
    check   <dS_{k-1}/dx_i, u_i>  ~=  (S_{k-1}(x + eps*u_i) - S_{k-1}(x - eps*u_i)) / (2*eps)

with w, v and u drawn at random. Every dS_{k-1}/dx_i must have x_i's shape.

``fn`` takes and returns legacy ``mx.nd`` arrays, or, under ``npx.set_np()``,
``mx.np`` arrays: inputs given as mx.np arrays (or as NumPy data while the NumPy
semantics are on) stay mx.np arrays, and the cotangent, the directions and the
gradients are made in the array type of what they pair with.
"""

from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["check_higher_order_grad", "HigherOrderGradError", "higher_order_grads"]


class HigherOrderGradError(AssertionError):
    """A derivative that disagrees with finite differences, or has a wrong shape."""


def _mx():
    import mxnet

    return mxnet


def _is_np(array):
    """Whether `array` is an mx.np (NumPy-interface) array."""
    return isinstance(array, _mx().numpy.ndarray)


def _array_like(data, like):
    """float64 `data` (NumPy) as an array of the same kind as `like`."""
    mx = _mx()
    if _is_np(like):
        return mx.np.array(data, dtype="float64")
    return mx.nd.array(data, dtype="float64")


def _same_kind(array, like):
    """`array` (an autograd result) as the kind of array `like` is, sharing its data."""
    if _is_np(like) and not _is_np(array):
        return array.as_np_ndarray()
    if not _is_np(like) and _is_np(array):
        return array.as_nd_ndarray()
    return array


def _as_float64(inputs):
    mx = _mx()
    arrays = []
    for x in inputs:
        if isinstance(x, mx.nd.NDArray):  # mx.np.ndarray is a subclass
            arrays.append(x.astype("float64"))
        elif mx.util.is_np_array():
            arrays.append(mx.np.array(np.asarray(x, dtype="float64"), dtype="float64"))
        else:
            arrays.append(mx.nd.array(np.asarray(x, dtype="float64"), dtype="float64"))
    return arrays


def _zeros_like(x):
    """Zeros of x's shape, dtype and kind: the derivative where there is no path."""
    mx = _mx()
    return mx.np.zeros_like(x) if _is_np(x) else mx.nd.zeros_like(x)


def _inner(a, b):
    return (a * b).sum()


def higher_order_grads(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    k: int,
    cotangent: Any,
    directions: Sequence[Sequence[Any]],
    with_grads: bool = True,
    train_mode: bool = True,
) -> Tuple[float, Optional[List[np.ndarray]]]:
    """Returns (S_k, [dS_k/dx_i] or None) for fn at `inputs` (float64 NDArrays),
    where S_0 = <fn(x), cotangent> and S_k = sum_i <dS_{k-1}/dx_i, directions[k-1][i]>.
    A derivative with no path to an input (constant there) counts as zeros."""
    mx = _mx()
    xs = [x.copy() for x in inputs]
    for x in xs:
        x.attach_grad()

    def grads_of(s):
        from ._paths import grads_or_none

        grads = grads_or_none(s, xs, create_graph=True, retain_graph=True, train_mode=train_mode)
        return [_same_kind(g, x) if g is not None else _zeros_like(x) for g, x in zip(grads, xs)]

    with mx.autograd.record(train_mode=train_mode):
        s = _inner(fn(*xs), cotangent)
        for step in range(k):
            terms = [_inner(g, v) for g, v in zip(grads_of(s), directions[step])]
            s = terms[0]
            for t in terms[1:]:
                s = s + t
        grads = grads_of(s) if with_grads else None
    return s.asnumpy().item(), None if grads is None else [g.asnumpy() for g in grads]


# The highest order checked. Each order differentiates the graph of the one
# before, so the graph (and the time and memory) grows with the order, at least
# geometrically for most functions; finite differences of an order-k derivative
# also lose about one more factor eps of precision per order, so in float64
# (eps = 1e-5) nothing beyond a few orders can be checked meaningfully: 10 leaves
# room for the closed-form tests of high orders without letting a mistyped order
# run until memory is exhausted.
MAX_ORDER = 10


def check_higher_order_grad(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    order: int = 2,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    eps: float = 1e-5,
    seed: int = 0,
    names: Optional[Sequence[str]] = None,
    train_mode: bool = True,
) -> List[Tuple[int, str, float, float]]:
    """Checks the autograd derivatives of ``fn`` up to ``order`` against finite
    differences; raises HigherOrderGradError naming the input and the order that
    disagree. ``fn`` takes NDArrays and returns one NDArray. Returns a list of
    (order, input name, autograd value, finite-difference value) rows.

    ``train_mode`` (default True, as ``autograd.record``'s) is the mode fn runs
    and is differentiated in: False checks a network in predict mode (Dropout
    the identity, BatchNorm with its moving statistics). ``order`` is at most
    MAX_ORDER (10)."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise TypeError("order must be an integer, got %r" % (order,))
    if order < 1:
        raise ValueError("order must be at least 1, got %r" % (order,))
    if order > MAX_ORDER:
        raise ValueError(
            "order must be at most %d, got %r: each order differentiates the graph of the "
            "one before (which grows with every order) and finite differences lose "
            "precision with each, so higher orders cannot be checked in float64"
            % (MAX_ORDER, order)
        )
    mx = _mx()
    xs = _as_float64(inputs)
    names = list(names) if names is not None else ["input %d" % i for i in range(len(xs))]
    if len(names) != len(xs):
        raise ValueError("names has %d entries for %d inputs" % (len(names), len(xs)))
    rng = np.random.RandomState(seed)

    def rand_like(a):
        return _array_like(rng.uniform(-1.0, 1.0, a.shape), a)

    with mx.autograd.pause(train_mode=train_mode):
        y = fn(*xs)
    cotangent = rand_like(y)
    directions = [[rand_like(x) for x in xs] for _ in range(order)]
    report = []
    for k in range(1, order + 1):
        _, grads = higher_order_grads(fn, xs, k - 1, cotangent, directions, train_mode=train_mode)
        for i, (x, g) in enumerate(zip(xs, grads)):
            if g.shape != x.shape:
                raise HigherOrderGradError(
                    "order %d derivative for %s has shape %s, expected %s"
                    % (k, names[i], g.shape, x.shape)
                )
            u = rand_like(x)
            shifted = []
            for sign in (1.0, -1.0):
                moved = list(xs)
                moved[i] = x + sign * eps * u
                value, _ = higher_order_grads(
                    fn, moved, k - 1, cotangent, directions, with_grads=False, train_mode=train_mode
                )
                shifted.append(value)
            numeric = (shifted[0] - shifted[1]) / (2.0 * eps)
            analytic = float((g * u.asnumpy()).sum())
            report.append((k, names[i], analytic, numeric))
            if not np.isfinite(analytic) or abs(analytic - numeric) > atol + rtol * max(
                abs(numeric), abs(analytic)
            ):
                raise HigherOrderGradError(
                    "order %d derivative for %s disagrees with finite differences: "
                    "autograd %.12g, numeric %.12g (rtol %g, atol %g)"
                    % (k, names[i], analytic, numeric, rtol, atol)
                )
    return report
