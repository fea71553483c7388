"""Gradients of FullyConnected's backward op, to order 3.

FullyConnected is bilinear in (data, weight), so a case squares it or feeds it
through a nonlinearity for the head gradients to depend on the inputs. The
two-layer cases are gradient penalties through two dense layers, where the
stock rule (zeros for the head gradient) gives wrong second derivatives."""

import mxnet as mx
import numpy as np
from harness import Case, standard_tests


CASES = [
    Case(
        "bias",
        lambda F, x, w, b: F.FullyConnected(x, w, b, num_hidden=3) ** 2,
        [(2, 4), (3, 4), (3,)],
    ),
    Case(
        "no_bias",
        lambda F, x, w: F.FullyConnected(x, w, num_hidden=3, no_bias=True) ** 2,
        [(2, 5), (3, 5)],
    ),
    Case(
        "flatten_4d",
        lambda F, x, w, b: F.FullyConnected(x, w, b, num_hidden=2) ** 2,
        [(2, 3, 1, 2), (2, 6), (2,)],
    ),
    Case(
        "no_flatten_3d",
        lambda F, x, w, b: F.FullyConnected(x, w, b, num_hidden=3, flatten=False) ** 2,
        [(2, 3, 2), (3, 2), (3,)],
    ),
    Case(
        "no_flatten_no_bias",
        lambda F, x, w: F.FullyConnected(x, w, num_hidden=2, no_bias=True, flatten=False) ** 2,
        [(3, 1, 4), (2, 4)],
    ),
    Case(
        "two_layers",
        lambda F, x, w1, b1, w2, b2: F.FullyConnected(
            F.tanh(F.FullyConnected(x, w1, b1, num_hidden=3)), w2, b2, num_hidden=2
        ),
        [(2, 4), (3, 4), (3,), (2, 3), (2,)],
    ),
    # the data as a constant (a network's first layer): dx's head is unused and
    # the bias head rides in FC(x, h_W)
    Case(
        "bias_data_constant",
        lambda F, x, w, b: F.FullyConnected(x, w, b, num_hidden=3) ** 2,
        [(2, 4), (3, 4), (3,)],
        constants=(0,),
    ),
    Case(
        "two_layers_data_constant",
        lambda F, x, w1, b1, w2, b2: F.FullyConnected(
            F.tanh(F.FullyConnected(x, w1, b1, num_hidden=3)), w2, b2, num_hidden=2
        ),
        [(2, 4), (3, 4), (3,), (2, 3), (2,)],
        constants=(0,),
    ),
    Case(
        "two_layers_no_flatten",
        lambda F, x, w1, w2: F.FullyConnected(
            F.sin(F.FullyConnected(x, w1, num_hidden=3, no_bias=True, flatten=False)),
            w2,
            num_hidden=2,
            no_bias=True,
            flatten=False,
        ),
        [(2, 2, 3), (3, 3), (2, 3)],
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_gradient_penalty_through_two_dense_layers():
    """d/dW1 of ||d out/dx||^2 for out = W2·tanh(W1·x): the head gradient of the
    inner _backward_FullyConnected must not be dropped (stock returns zeros)."""
    rng = np.random.RandomState(3)
    x = mx.nd.array(rng.uniform(-1, 1, (2, 3)), dtype="float64")
    w1 = mx.nd.array(rng.uniform(-1, 1, (4, 3)), dtype="float64")
    w2 = mx.nd.array(rng.uniform(-1, 1, (2, 4)), dtype="float64")

    def penalty(w1_np):
        # closed form: d out/dx = W2·diag(1 - t^2)·W1 per sample, t = tanh(W1·x)
        t = np.tanh(x.asnumpy() @ w1_np.T)
        jac = np.einsum("oh,nh,hi->noi", w2.asnumpy(), 1 - t**2, w1_np)
        return (jac.sum(axis=1) ** 2).sum()

    x.attach_grad()
    w1.attach_grad()
    with mx.autograd.record():
        hidden = mx.nd.tanh(mx.nd.FullyConnected(x, w1, num_hidden=4, no_bias=True))
        out = mx.nd.FullyConnected(hidden, w2, num_hidden=2, no_bias=True)
        (gx,) = mx.autograd.grad(out, [x], create_graph=True, retain_graph=True)
        p = (gx**2).sum()
    p.backward()
    eps = 1e-6
    numeric = np.zeros(w1.shape)
    for idx in np.ndindex(*w1.shape):
        up, down = w1.asnumpy().copy(), w1.asnumpy().copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (penalty(up) - penalty(down)) / (2 * eps)
    assert np.allclose(p.asnumpy(), penalty(w1.asnumpy()), rtol=1e-10)
    assert np.allclose(w1.grad.asnumpy(), numeric, rtol=1e-6, atol=1e-8)
