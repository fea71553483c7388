"""Zero gradients a rule hands back (issue #10, item 1), and zero heads (issue #11).

relu's second derivative is zero. When a rule answered it with zeros_like, the
stock gradient of the op before it (relu itself, or `+ 0`) saw only zero heads
and answered zeros_like of *its* input, the FullyConnected output, which was
never kept: the next backward segfaulted in SetDependency. Each case runs in
its own process, so a crash fails it by name; values are checked against
closed forms computed with NumPy.

The zeros a rule hands back also reach forward ops whose stock gradients do not
look at their heads (Convolution's runs its backward kernel on zeros): those
gradients skip zero heads of higher-order passes, so a gradient penalty's final
pass runs one weight-gradient kernel per layer, no more.
"""

import subprocess
import sys

import pytest

PRELUDE = r"""
import numpy as np
import mxnet as mx
from mxnet import autograd, gluon, nd
rng = np.random.RandomState(0)
"""

CASES = {
    # p = |d sum(relu(x W^T)) / dx|^2;  dp/dW = 2 m^T (m W), m = [x W^T > 0]
    "relu_after_fully_connected": r"""
W = nd.array(rng.uniform(-1, 1, (4, 4)), dtype="float64"); W.attach_grad()
x = nd.array(rng.uniform(-1, 1, (3, 4)), dtype="float64"); x.attach_grad()
with autograd.record():
    y = nd.relu(nd.FullyConnected(x, W, no_bias=True, num_hidden=4))
    (g,) = autograd.grad(y.sum(), [x], create_graph=True, retain_graph=True)
    p = (g * g).sum()
p.backward()
m = (x.asnumpy() @ W.asnumpy().T > 0).astype(float)
assert np.allclose(W.grad.asnumpy(), 2 * m.T @ (m @ W.asnumpy()), rtol=1e-12)
""",
    # the same through `+ 0` and abs: abs keeps its input, `+ 0` does not
    "abs_after_plus_scalar": r"""
W = nd.array(rng.uniform(-1, 1, (4, 4)), dtype="float64"); W.attach_grad()
x = nd.array(rng.uniform(-1, 1, (3, 4)), dtype="float64"); x.attach_grad()
with autograd.record():
    y = nd.abs(nd.FullyConnected(x, W, no_bias=True, num_hidden=4) + 0)
    (g,) = autograd.grad(y.sum(), [x], create_graph=True, retain_graph=True)
    p = (g * g).sum()
p.backward()
s = np.sign(x.asnumpy() @ W.asnumpy().T)
assert np.allclose(W.grad.asnumpy(), 2 * s.T @ (s @ W.asnumpy()), rtol=1e-12)
""",
    # relu after a convolution (1x1 kernel: a per-pixel dense layer)
    "relu_after_convolution": r"""
W = nd.array(rng.uniform(-1, 1, (3, 2, 1, 1)), dtype="float64"); W.attach_grad()
x = nd.array(rng.uniform(-1, 1, (2, 2, 3, 3)), dtype="float64"); x.attach_grad()
with autograd.record():
    y = nd.relu(nd.Convolution(x, W, kernel=(1, 1), num_filter=3, no_bias=True))
    (g,) = autograd.grad(y.sum(), [x], create_graph=True, retain_graph=True)
    p = (g * g).sum()
p.backward()
w = W.asnumpy()[:, :, 0, 0]                                  # (out, in)
pix = x.asnumpy().transpose(0, 2, 3, 1).reshape(-1, 2)       # (pixels, in)
m = (pix @ w.T > 0).astype(float)
assert np.allclose(W.grad.asnumpy()[:, :, 0, 0], 2 * m.T @ (m @ w), rtol=1e-12)
""",
    # F.relu in hybrid_forward, imperative and plainly hybridized: same values
    "relu_in_hybrid_forward": r"""
class Net(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.dense = gluon.nn.Dense(4, use_bias=False, in_units=4)
    def hybrid_forward(self, F, x):
        return F.relu(self.dense(x))
results = []
for hybridize in (False, True):
    net = Net(); net.initialize(); net.cast("float64")
    net.dense.weight.set_data(nd.array(np.arange(16).reshape(4, 4) / 7 - 1, dtype="float64"))
    if hybridize:
        net.hybridize()
    x = nd.array(np.linspace(-1, 1, 12).reshape(3, 4), dtype="float64"); x.attach_grad()
    with autograd.record():
        (g,) = autograd.grad(net(x).sum(), [x], create_graph=True, retain_graph=True)
        p = (g * g).sum()
    p.backward()
    results.append(net.dense.weight.grad().asnumpy())
W = np.arange(16).reshape(4, 4) / 7 - 1
m = (np.linspace(-1, 1, 12).reshape(3, 4) @ W.T > 0).astype(float)
for r in results:
    assert np.allclose(r, 2 * m.T @ (m @ W), rtol=1e-12)
""",
    # Gluon's RNN cell with relu, and a fused RNN layer unfused into such cells
    "relu_rnn_cell_and_unfused_layer": r"""
for make in (lambda: gluon.rnn.RNNCell(5, activation="relu", input_size=4),
             lambda: gluon.rnn.RNN(5, activation="relu", input_size=4)._unfuse()):
    cell = make(); cell.initialize(); cell.cast("float64")
    x = nd.array(rng.uniform(-1, 1, (2, 3, 4)), dtype="float64"); x.attach_grad()
    with autograd.record():
        state = cell.begin_state(batch_size=2, dtype="float64")
        out, _ = cell.unroll(3, x, begin_state=state, layout="NTC", merge_outputs=True)
        (gx,) = autograd.grad(out.sum(), [x], create_graph=True, retain_graph=True)
        penalty = (gx ** 2).sum()
    penalty.backward()
    grads = [p.grad().asnumpy() for p in cell.collect_params().values()]
    assert all(np.all(np.isfinite(g)) for g in grads)
    assert any(np.abs(g).max() > 0 for g in grads)
""",
}


# The final pass of a gradient penalty through conv -> leaky -> conv -> leaky ->
# dense (imperative and plainly hybridized, float64): each `_backward_Convolution`
# of the input gradient contributes its weight gradient through one backward
# kernel (of conv(h_x, w) at g); the forward convolutions get only zero heads
# (the input gradient reads the activations for their signs only) and run none.
KERNELS_ON_ZERO_HEADS = r"""
nn = gluon.nn
def critic():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, strides=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2D(6, 3, strides=2, padding=1), nn.LeakyReLU(0.2), nn.Dense(1))
    net.initialize(mx.init.Normal(0.5)); net.cast("float64")
    return net
def count(table, op):
    rows = [line.split() for line in table.splitlines() if line.split()[:1] == [op]]
    return int(rows[0][1]) if rows else 0
x0 = nd.array(rng.normal(size=(3, 1, 8, 8)), dtype="float64")
results = []
for hybridize in (False, True):
    mx.random.seed(0)
    net = critic()
    net(x0)
    if hybridize:
        net.hybridize()
    x = x0.copy(); x.attach_grad()
    with autograd.record():
        (g,) = autograd.grad(net(x).sum(), [x], create_graph=True, retain_graph=True)
        penalty = (g ** 2).sum()
    mx.nd.waitall()
    mx.profiler.set_config(profile_all=True, aggregate_stats=True, filename=PROFILE)
    mx.profiler.set_state("run")
    penalty.backward()
    mx.nd.waitall()
    mx.profiler.set_state("stop")
    table = mx.profiler.dumps(reset=True)
    assert count(table, "_backward_Convolution") == 2, (hybridize, table)
    results.append([p.grad().asnumpy() for p in net.collect_params().values()])
# the weights' gradients (the biases' are zero: g sees them only through signs)
assert all(np.abs(a).max() > 0 for a in results[0][0::2])
for a, b in zip(*results):
    assert np.isfinite(a).all() and np.allclose(a, b, rtol=1e-10, atol=0)
"""


def run_case(name, source):
    """Runs PRELUDE + source in its own process: a crash fails the case by name."""
    result = subprocess.run(
        [sys.executable, "-c", PRELUDE + source],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=300,
    )
    assert result.returncode == 0, "%s exited with %d:\n%s" % (
        name,
        result.returncode,
        result.stdout[-3000:],
    )


def test_final_pass_runs_no_kernel_on_zero_heads(tmp_path):
    profile = "PROFILE = %r\n" % str(tmp_path / "profile.json")
    run_case("kernels_on_zero_heads", profile + KERNELS_ON_ZERO_HEADS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_after_a_kink(name):
    run_case(name, CASES[name])
