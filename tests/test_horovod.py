"""Second-order training with Horovod (skipped where horovod.mxnet is not
installed, as in CI): 5 GP steps and a MAML outer step on 2 ranks with
hvd.DistributedTrainer equal one process on the whole batch (float64); a
gradient through hvd.allreduce is refused (Horovod's MXNet collectives are not
recorded by autograd)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from mxnet import gluon

import dist_worker as W
from cluster import HERE, end, process_env

hvd = pytest.importorskip("horovod.mxnet")


def test_horovod_equals_one_process_and_allreduce_has_no_gradient(tmp_path):
    if not hvd.gloo_built():
        pytest.skip("Horovod built without Gloo")
    with open(str(tmp_path / "horovodrun.log"), "w") as log:
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "horovod.runner.launch",
                "-np",
                "2",
                "-H",
                "localhost:2",
                "--gloo",
                "--network-interface",
                "lo",
                "--start-timeout",
                "60",
                sys.executable,
                os.path.join(HERE, "hvd_worker.py"),
            ],
            env=process_env(tmp_path),
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        run.wait(timeout=120)
    finally:
        left = end([run], tmp_path)
    log = (tmp_path / "horovodrun.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert left == [], "left running: %s" % left
    params = W.make_params()
    trainer = gluon.Trainer(params, "sgd", W.OPTIMIZER, kvstore=None)
    gp, tasks = W.data(2)
    W.train(params, trainer, 0, 0, gp, tasks)
    for rank in (0, 1):
        got = np.load(str(tmp_path / ("rank%d.npz" % rank)))
        for k, p in params.items():
            np.testing.assert_allclose(
                got[k],
                p.data().asnumpy(),
                rtol=1e-12,
                atol=1e-14,
                err_msg="rank %d, %s" % (rank, k),
            )
        assert "grad" not in got, got["grad"]
        assert "not in a computational graph" in str(got["error"]), str(got["error"])
