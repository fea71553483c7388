"""Processes of the distributed tests: a parameter-server cluster on 127.0.0.1,
and the means to check that nothing a test started is left running."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_env(out, **extra):
    """The environment of a test's processes: tests/ importable, one OpenMP thread,
    Python's stacks dumped on a fatal signal, and `out` (the test's own folder),
    by which leftovers() finds them."""
    path = [HERE] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return dict(
        os.environ,
        MXNET_HO_DIST_OUT=str(out),
        OMP_NUM_THREADS="1",
        PYTHONFAULTHANDLER="1",
        PYTHONPATH=os.pathsep.join(path),
        **extra,
    )


def leftovers(out):
    """Pids of the processes whose environment holds MXNET_HO_DIST_OUT=out."""
    mark = ("MXNET_HO_DIST_OUT=%s" % out).encode()
    pids = []
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                if mark in f.read().split(b"\0") and int(pid) != os.getpid():
                    pids.append(int(pid))
        except (OSError, ValueError):
            pass
    return pids


def end(procs, out):
    """Ends the processes in procs (each leads its own process group) and any
    other process carrying `out`, by pid; returns the pids it had to end."""
    ended = []
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            ended.append(p.pid)
        p.wait()
    for pid in leftovers(out):
        try:
            os.kill(pid, signal.SIGKILL)
            ended.append(pid)
        except OSError:
            pass
    return ended


def wait_all(procs, timeout):
    """Waits until every process has exited, one has failed, or `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = [p.poll() for p in procs]
        if None not in state or any(state):
            return
        time.sleep(0.05)


def run_cluster(mode, out, workers=2, servers=1, timeout=60):
    """Starts scheduler, servers and workers of tests/dist_worker.py on 127.0.0.1
    (a port free now), each in its own process group with its output in a file
    under `out`. Returns when all have exited; fails as soon as one fails (the
    others could wait for it forever), or after `timeout` s. Ends every process
    it started, by pid, whatever happens."""
    env = process_env(
        out,
        DMLC_PS_ROOT_URI="127.0.0.1",
        DMLC_PS_ROOT_PORT=str(free_port()),
        DMLC_NUM_SERVER=str(servers),
        DMLC_NUM_WORKER=str(workers),
        DMLC_NODE_HOST="127.0.0.1",
        DMLC_INTERFACE="lo",
    )
    roles = ["scheduler"] + ["server"] * servers + ["worker"] * workers
    logs = [os.path.join(str(out), "%d-%s.log" % (i, role)) for i, role in enumerate(roles)]
    procs = []
    try:
        for role, log in zip(roles, logs):
            with open(log, "w") as f:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, os.path.join(HERE, "dist_worker.py"), mode],
                        env=dict(env, DMLC_ROLE=role),
                        start_new_session=True,
                        stdout=f,
                        stderr=subprocess.STDOUT,
                    )
                )
        wait_all(procs, timeout)
        state = [p.poll() for p in procs]
        if state != [0] * len(procs):
            tails = []
            for role, log, rc in zip(roles, logs, state):
                with open(log, errors="replace") as f:
                    tails.append("%s (exit %s):\n%s" % (role, rc, f.read()[-1500:]))
            pytest.fail(
                "cluster %s did not end cleanly within %d s:\n%s"
                % (mode, timeout, "\n".join(tails))
            )
    finally:
        end(procs, out)
