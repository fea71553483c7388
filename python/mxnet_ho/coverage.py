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
that ends at an operator without FGradient. An operator is probed once per
attribute variant that changes its gradient (_probe.PROBE_ATTRS, and every
attribute set it is met with inside another graph): its order is the minimum
over them, and the report names the variant that limits it. An operator whose
graph could not be built is counted as differentiable once (order 1) and listed
with the reason.
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
    """$MXNET_HO_PATCHES if set, else patches/ of a checkout, else the copy
    installed inside the package."""
    if os.environ.get("MXNET_HO_PATCHES"):
        return os.environ["MXNET_HO_PATCHES"]
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


# The family of an op no series lists: by its name's prefix, else "other".
_FAMILY_BY_PREFIX = (
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
)


def _guess_family(op):
    for prefix, family in _FAMILY_BY_PREFIX:
        if op.startswith(prefix):
            return family
    return "other"


def family_names():
    """Every family an op can be in, read without probing the registry."""
    series = {patch["family"] for patch in load_patches()}
    return sorted(series | {family for _, family in _FAMILY_BY_PREFIX} | {"other"})


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


def variants(row):
    """The probed attribute sets of a probe row, each {"attrs", "children", "error"}
    (a row without "variants" is one set)."""
    if row.get("variants"):
        return row["variants"]
    return [{"attrs": row.get("attrs", {}), "children": row["children"], "error": row["error"]}]


def _child_order(child, attrs, rows, vorder, order):
    """The order of a node of `child` with `attrs` in a gradient graph: that of the
    child's variant probed with the same attributes, else the child's own."""
    row = rows.get(child)
    if attrs is not None and row is not None:
        for i, v in enumerate(variants(row)):
            if v["attrs"] == attrs and (child, i) in vorder:
                return vorder[(child, i)]
    return order.get(child, 0)


def _orders(rows):
    """({op: order}, {(op, variant index): order}): the shortest distance to an
    operator without FGradient, per probed attribute set and per op (the minimum
    over its sets: an op closes only if each does)."""
    order, vorder = {}, {}
    for op, row in rows.items():
        if op in NO_GRADIENT_MARKERS:
            order[op] = INF
        elif not row["fgradient"]:
            order[op] = 0
        else:
            for i, v in enumerate(variants(row)):
                vorder[(op, i)] = 1 if v["error"] else INF
            order[op] = min(vorder[(op, i)] for i in range(len(variants(row))))
    changed = True
    while changed:
        changed = False
        for (op, i), current in vorder.items():
            if current <= 1:
                continue
            v = variants(rows[op])[i]
            calls = v.get("calls") or [[child, None] for child in v["children"]]
            if not calls:
                continue
            best = 1 + min(_child_order(c, a, rows, vorder, order) for c, a in calls)
            if best < current:
                vorder[(op, i)] = best
                order[op] = min(order[op], best)
                changed = True
    return order, vorder


def closure_orders(rows):
    """{op: order} by shortest distance to an operator without FGradient, the
    minimum over the op's probed attribute sets (an op closes only if each does)."""
    return _orders(rows)[0]


def _fmt_attrs(attrs):
    return ", ".join("%s=%s" % kv for kv in sorted(attrs.items())) or "default attributes"


def _fmt(order):
    return "inf" if order == INF else str(order)


def _variant_report(row, vorder):
    """Each probed attribute set of an op with its order (None for an op not probed)."""
    if not row or not row["fgradient"] or row["op"] in NO_GRADIENT_MARKERS:
        return None
    return [
        {"attrs": v["attrs"], "order": _fmt(vorder.get((row["op"], i), 0)), "error": v["error"]}
        for i, v in enumerate(variants(row))
    ]


def _limited_by(row, vorder):
    """The attributes of the first probed set that limits an op's order, where its
    sets differ (None where all reach the same order)."""
    report = _variant_report(row, vorder)
    if not report or len({v["order"] for v in report}) < 2:
        return None
    lowest = min(report, key=lambda v: _order_number(v["order"]))
    return lowest["attrs"]


def _order_number(text):
    return INF if text == "inf" else int(text)


def collect():
    """Everything the report needs, as a JSON-ready dict."""
    import mxnet

    stock, patched = run_probe("stock"), run_probe("patched")
    aliases = {op: row["alias_of"] for op, row in patched.items() if "alias_of" in row}
    stock = {op: row for op, row in stock.items() if "alias_of" not in row}
    patched = {op: row for op, row in patched.items() if "alias_of" not in row}
    stock_order = closure_orders(stock)
    patched_order, patched_vorder = _orders(patched)
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
    names_of = {}
    for alias, canonical in sorted(aliases.items()):
        names_of.setdefault(canonical, [canonical]).append(alias)

    def exclusion(op, canonical):
        # its own, else that of the op it names (an alias), else one of its aliases'
        for name in [op] + names_of.get(canonical, [canonical]):
            if name in excluded:
                return excluded[name]
        return None

    ops = []
    for op in sorted(set(stock) | set(patched) | set(aliases)):
        # An alias is reported as its op: the op's gradient, orders and variants.
        canonical = aliases.get(op, op)
        s, p = stock.get(canonical), patched.get(canonical)
        ops.append(
            {
                "name": op,
                "alias_of": aliases.get(op),
                "family": family_of.get(op, family_of.get(canonical, _guess_family(canonical))),
                "stock_fgradient": bool(s and s["fgradient"]),
                "fgradient": bool(p and p["fgradient"]),
                "patched_by_mxnet_ho": bool(p and p.get("rule")),
                "stock_order": _fmt(stock_order.get(canonical, 0)),
                "order": _fmt(patched_order.get(canonical, 0)),
                "gradient_ops": p["children"] if p else [],
                "variants": _variant_report(p, patched_vorder),
                "limited_by": _limited_by(p, patched_vorder),
                "probe_error": (p or {}).get("error"),
                "probed_as": (p or {}).get("probed_as"),
                "excluded": exclusion(op, canonical),
                "math": math_of.get(op, math_of.get(canonical)),
            }
        )
    return {
        "mxnet_version": mxnet.__version__,
        "patches": [p["file"] for p in series],
        "ops": ops,
    }


def _limit_note(op):
    """ "; limited by <attributes>" where one probed attribute set limits op."""
    if op.get("limited_by") is None:
        return ""
    return "; limited by %s" % _fmt_attrs(op["limited_by"])


def _matches(attrs, pattern):
    """Whether probed attributes `attrs` have every key = value of `pattern`."""
    return all(attrs.get(key) == str(value) for key, value in pattern.items())


def claimed_order(op, excluded_attrs=()):
    """An op's order over the probed attribute sets the series claims: every set
    but those matching an exclusion's `attrs` patterns (a "partial" exclusion)."""
    claimed = [
        v
        for v in op.get("variants") or []
        if not any(_matches(v["attrs"], pattern) for pattern in excluded_attrs)
    ]
    if not claimed:
        return op["order"], op.get("limited_by")
    lowest = min(claimed, key=lambda v: _order_number(v["order"]))
    orders = {v["order"] for v in claimed}
    return lowest["order"], (lowest["attrs"] if len(orders) > 1 else None)


# Words that make an exclusion's reason a to-do rather than a reason (matched
# without regard to case): what stays finite needs a mathematical or structural
# reason.
TODO_MARKERS = ("not done", "outside this series", "this series' families", "TODO")


def todo_marker(reason):
    """The to-do marker `reason` contains, or None."""
    for marker in TODO_MARKERS:
        if marker.lower() in (reason or "").lower():
            return marker
    return None


def series_problems(data, series=None):
    """Where the patches/ series (default: load_patches()) and the live registry
    disagree: a forward op claimed but not closing at any order under some probed
    attribute set (those a partial exclusion names by `attrs` aside), a gradient
    entry without a rule, a rule without an entry, an excluded variant no probe
    tries, an exclusion whose reason is a to-do (TODO_MARKERS)."""
    from . import _native

    series = load_patches() if series is None else series
    by_name = {op["name"]: op for op in data["ops"]}
    problems = []
    listed = set()
    excluded_attrs = {}
    for patch in series:
        for entry in patch.get("exclusion", []):
            marker = todo_marker(entry.get("reason"))
            if marker:
                problems.append(
                    "%s: the exclusion of %s gives a to-do (%r), not a reason"
                    % (patch["file"], entry["op"], marker)
                )
            for pattern in entry.get("attrs", []):
                excluded_attrs.setdefault(entry["op"], []).append(pattern)
                op = by_name.get(entry["op"])
                probed = (op or {}).get("variants") or []
                if not any(_matches(v["attrs"], pattern) for v in probed):
                    problems.append(
                        "%s: the exclusion of %s names attributes %s, which no probe tries"
                        % (patch["file"], entry["op"], _fmt_attrs(pattern))
                    )
    for patch in series:
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
            else:
                order, limited_by = claimed_order(op, excluded_attrs.get(name, ()))
                if order != "inf":
                    problems.append(
                        "%s: forward op %s reaches order %s, not inf (via %s%s)"
                        % (
                            patch["file"],
                            name,
                            order,
                            ", ".join(op["gradient_ops"]),
                            _limit_note({"limited_by": limited_by}),
                        )
                    )
    for rule_op in _native.rule_ops():
        if rule_op in by_name and rule_op not in listed:
            problems.append("%s has an mxnet-ho rule but no entry in patches/" % rule_op)
    return problems


def distinct_ops(data, family=None):
    """The report's operators but aliases (each alias is its op, reported once)."""
    return [
        op
        for op in data["ops"]
        if not op.get("alias_of") and (not family or op["family"] == family)
    ]


def summary_rows(data, family=None):
    families = {}
    for op in distinct_ops(data, family):
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
    names = [op for op in data["ops"] if not family or op["family"] == family]
    lines.append("")
    lines.append(
        "Distinct operators: %d registry names, %d of them aliases (nnvm add_alias) "
        "counted once, with their op." % (len(names), sum(1 for op in names if op.get("alias_of")))
    )
    return "\n".join(lines)


def finite_forward_ops(data, family=None):
    """The distinct forward operators with a gradient that stay at a finite order:
    [(op, its exclusion reason or None)]."""
    return [
        (op, op.get("excluded"))
        for op in distinct_ops(data, family)
        if op["fgradient"] and op["order"] != "inf" and not op["name"].startswith("_backward_")
    ]


def format_finite(data, family=None):
    finite = finite_forward_ops(data, family)
    return (
        "Distinct forward operators with a gradient at a finite order: %d, "
        "%d of them with an exclusion reason in patches/."
        % (len(finite), sum(1 for _, reason in finite if reason))
    )


def format_ops(data, family=None):
    lines = [
        "%-40s %-18s %-6s %-6s %-6s %-6s %s"
        % ("op", "family", "stock", "now", "order", "(was)", "note")
    ]
    for op in data["ops"]:
        if family and op["family"] != family:
            continue
        note = ""
        if op.get("alias_of"):
            note = "alias of %s" % op["alias_of"]
            if op["excluded"]:
                note += "; excluded: " + op["excluded"]
        elif op["excluded"]:
            note = "excluded: " + op["excluded"]
        elif op["probe_error"]:
            note = "not probed: " + op["probe_error"]
        if op.get("probed_as") and not op.get("alias_of"):
            note = (note + "; " if note else "") + "probed on " + op["probed_as"]
        if op.get("limited_by") is not None:
            note = (note + "; " if note else "") + _limit_note(op)[2:]
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
    if args.family and args.family not in family_names():  # before the probe's 20 s
        parser.error("no family %r; families are: %s" % (args.family, ", ".join(family_names())))
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
        print(format_finite(data, args.family))
        for problem in problems:
            print("PROBLEM: " + problem)
    return 1 if problems else 0
