"""Rewrites the README's coverage table from the coverage tool's current output.

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
    from mxnet_ho.coverage import format_finite, format_summary

    table = format_summary(data) + "\n" + format_finite(data)
    if data.get("problems"):
        table += "\n\nSeries problems:\n" + "\n".join("- " + p for p in data["problems"])
    path = os.path.join(ROOT, "README.md")
    with open(path) as f:
        text = f.read()
    block = "%s\n%s\n%s" % (BEGIN, table, END)
    text, count = re.subn(
        re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: block, text, flags=re.S
    )
    if count != 1:
        sys.exit("README.md has no %s ... %s block" % (BEGIN, END))
    with open(path, "w") as f:
        f.write(text)
    print(table)


if __name__ == "__main__":
    main()
