"""CTCLoss is excluded (patches/nn_rnn_ctc.toml): its second order must keep
MXNet's own error naming the backward operator, never return a value. (The
fused RNN is differentiable to any order: tests/nn/test_rnn.py.)"""

import mxnet as mx
import numpy as np
import pytest


def second_order(fn, x):
    x = mx.nd.array(x, dtype="float32")
    x.attach_grad()
    with mx.autograd.record():
        (gx,) = mx.autograd.grad(fn(x).sum(), [x], create_graph=True, retain_graph=True)
        total = (gx * gx).sum()
    total.backward()
    mx.nd.waitall()


def test_ctc_loss_second_order_names_backward_ctc_loss():
    label = mx.nd.array([[1, 2]], dtype="float32")
    x = np.random.RandomState(0).uniform(-1, 1, (4, 1, 3))  # (time, batch, alphabet)
    with pytest.raises(mx.base.MXNetError, match="_backward_ctc_loss"):
        second_order(lambda x: mx.nd.CTCLoss(x, label), x)
