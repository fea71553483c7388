"""Shared bits of the examples: output folder, progress bar, plotting backend."""

import argparse
import os

import matplotlib

matplotlib.use("Agg")

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(description, **defaults):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--out",
        default=os.path.join(HERE, "output"),
        help="folder for the plot (default: examples/output)",
    )
    for name, value in defaults.items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return args


def progress(iterable, **kwargs):
    from tqdm import tqdm

    return tqdm(iterable, mininterval=1.0, **kwargs)


def save_figure(fig, out, name):
    """Saves fig as out/name and says where."""
    fig.tight_layout()
    path = os.path.join(out, name)
    fig.savefig(path, dpi=100)
    print("plot saved to %s" % path)
