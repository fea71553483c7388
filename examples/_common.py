"""Shared bits of the examples: options, progress bar, plotting backend."""

import argparse
import os

import matplotlib
import numpy as np

matplotlib.use("Agg")

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(description, **options):
    """Parses --out and one option per keyword, given as name=(default, help);
    each option's type is its default's. --help prints the description and
    every option with its help and default."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--out",
        default=os.path.join(HERE, "output"),
        help="folder the plot is written to (created if missing)",
    )
    for name, (value, text) in options.items():
        parser.add_argument(
            "--" + name.replace("_", "-"), type=type(value), default=value, help=text
        )
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return args


def progress(iterable, **kwargs):
    from tqdm import tqdm

    return tqdm(iterable, mininterval=1.0, **kwargs)


def digit_grid(images, columns):
    """8x8 images in [-1, 1] (ink at 1) tiled into one array in [0, 1], one
    blank pixel between them, for imshow(..., cmap="gray_r", vmin=0, vmax=1)."""
    rows = -(-len(images) // columns)
    grid = np.zeros((rows * 9 - 1, columns * 9 - 1))
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        grid[r * 9 : r * 9 + 8, c * 9 : c * 9 + 8] = (np.clip(image, -1, 1) + 1) / 2
    return grid


def save_figure(fig, out, name):
    """Saves fig as out/name and says where."""
    fig.tight_layout()
    path = os.path.join(out, name)
    fig.savefig(path, dpi=100)
    print("plot saved to %s" % path)
