"""The coverage tool: stock vs patched closure orders, held against patches/."""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from mxnet_ho import coverage

ISSUE_2_FAMILIES = ("elemwise_binary", "elemwise_binary_scalar", "reduce_sum")


def run_tool(*args):
    return subprocess.run(
        [sys.executable, "-m", "mxnet_ho", "coverage"] + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        env=dict(os.environ),
    )


def run_python(script, **env):
    """`script` run by this Python in a child process (a crash fails the case)."""
    return subprocess.run(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        env=dict(os.environ, **env),
    )


@pytest.fixture(scope="module")
def data():
    result = run_tool("--json", "--check")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _order_value(text):
    """A reported order as a number: "inf" or a whole number written in decimal."""
    if text == "inf":
        return coverage.INF
    assert re.fullmatch(r"0|[1-9][0-9]*", text), "order %r is not a whole number" % text
    return int(text)


def test_json_schema(data):
    assert data["mxnet_version"] == "1.9.1"
    assert len(data["ops"]) > 1000
    for op in data["ops"]:
        assert {"name", "family", "stock_fgradient", "fgradient", "order"} <= set(op)
        order, stock_order = _order_value(op["order"]), _order_value(op["stock_order"])
        # An op without FGradient is differentiable zero times (except the markers of
        # constant gradients, which end a chain without stopping it); one with it at
        # least once.
        if op["name"] not in coverage.NO_GRADIENT_MARKERS:
            assert (order == 0) == (not op["fgradient"]), op
            assert (stock_order == 0) == (not op["stock_fgradient"]), op
        # The patch only adds gradients: nothing becomes less differentiable.
        assert order >= stock_order, op


def test_reported_orders_hold_in_stock_and_patched_mxnet(data):
    """What the report says, tried for real: a forward op reported "inf" is
    differentiated four times with mxnet-ho (against its closed form), and one
    reported order 1 in stock MXNet fails at the second order there (a
    subprocess with MXNET_HO_DISABLE=1)."""
    by_name = {op["name"]: op for op in data["ops"]}
    assert by_name["elemwise_mul"]["order"] == "inf"
    assert by_name["elemwise_mul"]["stock_order"] == "1"
    script = textwrap.dedent("""
        import sys
        import mxnet as mx
        x = mx.nd.array([0.5, -1.5], dtype="float64")
        x.attach_grad()
        with mx.autograd.record():
            y = mx.nd.elemwise_mul(mx.nd.elemwise_mul(x, x), mx.nd.elemwise_mul(x, x))
            g = y
            for _ in range(4):
                (g,) = mx.autograd.grad(g.sum(), [x], create_graph=True, retain_graph=True)
        print(g.asnumpy().tolist())
        """)
    patched = run_python(script)
    assert patched.returncode == 0, patched.stderr
    assert patched.stdout.strip() == "[24.0, 24.0]"  # d^4/dx^4 x^4
    stock = run_python(script, MXNET_HO_DISABLE="1")
    assert stock.returncode != 0
    assert "FGradient" in stock.stderr or "_backward_mul" in stock.stderr, stock.stderr


def test_series_matches_registry(data):
    assert data["problems"] == []


def test_arithmetic_families_close_at_any_order(data):
    if coverage.tomllib is None:
        pytest.skip("reading patches/*.toml needs tomllib (Python 3.11)")
    by_name = {op["name"]: op for op in data["ops"]}
    series = {patch["family"]: patch for patch in coverage.load_patches()}
    assert set(ISSUE_2_FAMILIES) <= set(series), sorted(series)
    for family in ISSUE_2_FAMILIES:
        patch = series[family]
        assert patch["forward"] and patch["gradient"], family
        for name in patch["forward"]:
            assert by_name[name]["order"] == "inf", name
        for entry in patch["gradient"]:
            assert by_name[entry["op"]]["fgradient"], entry["op"]
    # Stock numbers stand beside: in stock MXNet these stop after one order.
    for name in ("elemwise_mul", "broadcast_mul", "_power_scalar", "sum", "mean"):
        assert by_name[name]["stock_order"] == "1", name
    assert not by_name["_backward_sum"]["stock_fgradient"]


def test_recurrent_layers_and_control_flow_close_at_any_order(data):
    """The fused RNN (its rule keeps the stock kernel for a first order, so the
    probe must build the gradient as a higher-order pass does) and the three
    control-flow ops (probed on a symbol with subgraphs): order inf now, 1 in
    stock (whose backward ops have no FGradient)."""
    by_name = {op["name"]: op for op in data["ops"]}
    for name in ("RNN", "_npx_rnn", "_foreach", "_cond", "_while_loop"):
        assert by_name[name]["order"] == "inf", (name, by_name[name])
        assert by_name[name]["stock_order"] == "1", name


def test_a_rule_refusing_under_create_graph_is_reported_not_crashed():
    """A probe whose rule throws as a higher-order pass would (here: RNN without
    its sequence length, foreach without its data's length) comes back as an
    error naming the op, in the same process; the tool counts such an op
    differentiable once (test_closure_order_is_distance_to_a_non_differentiable_op)."""
    script = textwrap.dedent("""
        import json
        import mxnet_ho  # noqa: F401
        from mxnet_ho import _native, _probe
        attrs = {"state_size": "2", "num_layers": "1", "mode": "lstm"}
        foreach, shapes = _probe._control_flow_symbols()["_foreach"]
        print(json.dumps([
            _native.probe("RNN", attrs),
            _native.probe("RNN", attrs, {"input0": (3, 2, 4)}),
            _native.probe_symbol(foreach),
            _native.probe_symbol(foreach, shapes),
        ]))
        """)
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    rnn, rnn_shaped, foreach, foreach_shaped = json.loads(result.stdout.strip().splitlines()[-1])
    assert "RNN" in rnn["error"] and "sequence length" in rnn["error"], rnn
    assert "_foreach" in foreach["error"] and "length" in foreach["error"], foreach
    # Given the shapes, the same probes build the unrolled graphs.
    assert "tanh" in {node["op"] for node in rnn_shaped["nodes"]}, rnn_shaped
    assert "tanh" in {node["op"] for node in foreach_shaped["nodes"]}, foreach_shaped


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
    result = subprocess.run(
        [sys.executable, "-m", "mxnet_ho"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    assert result.returncode == 0, result.stderr
    assert "patch active: yes" in result.stdout
    assert "108, 108, 72, 24" in result.stdout
    assert "penalty" in result.stdout


def run_main(*args):
    return subprocess.run(
        [sys.executable, "-m", "mxnet_ho"] + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )


def test_version_and_help():
    import mxnet_ho

    version = run_main("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("mxnet-ho %s (for mxnet 1.9.1" % mxnet_ho.__version__)
    helped = run_main("--help")
    assert helped.returncode == 0 and "usage: python -m mxnet_ho" in helped.stdout
    assert "coverage" in helped.stdout and "--version" in helped.stdout
    wrong = run_main("bogus")
    assert wrong.returncode == 2 and "invalid choice: 'bogus'" in wrong.stderr


def test_closed_pipe_gives_no_traceback():
    """`python -m mxnet_ho coverage --json | head` must not print a BrokenPipeError."""
    tool = subprocess.Popen(
        [sys.executable, "-m", "mxnet_ho", "coverage", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    tool.stdout.readline()
    tool.stdout.close()  # the reader goes away, as head does
    _, err = tool.communicate(timeout=600)
    assert b"BrokenPipeError" not in err and b"Traceback" not in err, err.decode()[-2000:]
