"""The benchmark workloads and the operator-count audit run (benchmarks/): one small
workload end to end, so that the tools the performance work is judged by keep working.
No timing is asserted."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

torch = pytest.importorskip("torch", reason="the audit compares with PyTorch (pip install torch)")


def test_op_count_sin(tmp_path):
    out = tmp_path / "counts.json"
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "op_count.py"),
         "--only", "5-th derivative of sin", "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = json.loads(out.read_text())
    for side in ("mxnet_ho", "pytorch"):
        passes = result[side]["passes"]
        # every order of the nested gradients is its own pass, and each ran operators
        assert ["order %d" % k for k in range(1, 6)] == [p for p in passes if p.startswith("order")]
        assert all(passes["order %d" % k]["total"] > 0 for k in range(1, 6))
    # sin's k-th derivative is +-sin or +-cos: both sides run a handful of operators per
    # order (mxnet-ho's zero folding keeps it linear; see test_graph_growth.py)
    assert result["mxnet_ho"]["total"]["total"] < 10 * 5
    assert "5-th derivative of sin" in proc.stdout


def test_benchmarks_help():
    for script in ("run.py", "op_count.py"):
        proc = subprocess.run(
            [sys.executable, os.path.join(ROOT, "benchmarks", script), "--help"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
        )  # fmt: skip
        assert proc.returncode == 0 and "usage" in proc.stdout, proc.stderr
