"""WGAN-GP on the 8x8 digits, data-parallel over processes with MXNet's
parameter-server kvstore (dist_sync): one command starts a scheduler, servers
and N workers on 127.0.0.1 and ends them all.

Each worker draws its own batches; its critic loss (from wgan_gp_digits.py)
takes the penalty's gradient wrt the input with create_graph=True and
backpropagates through it on the worker; only the parameter gradients go to the
servers, at trainer.step, which sum them over the workers. Every loss is a mean
over the worker's batch, so step(N) makes the update that of the mean over all
N batches. Prints the critic's gradient norm on interpolates and the
Wasserstein estimate seen by worker 0. Each worker writes its curves to
--out/wgan_gp_distributed_worker<rank>.npz; the launcher plots them all in
--out/wgan_gp_distributed.png.

With DMLC_ROLE set (as MXNet's tools/launch.py sets it on each host) the script
plays that role instead of launching (and nothing plots: each worker writes its
.npz on its host); see docs/SCALING.md.
"""

import ctypes
import ctypes.util
import faulthandler
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np

from _common import parse_args, save_figure

DESCRIPTION = (
    "Trains the WGAN-GP of wgan_gp_digits.py data-parallel with MXNet's parameter-server "
    "kvstore (dist_sync), starting a scheduler, servers and workers on 127.0.0.1 and "
    "ending them all; prints worker 0's critic gradient norm on interpolates and "
    "Wasserstein estimate, and writes each worker's curves "
    "(wgan_gp_distributed_worker<rank>.npz) and wgan_gp_distributed.png (critic loss "
    "and gradient norm, one line per worker) to --out."
)

NOISE = 16
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def dies_with_launcher():
    """The children's preexec_fn (None off Linux): each gets SIGKILL when the
    launcher is gone, however it ended (SIGKILL, the OOM killer), since their
    own sessions keep them from the signals the launcher's group gets."""
    name = ctypes.util.find_library("c")
    prctl = getattr(ctypes.CDLL(name), "prctl", None) if name else None
    if prctl is None:
        return None
    launcher = os.getpid()

    def preexec():  # in the child, before it runs Python
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != launcher:  # the launcher died before prctl took effect
            os._exit(1)

    return preexec


def launch(args):
    """Starts scheduler, servers and workers on loopback, each in its own process
    group; returns when all have exited, and fails as soon as one fails (the
    others would wait for it forever) or after args.timeout s. Ends every
    process it started, by pid: on success, failure, timeout, Ctrl-C or SIGTERM;
    killed itself, it leaves none running (dies_with_launcher)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ,
        DMLC_PS_ROOT_URI="127.0.0.1",
        DMLC_PS_ROOT_PORT=str(port),
        DMLC_NUM_SERVER=str(args.servers),
        DMLC_NUM_WORKER=str(args.workers),
        DMLC_NODE_HOST="127.0.0.1",
        DMLC_INTERFACE="lo",
    )
    env.setdefault("OMP_NUM_THREADS", "1")
    roles = ["scheduler"] + ["server"] * args.servers + ["worker"] * args.workers
    procs = []
    preexec = dies_with_launcher()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # so finally runs
    # Ctrl-C too, even where SIGINT came ignored (a script's background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for role in roles:
            procs.append(
                subprocess.Popen(
                    [sys.executable] + sys.argv,
                    env=dict(env, DMLC_ROLE=role),
                    start_new_session=True,
                    preexec_fn=preexec,
                )
            )
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            state = [p.poll() for p in procs]
            if any(state):
                sys.exit(
                    "failed: "
                    + ", ".join("%s (exit %d)" % (r, rc) for r, rc in zip(roles, state) if rc)
                )
            if None not in state:
                return
            time.sleep(0.1)
        sys.exit("timed out after %d s" % args.timeout)
    except KeyboardInterrupt:
        sys.exit("interrupted")
    finally:
        # A second Ctrl-C must not cut the clean-up short. The children are reaped
        # with os.waitpid, not Popen.wait: a Ctrl-C that landed inside Popen.poll
        # can leave Popen's internal wait lock taken, and Popen.wait would then
        # block forever.
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        # should the clean-up itself ever hang, say where (into the launcher's output)
        faulthandler.dump_traceback_later(20)
        for p in procs:
            if p.returncode is not None:  # reaped by poll
                continue
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:  # exited: its group is gone, the zombie stays ours
                pass
            try:
                os.waitpid(p.pid, 0)
            except ChildProcessError:  # reaped by a poll that Ctrl-C cut short
                pass
        for pid in children():  # started, but Ctrl-C came before Popen returned it
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:  # not yet a group of its own
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGINT, interrupt)


def children():
    """Pids of this process's children (Linux; elsewhere none)."""
    pids = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid():
            pids.append(int(entry))
    return pids


def set_trained(nets, trained):
    """Only the net being trained takes gradients (the Trainer skips grad_req
    'null'), so one Trainer and one kvstore serve both nets."""
    for net in nets:
        net.collect_params().setattr("grad_req", "write" if net is trained else "null")


def work(args):
    import mxnet as mx
    from mxnet import autograd, gluon, nd

    from wgan_gp_digits import critic_loss, load_digits, make_critic, make_generator

    kv = mx.kv.create("dist_sync")
    n, rank = kv.num_workers, kv.rank
    mx.random.seed(args.seed)  # the same initial parameters everywhere
    critic, gen = make_critic(), make_generator(NOISE)
    data = load_digits()
    rng = np.random.RandomState(args.seed + 1 + rank)  # but each worker its own batches
    mx.random.seed(args.seed + 1 + rank)
    b = args.batch
    real = nd.array(data[:b])
    # Materialize the deferred shapes in train mode. A forward in predict mode
    # reorders convolution weights in place into MKL-DNN's layout, which MXNet
    # 1.9.1's dist kvstore cannot read: worker 0's push that initializes the key
    # fails inside an engine thread without a word, and the servers abort on the
    # other workers' pulls ("init 3 first").
    with autograd.train_mode():
        critic(real), gen(nd.zeros((b, NOISE)))
    params = critic.collect_params()
    params.update(gen.collect_params())
    trainer = gluon.Trainer(
        params, "adam", {"learning_rate": 2e-4, "beta1": 0.5, "beta2": 0.9}, kvstore=kv
    )
    losses, norms, distances = [], [], []
    start = time.time()
    for step in range(args.steps):
        set_trained((critic, gen), critic)
        for _ in range(args.critic_steps):
            real = nd.array(data[rng.randint(0, len(data), b)])
            fake = gen(nd.random.normal(shape=(b, NOISE))).reshape((b, 1, 8, 8))
            eps = nd.random.uniform(shape=(b, 1, 1, 1))
            with autograd.record():
                loss, norm, distance = critic_loss(critic, real, fake, eps, args.penalty)
            loss.backward()
            trainer.step(n)
        losses.append(loss.asscalar())
        norms.append(norm.mean().asscalar())
        distances.append(distance.asscalar())
        set_trained((critic, gen), gen)
        with autograd.record():
            gen_loss = -critic(gen(nd.random.normal(shape=(b, NOISE))).reshape((b, 1, 8, 8))).mean()
        gen_loss.backward()
        trainer.step(n)
        if rank == 0 and (step + 1) % max(1, args.steps // 10) == 0:
            print(
                "worker 0/%d, step %d/%d: |grad| %.3f, Wasserstein %.3f (%.0f s)"
                % (n, step + 1, args.steps, norms[-1], distances[-1], time.time() - start),
                flush=True,
            )
    # The last step's pushes and pulls may still be in flight: wait for them. Once
    # MXNet's engine shuts down (at exit) it skips the operations not yet started,
    # so a worker leaving now could skip its last push, and the other worker, whose
    # push went out, would wait forever for the servers' reply (dist_sync replies
    # when every worker has pushed).
    nd.waitall()
    np.savez(
        curves_path(args.out, rank),
        critic_loss=np.array(losses),
        grad_norm=np.array(norms),
        wasserstein=np.array(distances),
        critic_steps=args.critic_steps,
    )
    if rank == 0:
        tail = max(1, len(norms) // 10)
        print(
            "critic gradient norm on interpolates (worker 0, mean of the last %d steps): %.3f"
            % (tail, float(np.mean(norms[-tail:])))
        )
        print(
            "Wasserstein estimate (worker 0, mean of the last %d steps): %.3f"
            % (tail, float(np.mean(distances[-tail:])))
        )


def curves_path(out, rank):
    return os.path.join(out, "wgan_gp_distributed_worker%d.npz" % rank)


def plot(args):
    """The workers' curves, one line per worker, into wgan_gp_distributed.png."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    curves = [np.load(curves_path(args.out, rank)) for rank in range(args.workers)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    x_label = "generator step (%d critic steps each)" % args.critic_steps
    for rank, c in enumerate(curves):
        steps = np.arange(1, len(c["critic_loss"]) + 1)
        left.plot(steps, c["critic_loss"], color="C%d" % rank, label="worker %d" % rank)
        right.plot(steps, c["grad_norm"], color="C%d" % rank, label="worker %d" % rank)
    right.axhline(1.0, color="gray", linestyle="--", label="target of the penalty: 1")
    left.set_xlabel(x_label)
    left.set_ylabel("critic loss on the worker's batch")
    left.set_title("critic loss: -Wasserstein estimate + %g x penalty" % args.penalty)
    left.legend()
    right.set_xlabel(x_label)
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylabel("norm of dD/dx (score per pixel-intensity unit)")
    right.set_title("critic gradient norm on interpolates, batch mean")
    right.legend()
    fig.suptitle(
        "WGAN-GP on digits, dist_sync: %d workers, %d server%s, batch %d per worker"
        % (args.workers, args.servers, "" if args.servers == 1 else "s", args.batch)
    )
    save_figure(fig, args.out, "wgan_gp_distributed.png")


def main():
    role = os.environ.get("DMLC_ROLE")
    if role in ("server", "scheduler"):
        import mxnet  # noqa: F401 - serves (or schedules) until the workers are done, then exits
    args = parse_args(
        DESCRIPTION,
        workers=(2, "worker processes (each trains on its own batches)"),
        servers=(1, "parameter-server processes (each holds a share of the parameters)"),
        steps=(100, "generator steps (training iterations)"),
        critic_steps=(5, "critic steps before each generator step"),
        batch=(32, "images per batch on each worker"),
        penalty=(10.0, "weight of the gradient penalty (|grad_x D| - 1)^2"),
        seed=(0, "random seed (initial weights; worker r draws with seed + 1 + r)"),
        timeout=(600, "seconds before the launcher ends every process and fails"),
    )
    if role == "worker":
        work(args)
    else:
        for rank in range(args.workers):  # a former run's curves are not this run's
            if os.path.exists(curves_path(args.out, rank)):
                os.remove(curves_path(args.out, rank))
        launch(args)
        plot(args)


if __name__ == "__main__":
    main()
