"""Gluon model-zoo networks (random weights, small inputs, float64): the gradient
of a gradient penalty, and an HVP, through the hybridized network equal the
imperative values. Each case runs in its own process (a crash fails it by name).
"""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> input side (the smallest the network's pooling allows)
NETWORKS = {
    "resnet18_v1": 32,
    "resnet18_v2": 32,
    "resnet50_v1": 32,
    "mobilenet0.25": 32,
    "mobilenetv2_0.25": 32,
    "densenet121": 224,
    "squeezenet1.1": 224,
    "vgg11_bn": 32,
    "alexnet": 64,
}
# Dropout in training mode: both runs draw the same masks (seeded); hybridized,
# the recomputation reuses the forward's masks
WITH_DROPOUT = {"squeezenet1.1", "vgg11_bn", "alexnet"}

CASE = r"""
import sys
import numpy as np
import mxnet as mx
from mxnet import autograd, nd
from mxnet.gluon.model_zoo import vision

name, side, flags, quantity = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
train = sys.argv[5] == "1"
mx.random.seed(0)
net = vision.get_model(name, pretrained=False, classes=3)
net.initialize(mx.init.Xavier())
net.cast("float64")
rng = np.random.RandomState(0)
x = nd.array(rng.uniform(-1, 1, (2, 3, side, side)), dtype="float64")
net(x)
params = [p for p in net.collect_params().values() if p.grad_req != "null"]
start = {p.name: p.data().copy() for p in net.collect_params().values()}
vs = [nd.array(rng.randn(*p.shape), dtype="float64") for p in params]

def run():
    mx.random.seed(1)
    for p in net.collect_params().values():
        p.set_data(start[p.name])
    net.collect_params().zero_grad()
    if quantity == "penalty":
        xx = x.copy()
        xx.attach_grad()
        with autograd.record(train_mode=train):
            (g,) = autograd.grad(net(xx).sum(), [xx], create_graph=True, retain_graph=True,
                                 train_mode=train)
            top = (g * g).sum()
    else:
        ws = [p.data() for p in params]
        with autograd.record(train_mode=train):
            loss = (net(x) ** 2).sum()
            gs = autograd.grad(loss, ws, create_graph=True, retain_graph=True, train_mode=train)
            top = sum((gi * v).sum() for gi, v in zip(gs, vs))
    top.backward(train_mode=train)
    return [p.grad().asnumpy().copy() for p in params]

want = run()
net.hybridize(**({"static_alloc": True} if flags == "static_alloc" else {}))
got = run()
scale = max(np.abs(w).max() for w in want)
err = max(np.abs(a - b).max() for a, b in zip(got, want)) / scale
assert scale > 0 and err <= 1e-10, "relative error %.3g (scale %.3g)" % (err, scale)
"""


def cases():
    for name in sorted(NETWORKS):
        for train in (True, False):
            yield name, "static_alloc", "penalty", train
        yield name, "default", "hvp", name in WITH_DROPOUT


@pytest.mark.parametrize("name,flags,quantity,train", list(cases()))
def test_hybridized_equals_imperative(name, flags, quantity, train):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CASE,
            name,
            str(NETWORKS[name]),
            flags,
            quantity,
            "1" if train else "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:]
