"""Which MXNet operators are differentiable, and to what order: stock vs mxnet-ho.

For every registered operator it reports whether it has an FGradient in stock
MXNet and now, and its *closure order*: the highest n for which the n-th
gradient graph contains only differentiable operators ("inf" when every
operator reachable by repeated differentiation has an FGradient).

Each operator's gradient graph is built through the operator's own FGradient
on placeholder inputs (in a child process, see _probe.py) as a higher-order pass
builds it (under create_graph, where rules that keep the stock kernel for a
first-order pass give their composed form; control-flow ops on a small symbol
with their subgraphs); an operator's order
is the length of the shortest chain "op -> an op of its gradient graph -> ..."
that ends at an operator without FGradient. An operator whose graph could not be
built is counted as differentiable once (order 1) and listed with the reason.
"""

import glob
import json
import math
import os
import subprocess
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11: the same parser, published as tomli
    import tomli as tomllib

INF = math.inf


def patches_dir():
    """patches/ of a checkout, else the copy installed inside the package."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "..", "..", "patches"), os.path.join(here, "patches")):
        if os.path.isdir(candidate):
            return os.path.normpath(candidate)
    return None


def load_patches():
    """The series: a list of dicts, one per patches/*.toml file."""
    directory = patches_dir()
    if directory is None:
        return []
    series = []
    for path in sorted(glob.glob(os.path.join(directory, "*.toml"))):
        with open(path, "rb") as f:
            patch = tomllib.load(f)
        patch["file"] = os.path.basename(path)
        series.append(patch)
    return series


def _guess_family(op):
    prefixes = [
        ("_npi_", "numpy"),
        ("_np_", "numpy"),
        ("_npx_", "numpy"),
        ("_contrib_", "contrib"),
        ("_random_", "random"),
        ("_sample_", "random"),
        ("_linalg_", "linalg"),
        ("linalg_", "linalg"),
        ("_image_", "image"),
        ("_sg_", "subgraph"),
        ("_sparse_", "sparse"),
        ("_backward_", "backward (other)"),
    ]
    for prefix, family in prefixes:
        if op.startswith(prefix):
            return family
    return "other"


def run_probe(mode):
    """{op: row} from a probe child process, restarted past any op that crashes it."""
    env = dict(os.environ)
    if mode == "stock":
        env["MXNET_HO_DISABLE"] = "1"
    else:
        env.pop("MXNET_HO_DISABLE", None)
    skip = []
    for _ in range(50):
        cmd = [sys.executable, "-m", "mxnet_ho._probe", mode, "--skip", ",".join(skip)]
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        rows, probing = {}, None
        for line in proc.stdout.decode().splitlines():
            obj = json.loads(line)
            if "probing" in obj:
                probing = obj["probing"]
            else:
                rows[obj["op"]] = obj
                probing = None
        if proc.returncode == 0:
            return rows
        if probing is None or probing in skip:
            raise RuntimeError("the %s probe failed: %s" % (mode, proc.stderr.decode()[-2000:]))
        skip.append(probing)
    raise RuntimeError("the %s probe kept crashing (skipped %s)" % (mode, ", ".join(skip)))


# Ops that, inside a gradient graph, only stand for "no gradient here" or
# compute integer indices that other ops consume as indices (whose gradients
# are zero): MXNet's gradient pass never asks them for a gradient.
NO_GRADIENT_MARKERS = {"_NoGradient", "argmax", "argmin", "argmax_channel"}


def closure_orders(rows):
    """{op: order} by shortest distance to an operator without FGradient."""
    order = {}
    for op, row in rows.items():
        if op in NO_GRADIENT_MARKERS:
            order[op] = INF
        elif not row["fgradient"]:
            order[op] = 0
        elif row["error"]:
            order[op] = 1
        else:
            order[op] = INF
    changed = True
    while changed:
        changed = False
        for op, row in rows.items():
            if order[op] in (0, 1) or not row["children"]:
                continue
            best = 1 + min(order.get(child, 0) for child in row["children"])
            if best < order[op]:
                order[op] = best
                changed = True
    return order


def _fmt(order):
    return "inf" if order == INF else str(order)


def collect():
    """Everything the report needs, as a JSON-ready dict."""
    import mxnet

    stock, patched = run_probe("stock"), run_probe("patched")
    stock_order, patched_order = closure_orders(stock), closure_orders(patched)
    series = load_patches()
    family_of, math_of, excluded = {}, {}, {}
    for patch in series:
        for op in patch.get("forward", []):
            family_of.setdefault(op, patch["family"])
        for entry in patch.get("gradient", []):
            family_of.setdefault(entry["op"], patch["family"])
            math_of[entry["op"]] = entry.get("math", "")
        for entry in patch.get("exclusion", []):
            family_of.setdefault(entry["op"], patch["family"])
            excluded[entry["op"]] = entry.get("reason", "")
    ops = []
    for op in sorted(set(stock) | set(patched)):
        s, p = stock.get(op), patched.get(op)
        ops.append(
            {
                "name": op,
                "family": family_of.get(op, _guess_family(op)),
                "stock_fgradient": bool(s and s["fgradient"]),
                "fgradient": bool(p and p["fgradient"]),
                "patched_by_mxnet_ho": bool(p and p.get("rule")),
                "stock_order": _fmt(stock_order.get(op, 0)),
                "order": _fmt(patched_order.get(op, 0)),
                "gradient_ops": p["children"] if p else [],
                "probe_error": (p or {}).get("error"),
                "excluded": excluded.get(op),
                "math": math_of.get(op),
            }
        )
    return {
        "mxnet_version": mxnet.__version__,
        "patches": [p["file"] for p in series],
        "ops": ops,
    }


def series_problems(data):
    """Where the patches/ series and the live registry disagree."""
    from . import _native

    by_name = {op["name"]: op for op in data["ops"]}
    problems = []
    listed = set()
    for patch in load_patches():
        for entry in patch.get("gradient", []):
            listed.add(entry["op"])
            op = by_name.get(entry["op"])
            if op is None:
                problems.append(
                    "%s: %s is not an operator of this MXNet" % (patch["file"], entry["op"])
                )
            elif not op["patched_by_mxnet_ho"]:
                problems.append(
                    "%s: %s has no mxnet-ho gradient registered" % (patch["file"], entry["op"])
                )
        for name in patch.get("forward", []):
            op = by_name.get(name)
            if op is None:
                problems.append(
                    "%s: forward op %s is not an operator of this MXNet" % (patch["file"], name)
                )
            elif op["order"] != "inf":
                problems.append(
                    "%s: forward op %s reaches order %s, not inf (via %s)"
                    % (patch["file"], name, op["order"], ", ".join(op["gradient_ops"]))
                )
    for rule_op in _native.rule_ops():
        if rule_op in by_name and rule_op not in listed:
            problems.append("%s has an mxnet-ho rule but no entry in patches/" % rule_op)
    return problems


def summary_rows(data, family=None):
    families = {}
    for op in data["ops"]:
        if family and op["family"] != family:
            continue
        f = families.setdefault(
            op["family"], {"ops": 0, "stock_fgradient": 0, "fgradient": 0, "stock_inf": 0, "inf": 0}
        )
        f["ops"] += 1
        f["stock_fgradient"] += op["stock_fgradient"]
        f["fgradient"] += op["fgradient"]
        f["stock_inf"] += op["stock_order"] == "inf"
        f["inf"] += op["order"] == "inf"
    return families


def format_summary(data, family=None):
    families = summary_rows(data, family)
    lines = [
        "| family | ops | FGradient stock | FGradient now | any-order stock | any-order now |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    total = {"ops": 0, "stock_fgradient": 0, "fgradient": 0, "stock_inf": 0, "inf": 0}
    for name in sorted(families):
        f = families[name]
        for k in total:
            total[k] += f[k]
        lines.append(
            "| %s | %d | %d | %d | %d | %d |"
            % (name, f["ops"], f["stock_fgradient"], f["fgradient"], f["stock_inf"], f["inf"])
        )
    lines.append(
        "| **all** | %d | %d | %d | %d | %d |"
        % (
            total["ops"],
            total["stock_fgradient"],
            total["fgradient"],
            total["stock_inf"],
            total["inf"],
        )
    )
    return "\n".join(lines)


def format_ops(data, family=None):
    lines = [
        "%-40s %-18s %-6s %-6s %-6s %-6s %s"
        % ("op", "family", "stock", "now", "order", "(was)", "note")
    ]
    for op in data["ops"]:
        if family and op["family"] != family:
            continue
        note = ""
        if op["excluded"]:
            note = "excluded: " + op["excluded"]
        elif op["probe_error"]:
            note = "not probed: " + op["probe_error"]
        lines.append(
            "%-40s %-18s %-6s %-6s %-6s %-6s %s"
            % (
                op["name"],
                op["family"],
                "yes" if op["stock_fgradient"] else "-",
                "yes" if op["fgradient"] else "-",
                op["order"],
                op["stock_order"],
                note,
            )
        )
    return "\n".join(lines)


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m mxnet_ho coverage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--family", help="only this family (see the summary for names)")
    parser.add_argument("--json", action="store_true", help="print the data as JSON")
    parser.add_argument("--summary", action="store_true", help="only the per-family summary")
    parser.add_argument(
        "--check",
        action="store_true",
        help="also hold patches/ against the registry; exit 1 on a mismatch",
    )
    args = parser.parse_args(argv)
    data = collect()
    if args.family and not any(op["family"] == args.family for op in data["ops"]):
        families = sorted({op["family"] for op in data["ops"]})
        parser.error("no family %r; families are: %s" % (args.family, ", ".join(families)))
    problems = series_problems(data) if args.check else []
    if args.json:
        if args.family:
            data = dict(data, ops=[op for op in data["ops"] if op["family"] == args.family])
        if args.check:
            data = dict(data, problems=problems)
        print(json.dumps(data, indent=1))
    else:
        print("MXNet %s; patches: %s" % (data["mxnet_version"], ", ".join(data["patches"])))
        if not args.summary:
            print(format_ops(data, args.family))
            print()
        print(format_summary(data, args.family))
        for problem in problems:
            print("PROBLEM: " + problem)
    return 1 if problems else 0
