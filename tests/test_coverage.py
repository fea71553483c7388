"""The coverage tool: stock vs patched closure orders, held against patches/."""
import json
import os
import subprocess
import sys

import pytest

from mxnet_ho import coverage

ISSUE_2_FAMILIES = ("elemwise_binary", "elemwise_binary_scalar", "reduce_sum")


def run_tool(*args):
    return subprocess.run([sys.executable, "-m", "mxnet_ho", "coverage"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=dict(os.environ))


@pytest.fixture(scope="module")
def data():
    result = run_tool("--json", "--check")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_json_schema(data):
    assert data["mxnet_version"] == "1.9.1"
    assert len(data["ops"]) > 1000
    for op in data["ops"]:
        assert {"name", "family", "stock_fgradient", "fgradient", "order"} <= set(op)
        assert op["order"] == "inf" or isinstance(int(op["order"]), int)


def test_series_matches_registry(data):
    assert data["problems"] == []


def test_arithmetic_families_close_at_any_order(data):
    by_name = {op["name"]: op for op in data["ops"]}
    for patch in coverage.load_patches():
        if patch["family"] not in ISSUE_2_FAMILIES:
            continue
        for name in patch["forward"]:
            assert by_name[name]["order"] == "inf", name
        for entry in patch["gradient"]:
            assert by_name[entry["op"]]["fgradient"], entry["op"]
    # Stock numbers stand beside: in stock MXNet these stop after one order.
    for name in ("elemwise_mul", "broadcast_mul", "_power_scalar", "sum", "mean"):
        assert by_name[name]["stock_order"] == "1", name
    assert not by_name["_backward_sum"]["stock_fgradient"]


def test_closure_order_is_distance_to_a_non_differentiable_op():
    rows = {
        "a": {"fgradient": True, "error": None, "children": ["b"]},
        "b": {"fgradient": True, "error": None, "children": ["c"]},
        "c": {"fgradient": False, "error": None, "children": []},
        "loop": {"fgradient": True, "error": None, "children": ["loop"]},
        "broken": {"fgradient": True, "error": "no", "children": []},
        "d": {"fgradient": True, "error": None, "children": ["loop", "broken"]},
    }
    orders = coverage.closure_orders(rows)
    assert orders == {"a": 2, "b": 1, "c": 0, "loop": coverage.INF, "broken": 1, "d": 2}


def test_text_report_and_family_filter():
    result = run_tool("--family", "elemwise_binary")
    assert result.returncode == 0, result.stderr
    assert "_backward_broadcast_mul" in result.stdout
    assert "| elemwise_binary |" in result.stdout
    assert "| numpy |" not in result.stdout


def test_unknown_family_is_a_clear_error():
    result = run_tool("--family", "no_such_family")
    assert result.returncode == 2
    assert "no family 'no_such_family'; families are:" in result.stderr


def test_main_job_demonstrates_fourth_order_and_penalty():
    result = subprocess.run([sys.executable, "-m", "mxnet_ho"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    assert result.returncode == 0, result.stderr
    assert "patch active: yes" in result.stdout
    assert "108, 108, 72, 24" in result.stdout
    assert "penalty" in result.stdout
