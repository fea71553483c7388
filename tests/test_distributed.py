"""Second-order training data-parallel: several contexts with a Trainer, and the
parameter-server kvstore (dist_sync, dist_async) on loopback, against one process
on the whole batch."""
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon, nd

import dist_worker as W

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cluster(mode, out, workers=2, servers=1, timeout=120):
    """Starts scheduler, servers and workers of tests/dist_worker.py on 127.0.0.1,
    each in its own process group; waits at most `timeout` s for the workers and
    ends every process it started, by pid, whatever happens."""
    env = dict(os.environ, DMLC_PS_ROOT_URI="127.0.0.1", DMLC_PS_ROOT_PORT=str(free_port()),
               DMLC_NUM_SERVER=str(servers), DMLC_NUM_WORKER=str(workers),
               DMLC_NODE_HOST="127.0.0.1", DMLC_INTERFACE="lo", MXNET_HO_DIST_OUT=str(out),
               OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
                   [HERE] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    roles = ["scheduler"] + ["server"] * servers + ["worker"] * workers
    procs = []
    try:
        for role in roles:
            procs.append(subprocess.Popen(
                [sys.executable, os.path.join(HERE, "dist_worker.py"), mode],
                env=dict(env, DMLC_ROLE=role), start_new_session=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        deadline = time.time() + timeout
        for p in procs:  # workers end first; then the servers and the scheduler stop
            p.wait(timeout=max(1, deadline - time.time()))
        logs = [p.stdout.read().decode(errors="replace")[-2000:] for p in procs]
        bad = [(r, p.returncode, log) for r, p, log in zip(roles, procs, logs) if p.returncode]
        assert not bad, bad
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            p.stdout.close()


def test_several_contexts_equal_one_context():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    gp, tasks = W.data(2)

    def run(contexts, kvstore):
        params = W.make_params()
        params.reset_ctx(contexts)
        trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.05, "momentum": 0.9},
                                kvstore=kvstore)
        for real, fake, eps in gp:
            parts = [gluon.utils.split_and_load(a, contexts) for a in (real, fake, eps)]
            with autograd.record():
                losses = [W.gp_loss([p.data(c) for p in params.values()], r, f, e)
                          for c, r, f, e in zip(contexts, *parts)]
            autograd.backward(losses)
            trainer.step(len(contexts))  # the kvstore sums the contexts' means
        return {k: p.data(contexts[0]).asnumpy() for k, p in params.items()}

    one = run([mx.cpu(0)], None)
    for kvstore in ("device", "local"):
        many = run(ctxs, kvstore)
        for k in one:
            np.testing.assert_allclose(many[k], one[k], rtol=1e-12, atol=1e-14, err_msg=k)
        assert not np.allclose(many["mlp_w1"], W.make_params()["mlp_w1"].data().asnumpy())


def test_dist_sync_equals_one_process(tmp_path):
    run_cluster("dist_sync", tmp_path)
    params = W.make_params()
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.05, "momentum": 0.9},
                            kvstore=None)
    gp, tasks = W.data(2)
    W.train(params, trainer, 0, 0, gp, tasks)
    for rank in (0, 1):
        got = np.load(str(tmp_path / ("rank%d.npz" % rank)))
        for k, p in params.items():
            np.testing.assert_allclose(got[k], p.data().asnumpy(), rtol=1e-12, atol=1e-14,
                                       err_msg="rank %d, %s" % (rank, k))


def test_dist_async_converges(tmp_path):
    run_cluster("dist_async", tmp_path)
    for rank in (0, 1):
        got = np.load(str(tmp_path / ("rank%d.npz" % rank)))
        assert float(got["loss"]) < 1e-3, float(got["loss"])


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
