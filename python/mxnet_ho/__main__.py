"""python -m mxnet_ho            : status, coverage summary and a demonstration
python -m mxnet_ho coverage   : the coverage tool (see --help)"""

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
    print(
        "patch active: %s (%d backward operators patched)"
        % ("yes" if mxnet_ho.is_enabled() else "no", len(mxnet_ho.patched_ops()))
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


def main(argv):
    if argv and argv[0] == "coverage":
        from . import coverage

        return coverage.main(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv:
        print("unknown command %r\n%s" % (argv[0], __doc__), file=sys.stderr)
        return 2
    return status()


sys.exit(main(sys.argv[1:]))
