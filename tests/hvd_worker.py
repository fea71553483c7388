"""A Horovod worker of tests/test_horovod.py (run by horovodrun): the steps of
dist_worker.py with hvd.DistributedTrainer, then what happens to a gradient
taken through hvd.allreduce. Saves both to $MXNET_HO_DIST_OUT/rank<r>.npz."""

import os

import numpy as np

import horovod.mxnet as hvd
from mxnet import autograd, nd

import dist_worker as W


def through_allreduce():
    """d/dx sum(allreduce(x * x)) on every rank: 2 * size * x if the allreduce
    had a gradient; returns x.grad after backward, or the error's message."""
    x = nd.array([1.0, 2.0], dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = hvd.allreduce(x * x, average=False, name="probe").sum()
    try:
        y.backward()
        return {"grad": x.grad.asnumpy()}
    except Exception as e:  # noqa: BLE001 - the message is the result
        return {"error": str(e).strip().splitlines()[-1]}


def main():
    hvd.init()
    params = W.make_params()
    hvd.broadcast_parameters(params, root_rank=0)
    trainer = hvd.DistributedTrainer(params, "sgd", W.OPTIMIZER)
    gp, tasks = W.data(hvd.size())
    # the trainer averages the ranks' gradients: step(1) with losses that are means
    W.train(params, trainer, hvd.rank(), hvd.size(), gp, tasks, batch_size=1)
    result = {k: p.data().asnumpy() for k, p in params.items()}
    result.update(through_allreduce())
    nd.waitall()
    np.savez(os.path.join(os.environ["MXNET_HO_DIST_OUT"], "rank%d.npz" % hvd.rank()), **result)
    hvd.shutdown()


if __name__ == "__main__":
    main()
