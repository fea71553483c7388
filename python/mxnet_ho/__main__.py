"""The command line of mxnet-ho.

python -m mxnet_ho              status, the coverage summary and a demonstration
python -m mxnet_ho coverage     the coverage tool (python -m mxnet_ho coverage --help)
python -m mxnet_ho --version    mxnet-ho's version and the MXNet it patches
"""

import argparse
import os
import sys


def status():
    import mxnet as mx
    from mxnet import autograd, nd

    import mxnet_ho

    features = mx.runtime.Features()
    variant = (
        ", ".join(
            f
            for f in ("CUDA", "CUDNN", "MKLDNN", "BLAS_OPEN", "BLAS_MKL")
            if features.is_enabled(f)
        )
        or "plain CPU"
    )
    print("mxnet %s (%s), mxnet-ho %s" % (mx.__version__, variant, mxnet_ho.__version__))
    ruled = mxnet_ho.patched_ops()
    backward = [op for op in ruled if "backward" in op]
    print(
        "patch active: %s (gradients for %d backward operators and %d forward ones)"
        % ("yes" if mxnet_ho.is_enabled() else "no", len(backward), len(ruled) - len(backward))
    )
    print()

    from . import coverage

    print("Coverage, stock MXNet vs mxnet-ho (operators differentiable to any order):")
    print(coverage.format_summary(coverage.collect()))
    print()

    print("d^n/dx^n x**4 at x = 3, n = 1..4 (exact: 108, 108, 72, 24):")
    x = nd.array([3.0], dtype="float64")
    x.attach_grad()
    values = []
    with autograd.record():
        y = x**4
        for _ in range(4):
            y = autograd.grad(y, [x], create_graph=True, retain_graph=True)[0]
            values.append(y.asscalar())
    print("  " + ", ".join("%g" % v for v in values))
    print()

    print("WGAN-GP gradient penalty of a Dense-tanh-Dense critic, and its gradient:")
    mx.random.seed(0)
    critic = mx.gluon.nn.HybridSequential()
    critic.add(mx.gluon.nn.Dense(16, activation="tanh"), mx.gluon.nn.Dense(1))
    critic.initialize(mx.init.Xavier())
    data = nd.random.normal(shape=(8, 4))
    data.attach_grad()
    with autograd.record():
        score = critic(data)
        (grad_x,) = autograd.grad(
            score, [data], head_grads=nd.ones_like(score), create_graph=True, retain_graph=True
        )
        norm = nd.sqrt(nd.sum(grad_x**2, axis=1) + 1e-12)
        penalty = nd.mean((norm - 1) ** 2)
    penalty.backward()
    weight = critic[0].weight
    print(
        "  penalty %.6f, |d penalty / d W1| = %.6f"
        % (penalty.asscalar(), nd.norm(weight.grad()).asscalar())
    )
    return 0


def version():
    import mxnet as mx

    import mxnet_ho

    return "mxnet-ho %s (for mxnet %s; mxnet %s installed)" % (
        mxnet_ho.__version__,
        mxnet_ho._native.SUPPORTED_MXNET,
        mx.__version__,
    )


def parser():
    p = argparse.ArgumentParser(
        prog="python -m mxnet_ho",
        description="Higher-order gradients for MXNet 1.9.1. Without a command: whether the "
        "patch is active, the coverage summary (stock vs patched), a 4th-order derivative and "
        "a gradient penalty.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    commands = p.add_subparsers(dest="command", metavar="command")
    commands.add_parser(
        "coverage",
        add_help=False,  # its own parser answers --help
        help="every operator's gradient, stock and patched, and its closure order",
    )
    return p


def main(argv):
    if argv[:1] == ["coverage"]:  # its options are its own
        from . import coverage

        return coverage.main(argv[1:])
    args = parser().parse_args(argv)
    if args.version:
        print(version())
        return 0
    return status()


def run(argv):
    """main(argv), quiet when the reader of its output goes away (| head)."""
    try:
        code = main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # no traceback, and none either when Python flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


sys.exit(run(sys.argv[1:]))
