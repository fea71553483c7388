"""A worker of tests/test_distributed.py, and the model and arithmetic both sides use.

Run with DMLC_ROLE=worker (and the other DMLC_* variables): trains on its shard
with a dist kvstore and saves the parameters to $MXNET_HO_DIST_OUT/rank<r>.npz.
With DMLC_ROLE=server or scheduler, `import mxnet` serves and exits.

The parameters are float64. MXNet 1.9.1's parameter server keeps a key that is
not float32 either in its dtype or as a float32 master copy, depending on
KVStoreDistServer::multi_precision_, a member its constructor never initializes
(src/kvstore/kvstore_dist_server.h): which one a run gets depends on the
server's heap. The optimizer's multi_precision=True makes every worker send
kSetMultiPrecision, so the server always keeps float32 masters: it casts each
worker's gradient to float32, sums them in float32, runs the optimizer on the
float32 weights and serves them widened back to float64. float32_server()
computes the same in one process.
"""

import os
import sys

import numpy as np

import mxnet as mx
from mxnet import autograd, gluon, nd

IN, HIDDEN, SHARD, PENALTY, INNER_LR = 4, 6, 5, 10.0, 0.1
OPTIMIZER = {"learning_rate": 0.05, "momentum": 0.9}


def make_params():
    """A tanh MLP as explicit parameters (so MAML can call it on adapted weights)."""
    rng = np.random.RandomState(1)
    params = gluon.ParameterDict("mlp_")
    shapes = {"w1": (HIDDEN, IN), "b1": (HIDDEN,), "w2": (1, HIDDEN), "b2": (1,)}
    for name, shape in shapes.items():
        p = params.get(name, shape=shape, dtype="float64")
        p.initialize(mx.init.Constant(0))
        p.set_data(nd.array(rng.normal(0, 0.5, shape), dtype="float64"))
    return params


def mlp(ws, x):
    w1, b1, w2, b2 = ws
    h = nd.tanh(nd.FullyConnected(x, w1, b1, num_hidden=HIDDEN))
    return nd.FullyConnected(h, w2, b2, num_hidden=1)


def data(num_shards):
    """Global batches (the concatenation of every worker's shard), float64."""
    rng = np.random.RandomState(2)
    n = SHARD * num_shards
    f = lambda *s: nd.array(rng.normal(size=s), dtype="float64")  # noqa: E731
    gp = [
        (f(n, IN) + 1, f(n, IN) - 1, nd.array(rng.uniform(size=(n, 1)), dtype="float64"))
        for _ in range(5)
    ]
    tasks = [(f(SHARD, IN), f(SHARD, 1), f(SHARD, IN), f(SHARD, 1)) for _ in range(num_shards)]
    return gp, tasks


def gp_loss(ws, real, fake, eps):
    """WGAN-GP critic loss, the penalty's gradient wrt the input with create_graph."""
    x_hat = (eps * real + (1 - eps) * fake).detach()
    x_hat.attach_grad()
    score = mlp(ws, x_hat)
    (g,) = autograd.grad(
        score, [x_hat], head_grads=nd.ones_like(score), create_graph=True, retain_graph=True
    )
    norm = nd.sqrt((g**2).sum(axis=1) + 1e-12)
    return mlp(ws, fake).mean() - mlp(ws, real).mean() + PENALTY * ((norm - 1) ** 2).mean()


def maml_loss(ws, tasks):
    """Mean over tasks of the query loss after one inner step taken with create_graph."""
    total = 0
    for xs, ys, xq, yq in tasks:
        inner = ((mlp(ws, xs) - ys) ** 2).mean()
        grads = autograd.grad(inner, ws, create_graph=True, retain_graph=True)
        fast = [w - INNER_LR * g for w, g in zip(ws, grads)]
        total = total + ((mlp(fast, xq) - yq) ** 2).mean()
    return total / len(tasks)


def losses(shard, num_shards, gp, tasks):
    """The 6 steps on one shard (num_shards 0: on everything), each a function of
    the weights: 5 GP steps on the shard's rows, then a MAML outer step on its task."""
    rows = slice(shard * SHARD, (shard + 1) * SHARD) if num_shards else slice(None)
    steps = [
        lambda ws, r=real[rows], f=fake[rows], e=eps[rows]: gp_loss(ws, r, f, e)
        for real, fake, eps in gp
    ]
    mine = tasks[shard : shard + 1] if num_shards else tasks
    return steps + [lambda ws: maml_loss(ws, mine)]


def train(params, trainer, shard, num_shards, gp, tasks, batch_size=None):
    """Each loss is a mean over the shard; step(num_shards) (the default) makes
    the kvstore's sum of the shards' means the mean over the whole batch."""
    ws = [p.data() for p in params.values()]
    for loss_of in losses(shard, num_shards, gp, tasks):
        with autograd.record():
            loss = loss_of(ws)
        loss.backward()
        trainer.step(batch_size or max(num_shards, 1))


def float32_server(num_shards, gp, tasks):
    """What the workers and a multi-precision server compute, in one process. The
    first gradients are taken at the workers' own float64 initial values (the
    Trainer initializes the server's keys in its first step, after them); the
    server keeps them rounded to float32, casts each worker's float64 gradient
    to float32, sums them in float32 and runs the optimizer on float32; the
    workers take the next gradients at the float32 weights widened to float64.
    The sum is exact whatever order two pushes arrive in (a + b == b + a); with
    three workers or more the server's sum would depend on the arrival order."""
    optimizer = mx.optimizer.create(
        "sgd", rescale_grad=1.0 / num_shards, multi_precision=True, **OPTIMIZER
    )
    update = mx.optimizer.get_updater(optimizer)
    ws = [p.data() for p in make_params().values()]
    masters = [w.astype("float32") for w in ws]
    shards = [losses(s, num_shards, gp, tasks) for s in range(num_shards)]
    for step in zip(*shards):
        for w in ws:
            w.attach_grad()
        pushed = []
        for loss_of in step:
            with autograd.record():
                loss = loss_of(ws)
            loss.backward()
            pushed.append([w.grad.astype("float32") for w in ws])
        for key, (master, *grads) in enumerate(zip(masters, *pushed)):
            total = grads[0].copy()
            for g in grads[1:]:
                total += g
            update(key, total, master)
        ws = [m.astype("float64") for m in masters]
    return [w.asnumpy() for w in ws]


def toy_async(kv):
    """Linear regression with dist_async: returns the final loss on all data."""
    rng = np.random.RandomState(3)
    w_true = rng.normal(size=(3, 1))
    x = rng.normal(size=(200, 3))
    y = x @ w_true
    p = gluon.Parameter("w", shape=(3, 1), dtype="float64")
    p.initialize(mx.init.Constant(0))
    trainer = gluon.Trainer([p], "sgd", {"learning_rate": 0.1, "multi_precision": True}, kvstore=kv)
    mine = np.random.RandomState(10 + kv.rank)
    for _ in range(60):
        idx = mine.randint(0, 200, 20)
        xb, yb = nd.array(x[idx], dtype="float64"), nd.array(y[idx], dtype="float64")
        with autograd.record():
            loss = ((nd.dot(xb, p.data()) - yb) ** 2).mean()
        loss.backward()
        trainer.step(1)
    w = p.data().asnumpy()
    return float(((x @ w - y) ** 2).mean()), w


def main():
    mode, out = sys.argv[1], os.environ["MXNET_HO_DIST_OUT"]
    kv = mx.kv.create(mode)
    if mode == "dist_async":
        loss, w = toy_async(kv)
        result = {"loss": loss, "w": w}
    else:
        params = make_params()
        trainer = gluon.Trainer(params, "sgd", dict(OPTIMIZER, multi_precision=True), kvstore=kv)
        gp, tasks = data(kv.num_workers)
        train(params, trainer, kv.rank, kv.num_workers, gp, tasks)
        result = {k: p.data().asnumpy() for k, p in params.items()}
    # Nothing may be in flight at exit: MXNet's engine skips the operations not
    # yet started once it shuts down, so a push left behind would never reach
    # the server and the other worker would wait for it (see the example).
    nd.waitall()
    np.savez(os.path.join(out, "rank%d.npz" % kv.rank), **result)


if __name__ == "__main__":
    main()
