"""Side-by-side benchmarks of mxnet-ho: one run, same model, batch, dtype (float32)
and thread count on both sides; median of repeated runs after warm-up; ratios.

    python benchmarks/run.py [--repeat N] [--rounds R] [--threads N] [--only WORD]
                             [--json PATH] [--markdown PATH]

Every round takes every measurement once, in the same order; each row reports
the median of its per-round ratios and their range.

Each measurement runs in its own process (stock MXNet is mxnet-ho's process
with MXNET_HO_DISABLE=1, which loads nothing of mxnet-ho). Rows:
  * first-order training step of hybridized MLP and small CNN: mxnet-ho vs stock
  * Hessian-vector product of an MLP 784-256-256-10 (tanh, batch 64):
    mxnet-ho (imperative, and as one cached graph) vs PyTorch CPU, and HVP time
    over gradient time for each
  * WGAN-GP critic step (DCGAN-style critic on 1x32x32) vs the plain critic step,
    mxnet-ho and PyTorch CPU; the same step imperative, with plain hybridize(),
    and as one cached graph (mxnet_ho.compiled.Graph); PyTorch with torch.compile
  * gradient penalty through a 2-layer LSTM (sequence 35, batch 32, hidden 200):
    the fused layer (mxnet-ho's unrolled twin at order 2) vs the same layer as
    unrolled cells and vs PyTorch CPU's LSTM double backward
  * `import mxnet` with and without the patch
ratio = ours / reference (below 1 is faster).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)


# --------------------------------------------------------------------------- timing
def median_time(step, repeat, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --------------------------------------------------------------------------- MXNet
def mx_mlp(mx, sizes, act):
    net = mx.gluon.nn.HybridSequential()
    for n in sizes[1:-1]:
        net.add(mx.gluon.nn.Dense(n, activation=act))
    net.add(mx.gluon.nn.Dense(sizes[-1]))
    net.initialize(mx.init.Xavier())
    return net


def mx_cnn(mx):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(16, 3, padding=1, activation="relu"),
        nn.MaxPool2D(2),
        nn.Conv2D(32, 3, padding=1, activation="relu"),
        nn.MaxPool2D(2),
        nn.Dense(10),
    )
    net.initialize(mx.init.Xavier())
    return net


def mx_critic(mx):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    for channels in (32, 64, 128):
        net.add(nn.Conv2D(channels, 4, strides=2, padding=1), nn.LeakyReLU(0.2))
    net.add(nn.Dense(1))
    net.initialize(mx.init.Normal(0.02))
    return net


def mx_sync(mx, arrays):
    for a in arrays:
        a.wait_to_read()


def mx_first_order(model, repeat):
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    if model == "mlp":
        net, x = mx_mlp(mx, [784, 256, 256, 10], "relu"), nd.random.normal(shape=(64, 784))
    else:
        net, x = mx_cnn(mx), nd.random.normal(shape=(64, 1, 28, 28))
    net.hybridize()
    y = nd.array(mx.nd.random.randint(0, 10, shape=(64,)).asnumpy())
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})

    def step():
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(64)
        mx_sync(mx, [p.data() for p in net.collect_params().values()])

    return median_time(step, repeat)


def mx_hvp(kind, repeat):
    import mxnet as mx
    from mxnet import autograd, nd
    from mxnet_ho import functional

    mx.random.seed(0)
    net = mx_mlp(mx, [784, 256, 256, 10], "tanh")
    x, y = nd.random.normal(shape=(64, 784)), nd.array(list(range(10)) * 6 + [0] * 4)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    net(x)  # finishes the deferred initialization of the parameters
    params = [p.data() for p in net.collect_params().values()]
    vs = [nd.random.normal(shape=p.shape) for p in params]

    def grad_only():
        with autograd.record():
            loss = loss_fn(net(x), y).mean()
        grads = autograd.grad(loss, params)
        mx_sync(mx, grads)

    def hvp():
        # the package's own HVP (its inner product <grad, v> is a dot of flattened
        # arrays: MXNet's full-array sum is single-threaded)
        _, hv = functional.hvp(lambda *ps: loss_fn(net(x), y).mean(), tuple(params), tuple(vs))
        mx_sync(mx, hv)

    def compiled_hvp():
        # the whole HVP as one cached graph (mxnet_ho.compiled)
        hv = compiled_loss.hvp(x, y, vs, train_mode=True)
        mx_sync(mx, hv)

    if kind == "compiled_hvp":
        from mxnet_ho import compiled

        compiled_loss = compiled.Loss(net, loss_fn)
        return median_time(compiled_hvp, repeat)
    return median_time(grad_only if kind == "grad" else hvp, repeat)


def wgan_gp_symbol(mx, critic, batch):
    """[critic loss, d loss / d each parameter] of the penalized critic step, as
    one Symbol (inputs eps, real, fake and the critic's parameters)."""
    from mxnet_ho import symbol

    eps, real, fake = mx.sym.var("eps"), mx.sym.var("real"), mx.sym.var("fake")
    inter = mx.sym.var("inter")
    (g,) = symbol.grad(mx.sym.sum(critic(inter)), [inter])
    norm = mx.sym.sqrt(mx.sym.sum(mx.sym.square(mx.sym.reshape(g, (batch, -1))), axis=1) + 1e-12)
    loss = (
        mx.sym.mean(critic(fake))
        - mx.sym.mean(critic(real))
        + 10 * mx.sym.mean(mx.sym.square(norm - 1))
    )
    names = [p.name for p in critic.collect_params().values()]
    step = mx.sym.Group([loss] + symbol.grad(loss, names))
    # the penalty's input is the interpolation of real and fake by eps (composing
    # copies the graph: real and fake are named too, so each stays one input)
    mixed = mx.sym.broadcast_add(
        mx.sym.broadcast_mul(eps, real), mx.sym.broadcast_mul(1 - eps, fake)
    )
    return step(inter=mixed, real=real, fake=fake)


def mx_wgan(kind, repeat, hybridize=False):
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    critic = mx_critic(mx)
    if hybridize:
        critic.hybridize()
    real = nd.random.normal(shape=(64, 1, 32, 32))
    fake = nd.random.normal(shape=(64, 1, 32, 32))
    critic(real)
    trainer = mx.gluon.Trainer(critic.collect_params(), "adam", {"learning_rate": 1e-4})

    def plain():
        with autograd.record():
            loss = critic(fake).mean() - critic(real).mean()
        loss.backward()
        trainer.step(1)
        mx_sync(mx, [p.data() for p in critic.collect_params().values()])

    def penalized():
        eps = nd.random.uniform(shape=(64, 1, 1, 1))
        inter = nd.broadcast_add(nd.broadcast_mul(eps, real), nd.broadcast_mul(1 - eps, fake))
        inter.attach_grad()
        with autograd.record():
            score = critic(inter)
            (g,) = autograd.grad(
                score, [inter], head_grads=nd.ones_like(score), create_graph=True, retain_graph=True
            )
            norm = nd.sqrt(nd.sum(g.reshape((64, -1)) ** 2, axis=1) + 1e-12)
            penalty = ((norm - 1) ** 2).mean()
            loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        loss.backward()
        trainer.step(1)
        mx_sync(mx, [p.data() for p in critic.collect_params().values()])

    def compiled_step():
        # the whole penalized step (three critic passes, the input gradient, the
        # penalty and its parameter gradients) as one cached graph
        eps = nd.random.uniform(shape=(64, 1, 1, 1))
        outputs = step_graph(eps=eps, real=real, fake=fake, train_mode=True)
        for p, g in zip(params, outputs[1:]):
            p.grad()[:] = g
            p.data()._fresh_grad = True  # as backward() marks what it wrote
        trainer.step(1)
        mx_sync(mx, [p.data() for p in critic.collect_params().values()])

    if kind == "gp_compiled":
        from mxnet_ho import compiled

        params = list(critic.collect_params().values())
        step_graph = compiled.Graph(wgan_gp_symbol(mx, critic, 64), critic)
        return median_time(compiled_step, repeat)
    return median_time(penalized if kind == "gp" else plain, repeat)


LSTM = {"T": 35, "N": 32, "H": 200, "layers": 2}


def mx_lstm_gp(kind, repeat):
    """d/dweights of mean(y) + sum((dy.sum()/dx)^2) through a 2-layer LSTM, TNC."""
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    layer = mx.gluon.rnn.LSTM(LSTM["H"], num_layers=LSTM["layers"], input_size=LSTM["H"])
    layer.initialize(mx.init.Xavier())
    x = nd.random.normal(shape=(LSTM["T"], LSTM["N"], LSTM["H"]))
    if kind == "unrolled":
        cells = layer._unfuse()
        run = lambda v: cells.unroll(LSTM["T"], v, layout="TNC", merge_outputs=True)[0]  # noqa: E731
    else:
        run = layer
    params = list(layer.collect_params().values())

    def step():
        xx = x.copy()
        xx.attach_grad()
        with autograd.record():
            y = run(xx)
            (g,) = autograd.grad(y.sum(), [xx], create_graph=True, retain_graph=True)
            loss = y.mean() + (g * g).sum()
        loss.backward()
        mx_sync(mx, [p.grad() for p in params])

    return median_time(step, repeat)


# --------------------------------------------------------------------------- PyTorch
def torch_lstm_gp(repeat):
    import torch

    torch.manual_seed(0)
    layer = torch.nn.LSTM(LSTM["H"], LSTM["H"], num_layers=LSTM["layers"])
    x = torch.randn(LSTM["T"], LSTM["N"], LSTM["H"])

    def step():
        layer.zero_grad()
        xx = x.clone().requires_grad_(True)
        y = layer(xx)[0]
        (g,) = torch.autograd.grad(y.sum(), xx, create_graph=True)
        (y.mean() + (g * g).sum()).backward()

    return median_time(step, repeat)


def torch_hvp(kind, repeat):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.Tanh(),
        torch.nn.Linear(256, 256),
        torch.nn.Tanh(),
        torch.nn.Linear(256, 10),
    )
    x, y = torch.randn(64, 784), torch.tensor(list(range(10)) * 6 + [0] * 4)
    params = list(net.parameters())
    vs = [torch.randn_like(p) for p in params]
    loss_fn = torch.nn.CrossEntropyLoss()

    def grad_only():
        torch.autograd.grad(loss_fn(net(x), y), params)

    def hvp():
        grads = torch.autograd.grad(loss_fn(net(x), y), params, create_graph=True)
        inner = sum((g * v).sum() for g, v in zip(grads, vs))
        torch.autograd.grad(inner, params)

    return median_time(grad_only if kind == "grad" else hvp, repeat)


def torch_wgan(kind, repeat):
    import torch

    torch.manual_seed(0)
    compile_critic = kind == "gp_compiled"
    layers = []
    for c_in, c_out in ((1, 32), (32, 64), (64, 128)):
        layers += [torch.nn.Conv2d(c_in, c_out, 4, 2, 1), torch.nn.LeakyReLU(0.2)]
    critic = torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(128 * 4 * 4, 1))
    if compile_critic:
        critic = torch.compile(critic)  # double backward through it: reported as measured
    real, fake = torch.randn(64, 1, 32, 32), torch.randn(64, 1, 32, 32)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-4)

    def plain():
        opt.zero_grad()
        loss = critic(fake).mean() - critic(real).mean()
        loss.backward()
        opt.step()

    def penalized():
        opt.zero_grad()
        eps = torch.rand(64, 1, 1, 1)
        inter = (eps * real + (1 - eps) * fake).requires_grad_(True)
        score = critic(inter)
        (g,) = torch.autograd.grad(score.sum(), inter, create_graph=True)
        penalty = ((g.reshape(64, -1).pow(2).sum(1) + 1e-12).sqrt() - 1).pow(2).mean()
        loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        loss.backward()
        opt.step()

    if compile_critic:
        try:
            return median_time(penalized, repeat)
        except Exception as error:  # noqa: BLE001 - the failure is the measurement
            return "fails: %s" % str(error).strip().splitlines()[0][:120]
    return median_time(penalized if kind == "gp" else plain, repeat)


def import_time(repeat):
    start = time.perf_counter()
    import mxnet  # noqa: F401

    return time.perf_counter() - start


WORKERS = {
    "first_order_mlp": lambda r: mx_first_order("mlp", r),
    "first_order_cnn": lambda r: mx_first_order("cnn", r),
    "mx_grad": lambda r: mx_hvp("grad", r),
    "mx_hvp": lambda r: mx_hvp("hvp", r),
    "mx_compiled_hvp": lambda r: mx_hvp("compiled_hvp", r),
    "torch_grad": lambda r: torch_hvp("grad", r),
    "torch_hvp": lambda r: torch_hvp("hvp", r),
    "mx_wgan_plain": lambda r: mx_wgan("plain", r),
    "mx_wgan_gp": lambda r: mx_wgan("gp", r),
    "mx_wgan_gp_hybrid": lambda r: mx_wgan("gp", r, hybridize=True),
    "mx_wgan_plain_hybrid": lambda r: mx_wgan("plain", r, hybridize=True),
    "mx_wgan_gp_compiled": lambda r: mx_wgan("gp_compiled", r),
    "torch_wgan_plain": lambda r: torch_wgan("plain", r),
    "torch_wgan_gp": lambda r: torch_wgan("gp", r),
    "torch_wgan_gp_compiled": lambda r: torch_wgan("gp_compiled", r),
    "mx_lstm_gp_fused": lambda r: mx_lstm_gp("fused", r),
    "mx_lstm_gp_unrolled": lambda r: mx_lstm_gp("unrolled", r),
    "torch_lstm_gp": torch_lstm_gp,
    "import": import_time,
}


def measure(worker, repeat, threads, stock=False):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env.pop("MXNET_HO_DISABLE", None)
    if stock:
        env["MXNET_HO_DISABLE"] = "1"
    is_torch = worker.startswith("torch")
    code = (
        "import sys, json; %simport importlib.util as u; "
        "s = u.spec_from_file_location('b', %r); m = u.module_from_spec(s); "
        "s.loader.exec_module(m)%s\n"
        % (
            "sys.argv = ['run']; " if is_torch else "",
            HERE,
            "; import torch; torch.set_num_threads(%d)" % threads if is_torch else "",
        )
    )
    code += "print(json.dumps(m.WORKERS[%r](%d)))" % (worker, repeat)
    runs = 5 if worker == "import" else 1
    values = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
        )
        if out.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (worker, out.stderr[-3000:]))
        values.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return statistics.median(values)


# (row name, worker, reference name, reference worker); a worker named with a
# trailing "@stock" runs with MXNET_HO_DISABLE=1.
ROWS = [
    (
        "first-order training step, hybridized mlp",
        "first_order_mlp",
        "stock MXNet",
        "first_order_mlp@stock",
    ),
    (
        "first-order training step, hybridized cnn",
        "first_order_cnn",
        "stock MXNet",
        "first_order_cnn@stock",
    ),
    (
        "HVP / gradient, MLP 784-256-256-10 tanh (mxnet-ho)",
        "mx_hvp",
        "mxnet-ho gradient",
        "mx_grad",
    ),
    (
        "WGAN-GP critic step / plain step (mxnet-ho)",
        "mx_wgan_gp",
        "plain critic step",
        "mx_wgan_plain",
    ),
    (
        "WGAN-GP critic step, plain hybridize() vs imperative",
        "mx_wgan_gp_hybrid",
        "imperative",
        "mx_wgan_gp",
    ),
    (
        "WGAN-GP critic step / plain step, hybridized (mxnet-ho)",
        "mx_wgan_gp_hybrid",
        "plain critic step, hybridized",
        "mx_wgan_plain_hybrid",
    ),
    (
        "WGAN-GP critic step, one cached graph (compiled.Graph) vs imperative",
        "mx_wgan_gp_compiled",
        "imperative",
        "mx_wgan_gp",
    ),
    ("HVP, MLP 784-256-256-10 tanh", "mx_hvp", "PyTorch CPU", "torch_hvp"),
    ("HVP / gradient (PyTorch CPU)", "torch_hvp", "PyTorch gradient", "torch_grad"),
    ("WGAN-GP critic step", "mx_wgan_gp", "PyTorch CPU", "torch_wgan_gp"),
    ("WGAN-GP critic step, plain hybridize()", "mx_wgan_gp_hybrid", "PyTorch CPU", "torch_wgan_gp"),
    (
        "WGAN-GP critic step, one cached graph",
        "mx_wgan_gp_compiled",
        "PyTorch CPU",
        "torch_wgan_gp",
    ),
    (
        "HVP, MLP, one cached graph (compiled.Loss.hvp)",
        "mx_compiled_hvp",
        "PyTorch CPU",
        "torch_hvp",
    ),
    (
        "WGAN-GP critic step, torch.compile",
        "torch_wgan_gp_compiled",
        "PyTorch eager",
        "torch_wgan_gp",
    ),
    (
        "WGAN-GP critic step / plain step (PyTorch CPU)",
        "torch_wgan_gp",
        "PyTorch plain step",
        "torch_wgan_plain",
    ),
    (
        "gradient penalty, 2-layer LSTM, fused layer",
        "mx_lstm_gp_fused",
        "unrolled cells",
        "mx_lstm_gp_unrolled",
    ),
    (
        "gradient penalty, 2-layer LSTM, fused layer",
        "mx_lstm_gp_fused",
        "PyTorch CPU",
        "torch_lstm_gp",
    ),
    ("import mxnet", "import", "MXNET_HO_DISABLE=1", "import@stock"),
]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed steps per process")
    parser.add_argument(
        "--rounds", type=int, default=3, help="times every measurement is taken, interleaved"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", metavar="WORD", help="rows whose name contains WORD")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--markdown", metavar="PATH")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed (pip install torch==2.13.0): PyTorch rows are skipped")

    rows = [r for r in ROWS if have_torch or not any(w.startswith("torch") for w in r[1::2])]
    if args.only:
        rows = [r for r in rows if args.only in r[0]]
    workers = []
    for r in rows:
        workers += [w for w in r[1::2] if w not in workers]

    # Every round takes every measurement once, in the same order, so that a slow
    # spell of the machine spreads over all rows instead of falling on one.
    seconds = {w: [] for w in workers}
    failed = {}
    for round_ in range(args.rounds):
        for w in workers:
            if w in failed:
                continue
            name, _, stock = w.partition("@")
            value = measure(name, args.repeat, args.threads, stock=bool(stock))
            if isinstance(value, str):
                failed[w] = value
            else:
                seconds[w].append(value)
        print("round %d of %d done" % (round_ + 1, args.rounds), flush=True)

    results, notes = [], []
    for name, ours, ref_name, ref in rows:
        if ours in failed or ref in failed:
            w = ours if ours in failed else ref
            notes.append("%s (%s): %s" % (name, w, failed[w]))
            continue
        ratios = [a / b for a, b in zip(seconds[ours], seconds[ref])]
        results.append(
            {
                "name": name,
                "ours_s": statistics.median(seconds[ours]),
                "ref": ref_name,
                "ref_s": statistics.median(seconds[ref]),
                "ratio": statistics.median(ratios),
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
            }
        )

    table = [
        "| benchmark | ours (s) | reference | reference (s) | ratio (median) | ratio range |",
        "|---|---:|---|---:|---:|---:|",
    ]
    table += [
        "| %s | %.4f | %s | %.4f | %.2f | %.2f-%.2f |"
        % (r["name"], r["ours_s"], r["ref"], r["ref_s"], r["ratio"], r["ratio_min"], r["ratio_max"])
        for r in results
    ]
    table += [""] + ["* %s" % n for n in notes] if notes else []
    table += [
        "",
        "%d rounds, each measurement a median of %d steps after warm-up, %d threads"
        % (args.rounds, args.repeat, args.threads),
    ]
    print("\n".join(table))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(table) + "\n")


if __name__ == "__main__":
    main()
