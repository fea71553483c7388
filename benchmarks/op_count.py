"""The operator-count audit: how many operators each pass of a second-order workload
runs, mxnet-ho beside PyTorch, and where mxnet-ho's excess comes from.

    python benchmarks/op_count.py [--only WORD] [--top N] [--json PATH]

For each workload of benchmarks/workloads.py (the steps benchmarks/run.py times),
one warm-up step, then one counted step, each framework in its own process:
  * MXNet: the profiler's aggregate of operator executions (imperative and inside
    cached graphs), read at each pass boundary the step marks;
  * PyTorch: every ATen operator dispatched (a TorchDispatchMode), forward and
    autograd's backward kernels alike.
Operators are sorted into kinds: "fill" (zeros, ones, full: heads and the zero
terms of rules), "sum" (MXNet's gradient accumulation, add_n), "shape" (reshape,
broadcast, transpose, slice, copy), "backward kernel" (a fused _backward_* /
*_backward kernel), "math" (the rest). MXNet's engine variable deletions are
reported apart ("deletions"): they are work, but not operators.
A rule or pass change is judged by the operators it saves here; timings are
benchmarks/run.py's job.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.abspath(__file__)
sys.path.insert(0, os.path.dirname(HERE))
import workloads  # noqa: E402

FILL = {
    "mx": {
        "_zeros", "zeros_like", "_npi_zeros", "_full", "_npi_full", "_npi_full_like", "ones_like",
        "_ones", "_npi_ones", "SetValueOp", "_zeros_without_dtype",
    },
    "torch": {
        "zeros", "zeros_like", "ones", "ones_like", "full", "full_like", "fill_", "zero_",
        "new_zeros", "new_ones", "new_full", "scalar_tensor", "empty_like", "new_empty",
    },
}  # fmt: skip
SUM = {"mx": {"add_n", "ElementWiseSum", "_grad_add"}, "torch": set()}
SHAPE = {
    "mx": {
        "reshape", "Reshape", "_npx_reshape", "reshape_like", "expand_dims", "broadcast_to",
        "broadcast_like", "broadcast_axis", "broadcast_axes", "transpose", "SwapAxis", "squeeze",
        "Flatten", "flatten", "slice", "slice_axis", "slice_like", "_copy", "_npi_copy", "Concat",
        "concat", "stack", "split", "SliceChannel", "_split_v2", "_slice_assign",
    },
    "torch": {
        "view", "reshape", "_unsafe_view", "expand", "t", "transpose", "permute", "unsqueeze",
        "squeeze", "as_strided", "select", "slice", "detach", "alias", "expand_as", "clone",
        "copy_", "cat", "stack", "split", "unbind", "select_backward", "slice_backward",
        "_to_copy", "contiguous", "unsafe_split", "split_with_sizes", "narrow",
    },
}  # fmt: skip
BOOKKEEPING = {"DeleteVariable", "ResourceParallelRandomSetSeed", "WaitForVar", "WaitForAll"}
KINDS = ("fill", "sum", "shape", "backward kernel", "math")


def kind_of(framework, op):
    if op in FILL[framework]:
        return "fill"
    if op in SUM[framework]:
        return "sum"
    if op in SHAPE[framework]:
        return "shape"
    if op.startswith("_backward_") or op.endswith("_backward"):
        return "backward kernel"
    return "math"


# (name, MXNet build, PyTorch build): a build is (function name in workloads, args)
WORKLOADS = [
    ("HVP, MLP 784-256-256-10 tanh", ("build_mx_hvp", ["hvp"]), ("build_torch_hvp", ["hvp"])),
    ("HVP, one cached graph", ("build_mx_hvp", ["compiled_hvp"]), ("build_torch_hvp", ["hvp"])),
    ("WGAN-GP critic step", ("build_mx_wgan", ["gp"]), ("build_torch_wgan", ["gp"])),
    (
        "WGAN-GP critic step, hybridized",
        ("build_mx_wgan", ["gp", True]),
        ("build_torch_wgan", ["gp"]),
    ),
    ("PINN step", ("build_mx_pinn", []), ("build_torch_pinn", [])),
    ("PINN step, hybridized", ("build_mx_pinn", [True]), ("build_torch_pinn", [])),
    ("MAML step", ("build_mx_maml", []), ("build_torch_maml", [])),
    ("LSTM penalty (fused, small)", ("build_mx_lstm_gp", []), ("build_torch_lstm_gp", [])),
] + [
    ("%d-th derivative of %s" % (k, f), ("build_mx_kth", [f, k]), ("build_torch_kth", [f, k]))
    for f in ("sin", "tanh")
    for k in (5, 10)
]


# --------------------------------------------------------------------------- counters
def count_mx(step):
    """{pass: {op: count}} of one MXNet step."""
    import mxnet as mx
    from mxnet import profiler

    trace = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    profiler.set_config(
        profile_imperative=True, profile_symbolic=True, aggregate_stats=True, filename=trace
    )
    counts = collections.defaultdict(collections.Counter)
    current = [None]

    def read():
        mx.nd.waitall()
        table = json.loads(profiler.dumps(reset=True, format="json"))
        for name, stats in table.get("Time", {}).get("operator", {}).items():
            # a cached graph's engine bulks consecutive small operators into one
            # engine operation, named by the list of them: count each
            for op in name.split(","):
                if current[0] is not None:
                    counts[current[0]][op] += stats["Count"]

    def mark(name):
        read()
        current[0] = name

    profiler.set_state("run")
    read()
    current[0] = "setup"
    step(mark)
    read()
    profiler.set_state("stop")
    os.unlink(trace)
    return counts


def count_torch(step):
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    counts = collections.defaultdict(collections.Counter)
    current = ["setup"]

    class Counting(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            counts[current[0]][func.overloadpacket.__name__] += 1
            return func(*args, **(kwargs or {}))

    def mark(name):
        current[0] = name

    torch.set_num_threads(2)
    with Counting():
        step(mark)
    return counts


def worker(framework, build, args):
    step = getattr(workloads, build)(*args)
    step(workloads.no_mark)  # warm-up: deferred initialisation, graph building
    counts = (count_mx if framework == "mx" else count_torch)(step)
    return {stage: dict(ops) for stage, ops in counts.items()}


def run_worker(framework, build, args):
    code = (
        "import sys, json; sys.argv = ['op_count']; import importlib.util as u; "
        "s = u.spec_from_file_location('oc', %r); m = u.module_from_spec(s); "
        "s.loader.exec_module(m); print(json.dumps(m.worker(%r, %r, %r)))"
        % (HERE, framework, build, args)
    )
    env = dict(os.environ, OMP_NUM_THREADS="2")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    if out.returncode != 0:
        raise RuntimeError("%s %s failed:\n%s" % (framework, build, out.stderr.decode()[-3000:]))
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


# --------------------------------------------------------------------------- report
def summarise(framework, counts):
    """{"passes": {pass: {kind: n, "total": n}}, "total": {...}, "deletions": n}."""
    passes, total, deletions = {}, collections.Counter(), 0
    for stage, ops in counts.items():
        kinds = collections.Counter()
        for op, n in ops.items():
            if op in BOOKKEEPING:
                deletions += n if op == "DeleteVariable" else 0
                continue
            kinds[kind_of(framework, op)] += n
        kinds["total"] = sum(kinds.values())
        passes[stage] = dict(kinds)
        total.update(kinds)
    return {"passes": passes, "total": dict(total), "deletions": deletions}


def top_ops(framework, counts, n):
    merged = collections.Counter()
    for ops in counts.values():
        merged.update({op: c for op, c in ops.items() if op not in BOOKKEEPING})
    return merged.most_common(n)


def report(name, mx_counts, torch_counts, top):
    mx_sum, torch_sum = summarise("mx", mx_counts), summarise("torch", torch_counts)
    lines = ["## %s" % name, "", "| pass | mxnet-ho ops | PyTorch ops |", "|---|---:|---:|"]
    stages = list(mx_sum["passes"]) + [s for s in torch_sum["passes"] if s not in mx_sum["passes"]]
    for stage in stages:
        a = mx_sum["passes"].get(stage, {}).get("total", "-")
        b = torch_sum["passes"].get(stage, {}).get("total", "-")
        lines.append("| %s | %s | %s |" % (stage, a, b))
    lines.append(
        "| **all** | **%d** | **%d** |" % (mx_sum["total"]["total"], torch_sum["total"]["total"])
    )
    lines += ["", "| kind | mxnet-ho | PyTorch |", "|---|---:|---:|"]
    for kind in KINDS:
        lines.append(
            "| %s | %d | %d |"
            % (kind, mx_sum["total"].get(kind, 0), torch_sum["total"].get(kind, 0))
        )
    lines.append(
        "| all but shape (PyTorch's views are metadata) | %d | %d |"
        % (
            mx_sum["total"]["total"] - mx_sum["total"].get("shape", 0),
            torch_sum["total"]["total"] - torch_sum["total"].get("shape", 0),
        )
    )
    lines.append("| MXNet engine variable deletions | %d | - |" % mx_sum["deletions"])
    if top:
        lines += [
            "",
            "mxnet-ho's most run: " + ", ".join("%s %d" % t for t in top_ops("mx", mx_counts, top)),
        ]
        lines += [
            "PyTorch's most run: "
            + ", ".join("%s %d" % t for t in top_ops("torch", torch_counts, top))
        ]
    return "\n".join(lines) + "\n", {"name": name, "mxnet_ho": mx_sum, "pytorch": torch_sum}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", metavar="WORD", help="workloads whose name contains WORD")
    parser.add_argument("--top", type=int, default=8, help="list each side's N most run operators")
    parser.add_argument("--json", metavar="PATH", help="also write the counts as JSON")
    args = parser.parse_args()
    chosen = [w for w in WORKLOADS if not args.only or args.only in w[0]]
    if not chosen:
        parser.error("no workload's name contains %r" % args.only)
    results = []
    for name, (mx_build, mx_args), (torch_build, torch_args) in chosen:
        mx_counts = run_worker("mx", mx_build, mx_args)
        torch_counts = run_worker("torch", torch_build, torch_args)
        text, summary = report(name, mx_counts, torch_counts, args.top)
        summary["mxnet_ho_ops"], summary["pytorch_ops"] = mx_counts, torch_counts
        results.append(summary)
        print(text, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
