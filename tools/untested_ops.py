"""Which any-order operators no finite-difference case of the suite exercises.

    MXNET_HO_LIBRARY=... PYTHONPATH=python python tools/untested_ops.py [--json] [--coverage FILE]

Every test module under tests/ that lists harness cases (``CASES``,
``FIRST_ORDER_CASES`` and any other top-level list of them) is imported; each
case whose orders include 2 and 3 is
built as a symbol (its function applied to variables, mx.sym or F.np as the
case's interface) and the operators of that graph are recorded (aliases folded:
topk and _npx_topk are one operator). Those are the forward operators whose
higher derivatives check_orders holds against finite differences at orders 2
and 3 (the backward operators on the way are exercised through them).

The report lists the operators the series claims (``forward`` in patches/*.toml)
and the coverage tool finds closing at any order, but that no such case
exercises; ``--coverage`` reads a ``coverage --json`` output instead of running
the probe.
"""

import argparse
import ctypes
import glob
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.path.dirname(HERE), "tests")


def _op_identity(name):
    """The registry's handle of op `name`: equal for an op and its aliases."""
    from mxnet.base import _LIB, OpHandle, c_str, check_call

    handle = OpHandle()
    check_call(_LIB.NNGetOpHandle(c_str(name), ctypes.byref(handle)))
    return handle.value


def _case_modules(tests_dir):
    """(path, module) of each test module that lists harness cases."""
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    for path in sorted(glob.glob(os.path.join(tests_dir, "**", "test_*.py"), recursive=True)):
        with open(path) as f:
            text = f.read()
        if "CASES" not in text or "harness" not in text:
            continue
        name = "cases_" + os.path.relpath(path, tests_dir).replace(os.sep, "_")[:-3]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield path, module


def _symbol_ops(symbol):
    return {node["op"] for node in json.loads(symbol.tojson())["nodes"] if node["op"] != "null"}


def _graph_ops(case):
    """The operators of `case`'s function built as a symbol, or, where it builds
    only imperatively (a cast of BatchNorm's moving statistics, x[mask]), as
    autograd records it."""
    import mxnet as mx

    inputs = [mx.sym.var("x%d" % i) for i in range(len(case.shapes))]
    if case.numpy:
        inputs = [v.as_np_ndarray() for v in inputs]
    try:
        out = case.fn(case.module(mx.sym), *inputs)
        return _symbol_ops(out.as_nd_ndarray() if case.numpy else out)
    except Exception:  # noqa: BLE001  (x[mask] of a symbol is refused by the front end)
        pass
    arrays = [case.array(a) for a in case.draw()]
    for a in arrays:
        a.attach_grad()
    with mx.autograd.record():
        out = case.fn(case.module(), *arrays)
    return _symbol_ops(mx.autograd.get_symbol(out))


def _listed_cases(module):
    """Every harness case a module lists at its top level (CASES, FIRST_ORDER_CASES,
    and lists of its own such as the cases it checks apart from stock)."""
    from harness import Case

    cases = []
    for value in vars(module).values():
        if isinstance(value, (list, tuple)) and value and all(isinstance(c, Case) for c in value):
            cases.extend(c for c in value if c not in cases)
    return cases


def exercised_ops(tests_dir=TESTS, orders=(2, 3)):
    """({operator: [module:case, ...]} of the cases checked at `orders`, [problems:
    cases whose graph could not be built, with why])."""
    import mxnet as mx

    seen, problems = {}, []
    for path, module in _case_modules(tests_dir):
        cases = _listed_cases(module)
        where = os.path.relpath(path, tests_dir)
        for case in cases:
            if not set(orders) <= set(getattr(case, "orders", ())):
                continue
            if case.numpy:
                mx.npx.set_np()
            try:
                ops = _graph_ops(case)
            except Exception as error:  # a case only the imperative interface builds
                problems.append("%s:%s: %s" % (where, case.name, str(error).splitlines()[0][:200]))
                continue
            finally:
                if case.numpy:
                    mx.npx.reset_np()
            for op in ops:
                seen.setdefault(op, []).append("%s:%s" % (where, case.name))
    return seen, problems


def untested(coverage_data, seen):
    """The claimed any-order forward operators (patches/ ``forward`` lists) with
    no case in `seen`, by family."""
    from mxnet_ho import coverage

    tested = {_op_identity(op) for op in seen}
    by_name = {op["name"]: op for op in coverage_data["ops"]}
    result = {}
    for patch in coverage.load_patches():
        for name in patch.get("forward", []):
            op = by_name.get(name)
            if op is None or op["order"] != "inf":
                continue
            if _op_identity(name) not in tested:
                result.setdefault(patch["family"], []).append(name)
    return result


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--coverage", help="a `coverage --json` output to read")
    args = parser.parse_args(argv)
    import mxnet_ho  # noqa: F401  (loads the library the checks run with)
    from mxnet_ho import coverage

    if args.coverage:
        with open(args.coverage) as f:
            data = json.load(f)
    else:
        data = coverage.collect()
    seen, problems = exercised_ops()
    missing = untested(data, seen)
    if args.json:
        print(json.dumps({"untested": missing, "not_built": problems}, indent=1))
        return 0
    total = sum(len(ops) for ops in missing.values())
    print("claimed any-order forward ops without a finite-difference case at orders 2 and 3:")
    print("%d ops; %d ops exercised by the suite's cases" % (total, len(seen)))
    for family in sorted(missing):
        print("  %s: %s" % (family, ", ".join(missing[family])))
    for problem in problems:
        print("  (case not built as a symbol) " + problem)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
