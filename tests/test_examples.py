"""Each example runs end to end (shortened) and writes its plot; the plot labels
what it shows; every option of every example is explained by --help."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(HERE), "examples")
PROBE = os.path.join(HERE, "example_probe.py")

# script, shortened run, the figure it saves, a line of its output, the least it shows:
# axes with curves, axes with images
SHORT_RUNS = [
    ("pinn_poisson.py", ["--steps", "20"], "pinn_poisson.png", "error against sin(pi x)", 3, 0),
    ("hessian_free.py", ["--newton-steps", "2"], "hessian_free.png", "Newton-CG: 2 steps", 2, 0),
    ("maml_sinusoid.py", ["--iterations", "3"], "maml_sinusoid.png", "after 10 steps: MAML", 2, 0),
    (
        "wgan_gp_digits.py",
        ["--steps", "3", "--critic-steps", "2"],
        "wgan_gp_digits.png",
        "critic gradient norm on interpolates",
        2,
        2,
    ),
]
SCRIPTS = sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".py") and not f.startswith("_"))


def probe(tmp_path, mode, script, *args):
    """Runs the script under tests/example_probe.py; returns (its stdout, the report)."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, PROBE, mode, str(report), os.path.join(EXAMPLES, script)] + list(args),
        cwd=EXAMPLES,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, json.loads(report.read_text())


def check_readable(figure, curves, images):
    """Every panel with curves names its axes, has a title and a legend; every
    panel with an image has a title; no two panels' text overlap."""
    axes = figure["axes"]
    plotted = [a for a in axes if a["lines"]]
    pictures = [a for a in axes if a["images"]]
    assert len(plotted) >= curves and len(pictures) >= images, axes
    for a in plotted:
        assert a["xlabel"] and a["ylabel"] and a["title"], a
        assert a["legend"] and all(a["legend"]), a
    for a in pictures:
        assert a["title"], a
    assert figure["overlaps"] == [], "overlapping panels or suptitle: %s" % figure["overlaps"]


@pytest.mark.parametrize(
    "script,args,png,expected,curves,images", SHORT_RUNS, ids=[r[0] for r in SHORT_RUNS]
)
def test_example_runs_and_saves_a_readable_plot(
    tmp_path, script, args, png, expected, curves, images
):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    out = tmp_path / "out"
    stdout, figures = probe(tmp_path, "figures", script, "--out", str(out), *args)
    assert expected in stdout
    assert (out / png).stat().st_size > 1000
    assert [f["file"] for f in figures] == [png]
    check_readable(figures[0], curves, images)
    SHOWS.get(script, lambda axes: None)(figures[0]["axes"])


def pinn_shows_its_error(axes):
    assert any(a["xlabel"] == "x" and a["yscale"] == "log" for a in axes), axes
    assert any("relative L2" in a["title"] for a in axes), axes


def wgan_shows_real_digits_and_the_target(axes):
    titles = [a["title"] for a in axes if a["images"]]
    assert any("real" in t for t in titles) and any("generated" in t for t in titles), titles
    assert any(any("target" in e for e in a["legend"] or []) for a in axes), axes


def newton_says_what_its_x_is(axes):
    assert any("gradient evaluations" in a["xlabel"] for a in axes), axes
    assert any("time (s)" in a["xlabel"] for a in axes), axes


SHOWS = {
    "pinn_poisson.py": pinn_shows_its_error,
    "wgan_gp_digits.py": wgan_shows_real_digits_and_the_target,
    "hessian_free.py": newton_says_what_its_x_is,
}


def test_distributed_plot_has_one_line_per_worker(tmp_path):
    """The distributed example's plot, from curves as its workers write them
    (the run itself: tests/test_distributed.py)."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    out.mkdir()
    rng = np.random.RandomState(0)
    for rank in range(3):
        np.savez(
            str(out / ("wgan_gp_distributed_worker%d.npz" % rank)),
            critic_loss=rng.normal(size=7),
            grad_norm=rng.uniform(size=7),
            wasserstein=rng.normal(size=7),
            critic_steps=2,
        )
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import argparse, sys\n"
        "sys.path.insert(0, %r)\n"
        "from wgan_gp_distributed import plot\n"
        "plot(argparse.Namespace(out=%r, workers=3, servers=1, critic_steps=2,"
        " penalty=10.0, batch=16))\n" % (EXAMPLES, str(out))
    )
    _, figures = probe(tmp_path, "figures", str(driver))
    assert [f["file"] for f in figures] == ["wgan_gp_distributed.png"]
    assert (out / "wgan_gp_distributed.png").stat().st_size > 1000
    check_readable(figures[0], 2, 0)
    for a in figures[0]["axes"]:
        assert {"worker 0", "worker 1", "worker 2"} <= set(a["legend"]), a


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_explains_every_option(tmp_path, script):
    """--help works (and starts nothing), its description is whole sentences
    naming the figure written, and every option has its help."""
    pytest.importorskip("matplotlib")
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, script), "--help"],
        cwd=EXAMPLES,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--out" in result.stdout
    _, (parser,) = probe(tmp_path, "options", script)
    description = parser["description"]
    assert description[0].isupper() and description.endswith("."), description
    assert script.replace(".py", ".png") in description, description
    assert "--out" in description, description
    assert len(parser["options"]) > 2, parser
    for option, text in parser["options"].items():
        assert text and text.strip(), "%s %s has no help" % (script, option)
        assert option in result.stdout
