"""Rewrites the coverage figures from the coverage tool's current output: the
README's summary (totals and the forward operators left at a finite order) and
docs/COVERAGE.md (the table per family, and each finite operator's reason).

python tools/update_readme.py      (with mxnet-ho installed or MXNET_HO_LIBRARY set)
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN, END = "<!-- coverage:begin -->", "<!-- coverage:end -->"


def main():
    out = subprocess.run(
        [sys.executable, "-m", "mxnet_ho", "coverage", "--json", "--check"],
        stdout=subprocess.PIPE,
        check=False,
    ).stdout
    data = json.loads(out)
    sys.path.insert(0, os.path.join(ROOT, "python"))
    from mxnet_ho.coverage import finite_forward_ops, format_finite, format_summary

    full = format_summary(data) + "\n" + format_finite(data)
    if data.get("problems"):
        full += "\n\nSeries problems:\n" + "\n".join("- " + p for p in data["problems"])
    lines = format_summary(data).splitlines()
    finite = finite_forward_ops(data)
    short = "\n".join(lines[:2] + [line for line in lines if line.startswith("| **all**")])
    short += "\n\n" + format_finite(data)
    short += " They are: %s (each reason in docs/COVERAGE.md)." % ", ".join(
        "`%s`" % op["name"] for op, _ in finite
    )
    reasons = "\n".join(
        "- `%s` (%s, order %s): %s" % (op["name"], op["family"], op["order"], reason or "no reason")
        for op, reason in finite
    )
    _rewrite(os.path.join(ROOT, "README.md"), short)
    _rewrite(
        os.path.join(ROOT, "docs", "COVERAGE.md"),
        full + "\n\nThe forward operators at a finite order, with their reasons:\n\n" + reasons,
    )
    print(full)


def _rewrite(path, table):
    with open(path) as f:
        text = f.read()
    block = "%s\n%s\n%s" % (BEGIN, table, END)
    text, count = re.subn(
        re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: block, text, flags=re.S
    )
    if count != 1:
        sys.exit("%s has no %s ... %s block" % (path, BEGIN, END))
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
