"""Runs an example script in this process and writes a JSON report of what it
offers or draws, for tests/test_examples.py:

    python example_probe.py options REPORT SCRIPT   its argparse description and
                                                    each option's help (it exits there)
    python example_probe.py figures REPORT SCRIPT ARGS...   for each figure it saves:
        the file name, the suptitle, per axes its title, labels, scales, legend
        entries, lines and images, and which pairs of axes (with their text)
        overlap on the canvas
"""

import argparse
import json
import os
import runpy
import sys

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402


def describe(ax):
    legend = ax.get_legend()
    return {
        "title": ax.get_title(),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "xscale": ax.get_xscale(),
        "yscale": ax.get_yscale(),
        "legend": [t.get_text() for t in legend.get_texts()] if legend else None,
        "lines": len(ax.get_lines()),
        "images": len(ax.images),
        "axis_on": bool(ax.axison),
    }


def overlaps(fig):
    """Pairs of axes whose extents, ticks, labels and titles included, overlap
    by more than 2 pixels; and the axes the suptitle runs into."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer).padded(-2) for ax in fig.axes]
    found = [
        [i, j]
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
    if fig._suptitle is not None and fig._suptitle.get_text():
        title = fig._suptitle.get_window_extent(renderer).padded(-2)
        found += [["suptitle", i] for i, box in enumerate(boxes) if title.overlaps(box)]
    return found


def main():
    mode, report, script = sys.argv[1:4]
    results = []

    def write():
        with open(report, "w") as f:
            json.dump(results, f, indent=1)

    if mode == "options":
        parse = argparse.ArgumentParser.parse_args

        def record(parser, *args, **kwargs):
            results.append(
                {
                    "description": parser.description,
                    "options": {
                        a.option_strings[-1]: a.help for a in parser._actions if a.option_strings
                    },
                }
            )
            write()
            sys.exit(0)

        argparse.ArgumentParser.parse_args = record
        del parse
    else:
        savefig = Figure.savefig

        def record(fig, fname, *args, **kwargs):
            results.append(
                {
                    "file": os.path.basename(str(fname)),
                    "suptitle": fig._suptitle.get_text() if fig._suptitle else "",
                    "axes": [describe(ax) for ax in fig.axes],
                    "overlaps": overlaps(fig),
                }
            )
            write()
            return savefig(fig, fname, *args, **kwargs)

        Figure.savefig = record
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    sys.argv = [script] + sys.argv[4:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
