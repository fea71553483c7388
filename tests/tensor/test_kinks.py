"""Ties and kinks follow the stock first-order kernel's sub-gradient at every
order: maximum/minimum at equal inputs, abs and relu at 0, clip at its bounds,
max/min reductions with repeated extrema. For a piecewise-linear y = op(x) and
f = sum(y^2), the Hessian applied to v is 2 J^T (J v) with J the Jacobian the
stock kernel applies; the expected value is built from stock first-order
gradients alone (one-hot heads give J's rows) and compared exactly with the
second derivative autograd computes through mxnet-ho's rules."""

import mxnet as mx
import numpy as np
import pytest


def stock_vjp(fn, xs, head):
    """J^T head for every input, by MXNet's first-order kernels."""
    xs = [mx.nd.array(x, dtype="float64") for x in xs]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        y = fn(*xs)
    y.backward(mx.nd.array(head, dtype="float64"))
    return [x.grad.asnumpy() for x in xs]


def hessian_vector(fn, xs, vs):
    """d/dx <d/dx sum(fn(x)^2), v>, through mxnet-ho."""
    arrays = [mx.nd.array(x, dtype="float64") for x in xs]
    for a in arrays:
        a.attach_grad()
    with mx.autograd.record():
        y = fn(*arrays)
        grads = mx.autograd.grad((y * y).sum(), arrays, create_graph=True, retain_graph=True)
        s = sum((g * mx.nd.array(v, dtype="float64")).sum() for g, v in zip(grads, vs))
    s.backward()
    return [a.grad.asnumpy() for a in arrays]


def expected_hessian_vector(fn, xs, vs):
    y_shape = fn(*[mx.nd.array(x, dtype="float64") for x in xs]).shape
    jv = np.zeros(y_shape)
    for o in np.ndindex(*y_shape):
        one_hot = np.zeros(y_shape)
        one_hot[o] = 1
        jv[o] = sum((row * v).sum() for row, v in zip(stock_vjp(fn, xs, one_hot), vs))
    return stock_vjp(fn, xs, 2 * jv)


A = np.array([[0.5, -0.2, 0.3], [0.0, 0.7, -0.4]])
B = np.array([[0.5, 0.1, 0.3], [0.0, -0.7, -0.4]])  # equal to A at four places
KINKS = [
    ("maximum", lambda a, b: mx.nd.maximum(a, b), [A, B]),
    ("minimum", lambda a, b: mx.nd.minimum(a, b), [A, B]),
    ("broadcast_maximum", lambda a, b: mx.nd.broadcast_maximum(a, b), [A, B[:1]]),
    ("broadcast_minimum", lambda a, b: mx.nd.broadcast_minimum(a, b), [A, B[:1]]),
    ("maximum_scalar", lambda a: mx.nd.maximum(a, 0.5), [A]),
    ("minimum_scalar", lambda a: mx.nd.minimum(a, -0.2), [A]),
    ("abs_at_zero", lambda a: mx.nd.abs(a), [A]),
    ("relu_at_zero", lambda a: mx.nd.relu(a), [A]),
    ("clip_at_bounds", lambda a: mx.nd.clip(a, -0.4, 0.5), [A]),
    ("max_repeated", lambda a: mx.nd.max(a, axis=0), [np.array([[0.3, 0.2], [0.3, 0.2]])]),
    ("min_repeated", lambda a: mx.nd.min(a, axis=1), [np.array([[0.3, 0.3], [0.1, 0.5]])]),
]


@pytest.mark.parametrize("name,fn,xs", KINKS, ids=[k[0] for k in KINKS])
def test_second_order_follows_stock_at_kinks(name, fn, xs):
    rng = np.random.RandomState(0)
    vs = [rng.uniform(-1, 1, x.shape) for x in xs]
    got = hessian_vector(fn, xs, vs)
    expected = expected_hessian_vector(fn, xs, vs)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)
