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
  * a physics-informed MLP step (residual u_t - 0.1 u_xx: a 3rd-order graph),
    imperative and with plain hybridize(), a MAML step (sinusoids, 4 tasks) and
    a gradient penalty through a small fused LSTM, each vs PyTorch CPU
  * the k-th derivative of sin and tanh (k = 5, 10, 20) by nested gradients vs
    PyTorch CPU
  * `import mxnet` with and without the patch
The steps themselves are in benchmarks/workloads.py (benchmarks/op_count.py
counts the operators each of their passes runs).
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
sys.path.insert(0, os.path.dirname(HERE))
import workloads  # noqa: E402  (benchmarks/workloads.py: the steps timed here)


# --------------------------------------------------------------------------- timing
def median_time(step, repeat, warmup=3):
    """The median of `repeat` timed calls of a workloads.py step, after warm-up."""
    for _ in range(warmup):
        step(workloads.no_mark)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step(workloads.no_mark)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(build, *args, **kwargs):
    """A worker: repeat -> the median time of the step `build(*args)` returns."""
    return lambda repeat: median_time(build(*args, **kwargs), repeat)


def timed_torch_compile(repeat):
    # torch.compile cannot double-backward today: the failure is the measurement
    try:
        return median_time(workloads.build_torch_wgan("gp_compiled"), repeat)
    except Exception as error:  # noqa: BLE001
        return "fails: %s" % str(error).strip().splitlines()[0][:120]


def import_time(repeat):
    start = time.perf_counter()
    import mxnet  # noqa: F401

    return time.perf_counter() - start


KTH_ORDERS = (5, 10, 20)
W = workloads
WORKERS = {
    "first_order_mlp": timed(W.build_mx_first_order, "mlp"),
    "first_order_cnn": timed(W.build_mx_first_order, "cnn"),
    "mx_grad": timed(W.build_mx_hvp, "grad"),
    "mx_hvp": timed(W.build_mx_hvp, "hvp"),
    "mx_compiled_hvp": timed(W.build_mx_hvp, "compiled_hvp"),
    "torch_grad": timed(W.build_torch_hvp, "grad"),
    "torch_hvp": timed(W.build_torch_hvp, "hvp"),
    "mx_wgan_plain": timed(W.build_mx_wgan, "plain"),
    "mx_wgan_gp": timed(W.build_mx_wgan, "gp"),
    "mx_wgan_gp_hybrid": timed(W.build_mx_wgan, "gp", hybridize=True),
    "mx_wgan_plain_hybrid": timed(W.build_mx_wgan, "plain", hybridize=True),
    "mx_wgan_gp_compiled": timed(W.build_mx_wgan, "gp_compiled"),
    "torch_wgan_plain": timed(W.build_torch_wgan, "plain"),
    "torch_wgan_gp": timed(W.build_torch_wgan, "gp"),
    "torch_wgan_gp_compiled": timed_torch_compile,
    "mx_lstm_gp_fused": timed(W.build_mx_lstm2_gp, "fused"),
    "mx_lstm_gp_unrolled": timed(W.build_mx_lstm2_gp, "unrolled"),
    "torch_lstm_gp": timed(W.build_torch_lstm2_gp),
    "mx_pinn": timed(W.build_mx_pinn),
    "mx_pinn_hybrid": timed(W.build_mx_pinn, hybridize=True),
    "torch_pinn": timed(W.build_torch_pinn),
    "mx_maml": timed(W.build_mx_maml),
    "torch_maml": timed(W.build_torch_maml),
    "mx_small_lstm_gp": timed(W.build_mx_lstm_gp),
    "torch_small_lstm_gp": timed(W.build_torch_lstm_gp),
    "import": import_time,
}
for _k in KTH_ORDERS:
    for _f in ("sin", "tanh"):
        WORKERS["mx_%s_%d" % (_f, _k)] = timed(W.build_mx_kth, _f, _k)
        WORKERS["torch_%s_%d" % (_f, _k)] = timed(W.build_torch_kth, _f, _k)


def measure(worker, repeat, threads, stock=False, timeout=300):
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
        try:
            out = subprocess.run(
                [sys.executable, "-c", code],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                universal_newlines=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return "over %d s (warm-up and %d steps)" % (timeout, repeat)
        if out.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (worker, out.stderr[-3000:]))
        values.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return statistics.median(values)


# (row name, worker, reference name, reference worker); a worker named with a
# trailing "@stock" runs with MXNET_HO_DISABLE=1.
ROWS = (
    [
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
        (
            "WGAN-GP critic step, plain hybridize()",
            "mx_wgan_gp_hybrid",
            "PyTorch CPU",
            "torch_wgan_gp",
        ),
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
        (
            "physics-informed MLP step (3rd-order graph), imperative",
            "mx_pinn",
            "PyTorch CPU",
            "torch_pinn",
        ),
        (
            "physics-informed MLP step, plain hybridize()",
            "mx_pinn_hybrid",
            "PyTorch CPU",
            "torch_pinn",
        ),
        ("MAML step, sinusoid MLP, 4 tasks", "mx_maml", "PyTorch CPU", "torch_maml"),
        (
            "gradient penalty, fused 1-layer LSTM (32->64, T 16), hybridized",
            "mx_small_lstm_gp",
            "PyTorch CPU",
            "torch_small_lstm_gp",
        ),
    ]
    + [
        (
            "%d-th derivative of %s, nested autograd.grad" % (k, f),
            "mx_%s_%d" % (f, k),
            "PyTorch CPU",
            "torch_%s_%d" % (f, k),
        )
        for f in ("sin", "tanh")
        for k in KTH_ORDERS
    ]
    + [
        ("import mxnet", "import", "MXNET_HO_DISABLE=1", "import@stock"),
    ]
)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed steps per process")
    parser.add_argument(
        "--rounds", type=int, default=3, help="times every measurement is taken, interleaved"
    )
    parser.add_argument("--threads", type=int, default=2, help="OpenMP/PyTorch threads a side")
    parser.add_argument(
        "--timeout",
        type=int,
        default=300,
        help="seconds one measurement's process may take (warm-up and steps); past it the "
        "row is reported as 'over N s'",
    )
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
            value = measure(
                name, args.repeat, args.threads, stock=bool(stock), timeout=args.timeout
            )
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
