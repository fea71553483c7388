"""The fused RNN and CTCLoss are excluded (patches/nn_rnn_ctc.toml): their
second order must keep MXNet's own error naming the backward operator, never
return a value."""
import mxnet as mx
import numpy as np
import pytest

from harness import MKLDNN_ENABLED


def second_order(fn, x):
    x = mx.nd.array(x, dtype="float32")
    x.attach_grad()
    with mx.autograd.record():
        (gx,) = mx.autograd.grad(fn(x).sum(), [x], create_graph=True, retain_graph=True)
        total = (gx * gx).sum()
    total.backward()
    mx.nd.waitall()


@pytest.mark.skipif(not MKLDNN_ENABLED, reason="stock 1.9.1's fused RNN fails already in its "
                    "forward with MXNET_MKLDNN_ENABLED=0 (rnn-inl.h: in_data.size() == num_inputs)")
def test_fused_lstm_second_order_names_backward_rnn():
    layer = mx.gluon.rnn.LSTM(4, input_size=3)
    layer.initialize(mx.init.Uniform(0.5))
    x = np.random.RandomState(0).uniform(-1, 1, (2, 1, 3))  # (time, batch, feature)
    with pytest.raises(mx.base.MXNetError, match="_backward_RNN"):
        second_order(layer, x)


def test_ctc_loss_second_order_names_backward_ctc_loss():
    label = mx.nd.array([[1, 2]], dtype="float32")
    x = np.random.RandomState(0).uniform(-1, 1, (4, 1, 3))  # (time, batch, alphabet)
    with pytest.raises(mx.base.MXNetError, match="_backward_ctc_loss"):
        second_order(lambda x: mx.nd.CTCLoss(x, label), x)
