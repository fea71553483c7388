"""Each example runs end to end (shortened) and writes its plot."""

import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")

SHORT_RUNS = [
    ("pinn_poisson.py", ["--steps", "20"], "pinn_poisson.png", "error against sin(pi x)"),
    ("hessian_free.py", ["--newton-steps", "2"], "hessian_free.png", "Newton-CG: 2 steps"),
    ("maml_sinusoid.py", ["--iterations", "3"], "maml_sinusoid.png", "after 10 steps: MAML"),
    (
        "wgan_gp_digits.py",
        ["--steps", "3", "--critic-steps", "2"],
        "wgan_gp_digits.png",
        "critic gradient norm on interpolates",
    ),
]


@pytest.mark.parametrize("script,args,png,expected", SHORT_RUNS, ids=[r[0] for r in SHORT_RUNS])
def test_example_runs_and_saves_its_plot(tmp_path, script, args, png, expected):
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, script), "--out", str(tmp_path)] + args,
        cwd=EXAMPLES,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert expected in result.stdout
    assert (tmp_path / png).stat().st_size > 1000
