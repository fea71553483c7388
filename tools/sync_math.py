"""Keeps each rule's math comment in step with its entry in patches/*.toml.

The series is the one source of a derivative's math: the `math` line of an op's
`[[gradient]]` entry in patches/<family>.toml. The comment block directly above
that op's `MXNET_HO_GRADIENT(op)` registration in src/ (the `//` lines touching
it, no blank line between) is a copy of it, wrapped at 100 columns.

    python tools/sync_math.py           rewrite every such comment from the series
    python tools/sync_math.py --check   list every op whose comment and math differ
                                        (whitespace aside); exit 1 if any

tests/test_sync_math.py runs the check. Notes that are not the math go inside
the rule or above the comment block, separated from it by a blank line.
"""

import argparse
import glob
import os
import re
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11: the same parser, published as tomli
    import tomli as tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDTH = 100
REGISTRATION = re.compile(r"^(\s*)MXNET_HO_GRADIENT\((\w+)\)")


def normalize(text):
    """`text` with every run of white space one space, none at the ends."""
    return " ".join(text.split())


def series_math(root=ROOT):
    """({op: math}, problems) from patches/*.toml; an op listed twice must agree."""
    math, where, problems = {}, {}, []
    for path in sorted(glob.glob(os.path.join(root, "patches", "*.toml"))):
        with open(path, "rb") as f:
            patch = tomllib.load(f)
        name = os.path.relpath(path, root)
        for entry in patch.get("gradient", []):
            op, text = entry["op"], entry.get("math", "")
            if not normalize(text):
                problems.append("%s: %s has no math" % (name, op))
            if op in math and normalize(math[op]) != normalize(text):
                problems.append("%s and %s give %s different math" % (where[op], name, op))
            math.setdefault(op, text)
            where.setdefault(op, name)
    return math, problems


def source_files(root=ROOT):
    found = []
    for ext in ("cc", "h"):
        found += glob.glob(os.path.join(root, "src", "**", "*." + ext), recursive=True)
    return sorted(found)


def registrations(lines):
    """[(op, indent, first comment line, registration line)] of a file's lines
    (0-based; first == registration where there is no comment)."""
    found = []
    for i, line in enumerate(lines):
        m = REGISTRATION.match(line)
        if not m or "#define" in line:
            continue
        first = i
        while first > 0 and lines[first - 1].lstrip().startswith("//"):
            first -= 1
        found.append((m.group(2), m.group(1), first, i))
    return found


def comment_text(lines):
    return normalize(" ".join(line.lstrip()[2:] for line in lines))


def clauses(text):
    """`text` cut after each "; " and before each "d/d" that follows ": ", outside
    brackets."""
    pieces, start, depth = [], 0, 0
    for i, c in enumerate(text):
        depth += (c in "([{") - (c in ")]}")
        if (
            depth == 0
            and c == " "
            and (text[i - 1] == ";" or (text[i - 1] == ":" and text.startswith("d/d", i + 1)))
        ):
            pieces.append(text[start:i])
            start = i + 1
    return pieces + [text[start:]]


def as_comment(math, indent):
    """`math` as `//` lines of at most WIDTH columns, broken after a ";" or
    before a "d/d" where a clause fits on a line, else between words."""
    width = WIDTH - len(indent) - len("// ")
    lines = []
    for clause in clauses(normalize(math)):
        if lines and len(lines[-1]) + 1 + len(clause) <= width:
            lines[-1] += " " + clause
        elif len(clause) <= width:
            lines.append(clause)
        else:  # word by word, from the end of the last line
            for word in clause.split(" "):
                if lines and len(lines[-1]) + 1 + len(word) <= width:
                    lines[-1] += " " + word
                else:
                    lines.append(word)
    return ["%s// %s" % (indent, line) for line in lines]


def check(root=ROOT):
    """Every disagreement between src/ and the series, as lines of text."""
    math, problems = series_math(root)
    for path in source_files(root):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        name = os.path.relpath(path, root)
        for op, _, first, reg in registrations(lines):
            if op not in math:
                problems.append(
                    "%s:%d: %s has no [[gradient]] entry in patches/" % (name, reg + 1, op)
                )
            elif comment_text(lines[first:reg]) != normalize(math[op]):
                problems.append(
                    "%s:%d: %s's comment differs from its math in patches/\n"
                    "  comment: %s\n  math:    %s"
                    % (name, reg + 1, op, comment_text(lines[first:reg]), normalize(math[op]))
                )
    return problems


def write(root=ROOT):
    """Rewrites each registration's comment block from the series; returns the
    files changed."""
    math, _ = series_math(root)
    changed = []
    for path in source_files(root):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        out, done = [], 0
        for op, indent, first, reg in registrations(lines):
            if op not in math:
                continue
            out += lines[done:first] + as_comment(math[op], indent)
            done = reg
        out += lines[done:]
        if out != lines:
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(out))
            changed.append(os.path.relpath(path, root))
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="only report disagreements; exit 1 if there are any"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    for path in write():
        print("rewrote", path)
    for problem in check():  # ops without an entry, entries without math
        print(problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
