"""The coverage tool: stock vs patched closure orders, held against patches/."""

import importlib.util
import json
import os
import re
import shutil
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
    assert re.search(
        r"^Distinct forward operators with a gradient at a finite order: \d+, \d+ of them "
        r"with an exclusion reason in patches/\.$",
        result.stdout,
        re.M,
    ), result.stdout[-2000:]


# Aliases (nnvm add_alias) and the op each names, as MXNet 1.9.1 registers them.
KNOWN_ALIASES = {
    "_sparse_FullyConnected": "FullyConnected",
    "_npx_roi_pooling": "ROIPooling",
    "_npx__image_crop": "_image_crop",
    "_contrib_CTCLoss": "CTCLoss",
    "ctc_loss": "CTCLoss",
    "_npx_multibox_prior": "_contrib_MultiBoxPrior",
    "_sparse_slice": "slice",
    "stop_gradient": "BlockGrad",
    "_npi_rnn_param_concat": "_rnn_param_concat",
}


def test_known_aliases_resolve_in_the_registry():
    """The registry gives an alias its op's handle, and the op's own name: each
    known pair resolves, an op resolves to itself, and every alias names an op
    registered under its own name."""
    from mxnet_ho import _native

    for alias, op in KNOWN_ALIASES.items():
        assert _native.canonical_op_name(alias) == op, alias
        assert _native.canonical_op_name(op) == op, op
    names = set(_native.registered_op_names())
    aliases = _native.op_aliases()
    assert set(KNOWN_ALIASES.items()) <= set(aliases.items())
    assert set(aliases) <= names and set(aliases.values()) <= names
    assert not set(aliases) & set(aliases.values())


def test_an_alias_is_reported_as_its_op(data):
    """An alias is not probed on its own (by its name, without the attributes its
    op is probed with, it used to fail and read as order 1): it carries its op's
    name in `alias_of` and the op's orders, gradient and variants, and the totals
    count each op once."""
    by_name = {op["name"]: op for op in data["ops"]}
    for alias, name in KNOWN_ALIASES.items():
        row, op = by_name[alias], by_name[name]
        assert row["alias_of"] == name and op["alias_of"] is None, alias
        for key in ("order", "stock_order", "fgradient", "stock_fgradient", "variants"):
            assert row[key] == op[key], (alias, key)
        assert row["probe_error"] is None or row["probe_error"] == op["probe_error"], alias
    assert by_name["_sparse_FullyConnected"]["order"] == "inf"
    assert by_name["_npx_roi_pooling"]["order"] == "inf"
    distinct = [op for op in data["ops"] if not op["alias_of"]]
    assert len(distinct) < len(data["ops"])
    assert "| **all** | %d |" % len(distinct) in coverage.format_summary(data)
    assert "%d registry names, %d of them aliases" % (
        len(data["ops"]),
        len(data["ops"]) - len(distinct),
    ) in coverage.format_summary(data)
    assert all(not op["alias_of"] for op, _ in coverage.finite_forward_ops(data))


def test_probe_attributes_are_keyed_by_the_op_not_an_alias():
    """Only an op's own name is probed: attributes listed under an alias would
    never be tried."""
    from mxnet_ho import _native, _probe

    aliases = _native.op_aliases()
    assert not set(_probe.PROBE_ATTRS) & set(aliases), sorted(
        set(_probe.PROBE_ATTRS) & set(aliases)
    )
    assert not set(_probe.PROBE_SHAPES) & set(aliases)


def test_ops_made_by_user_code_or_a_graph_pass_are_probed_as_made(data):
    """Ops no node can be made of from attributes are probed on a node made the
    way it is made in use: Custom on a CustomOp registered in the probe (its
    gradient, _backward_Custom, has none: order 1, with its reason); _CachedOp on
    a recorded hybridized block (its gradient is the block's own ops'); the
    MKL-DNN fused layers on the subgraph pass's output (a node of
    _sg_mkldnn_fully_connected made from attributes crashed the probe: its parser
    reads a subgraph it does not check for); the quantized kernels with the
    attributes they require."""
    by_name = {op["name"]: op for op in data["ops"]}
    for name in ("Custom", "_Native", "_NDArray"):
        op = by_name[name]
        assert op["probe_error"] is None and op["order"] == "1", op
        assert op["gradient_ops"] == ["_backward_" + name], op
        assert op["excluded"], name
    assert by_name["_npi_Custom"]["alias_of"] == "Custom"
    cached = by_name["_CachedOp"]
    assert cached["probe_error"] is None and cached["order"] == "inf", cached
    assert cached["stock_order"] == "1" and "_backward_sin" in cached["gradient_ops"], cached
    assert "hybridized pass" in cached["probed_as"], cached
    quantized = [
        "_contrib_quantized_" + kind
        for kind in ("concat", "conv", "embedding", "fully_connected", "pooling")
    ]
    for name in quantized + [
        "_sg_mkldnn_conv",
        "_sg_mkldnn_fully_connected",
        "_sg_mkldnn_selfatt_qk",
        "_sg_mkldnn_selfatt_valatt",
    ]:
        op = by_name[name]
        # MXNet's own gradient of these: zeros for every input (MakeZeroGradNodes)
        assert op["probe_error"] is None and op["gradient_ops"] == ["zeros_like"], op
        assert op["order"] == "inf", op
    sparse = by_name["_contrib_SparseEmbedding"]
    assert sparse["probe_error"] is None and sparse["excluded"], sparse
    assert sparse["gradient_ops"] == ["_backward_SparseEmbedding"]


def test_a_to_do_reason_fails_the_check(data):
    """An exclusion must give a reason: one that says the work is not done (or
    outside the series, or TODO) fails `--check`, naming the op, unless the
    temporary allow-list of other helpers' entries names it."""
    series = coverage.load_patches()
    assert coverage.series_problems(data, series) == []
    fake = {
        "file": "fake.toml",
        "exclusion": [
            {"op": "elemwise_mul", "reason": "not done in this series"},
            {"op": "elemwise_div", "reason": "TODO: write the rule"},
            {"op": "elemwise_sub", "reason": "outside this series' families"},
            {"op": "elemwise_add", "reason": "a structural reason"},
        ],
    }
    problems = coverage.series_problems(data, series + [fake])
    todo = [p for p in problems if p.startswith("fake.toml: the exclusion of")]
    assert len(todo) == 3, problems
    for name in ("elemwise_mul", "elemwise_div", "elemwise_sub"):
        assert any("exclusion of %s gives a to-do" % name in p for p in todo), problems
    assert not any("elemwise_add" in p for p in problems)
    # the series itself gives none
    current = coverage.series_problems(data, series)
    assert not [p for p in current if "gives a to-do" in p], current


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


def _attribute_values(op, attr):
    """(values, default) of an enum or boolean attribute of `op` (a backward op:
    of its forward op) as MXNet's registry lists them (booleans as "0", "1")."""
    import ctypes

    from mxnet.base import _LIB, OpHandle, c_str, check_call, py_str

    op = op[len("_backward_") :] if op.startswith("_backward_") else op
    handle = OpHandle()
    check_call(_LIB.NNGetOpHandle(c_str(op), ctypes.byref(handle)))
    texts = [ctypes.c_char_p() for _ in range(4)]
    count = ctypes.c_uint()
    names, types, descriptions = (ctypes.POINTER(ctypes.c_char_p)() for _ in range(3))
    check_call(
        _LIB.MXSymbolGetAtomicSymbolInfo(
            handle,
            ctypes.byref(texts[0]),
            ctypes.byref(texts[1]),
            ctypes.byref(count),
            ctypes.byref(names),
            ctypes.byref(types),
            ctypes.byref(descriptions),
            ctypes.byref(texts[2]),
            ctypes.byref(texts[3]),
        )
    )
    for i in range(count.value):
        if py_str(names[i]) == attr:
            kind = py_str(types[i])
            default = re.search(r"default=(\S+)", kind)
            default = _boolean(default.group(1).strip("'")) if default else None
            if kind.startswith("boolean"):
                return {"0", "1"}, default
            return set(re.findall(r"'([^']*)'", kind.split("}")[0])), default
    raise KeyError("%s has no attribute %s" % (op, attr))


def _boolean(text):
    return {"true": "1", "false": "0"}.get(str(text).lower(), text)


def _probed_values(op, attr, default):
    return {_boolean(v["attrs"].get(attr, default)) for v in op["variants"]}


# Attributes that change which backward op runs or what it computes: the probe
# must try each value MXNet accepts.
VARIANT_ATTRIBUTES = [
    ("topk", "ret_typ"),
    ("topk", "is_ascend"),
    ("_npx_topk", "ret_typ"),
    ("sort", "is_ascend"),
    ("_npi_sort", "is_ascend"),
    ("Activation", "act_type"),
    ("_npx_activation", "act_type"),
    ("_backward_Activation", "act_type"),
    ("LeakyReLU", "act_type"),
    ("_backward_LeakyReLU", "act_type"),
    ("Pooling", "pool_type"),
    ("_npx_pooling", "pool_type"),
    ("_backward_Pooling", "pool_type"),
    ("Convolution", "no_bias"),
    ("Deconvolution", "no_bias"),
    ("FullyConnected", "no_bias"),
    ("FullyConnected", "flatten"),
    ("Pad", "mode"),
    ("_npi_pad", "mode"),
    ("L2Normalization", "mode"),
    ("Dropout", "mode"),
    ("BatchNorm", "fix_gamma"),
    ("BatchNorm", "use_global_stats"),
    ("RNN", "mode"),
    ("UpSampling", "sample_type"),
    ("take", "mode"),
]


@pytest.mark.parametrize("name, attr", VARIANT_ATTRIBUTES, ids=lambda x: str(x))
def test_probe_tries_every_value_of_attributes_that_change_the_gradient(data, name, attr):
    """topk's probe covers every ret_typ (its "indices"/"mask" gradient is MXNet's
    zero, "value"/"both" go through _backward_topk), both directions, and so on:
    each value MXNet's registry lists is a variant, and each variant closes."""
    op = {op["name"]: op for op in data["ops"]}[name]
    values, default = _attribute_values(name, attr)
    assert values <= _probed_values(op, attr, default), op["variants"]
    for variant in op["variants"]:
        assert variant["order"] == "inf", (name, variant)


def test_order_is_the_minimum_over_variants_with_their_own_children():
    """An op closes only if every variant does, each node of a variant's graph
    counted with the attributes it carries: `bw` loops with t=a but its t=b rule
    throws, so `f` (whose t=a graph holds bw with t=a) reaches order 2 through its
    t=b variant alone, and the report names that variant."""
    rows = {
        "f": {
            "op": "f",
            "fgradient": True,
            "error": None,
            "children": ["bw"],
            "variants": [
                {
                    "attrs": {"t": "a"},
                    "children": ["bw"],
                    "calls": [["bw", {"t": "a"}]],
                    "error": None,
                },
                {
                    "attrs": {"t": "b"},
                    "children": ["bw"],
                    "calls": [["bw", {"t": "b"}]],
                    "error": None,
                },
            ],
        },
        "bw": {
            "op": "bw",
            "fgradient": True,
            "error": "no rule for t=b",
            "children": ["bw"],
            "variants": [
                {
                    "attrs": {"t": "a"},
                    "children": ["bw"],
                    "calls": [["bw", {"t": "a"}]],
                    "error": None,
                },
                {"attrs": {"t": "b"}, "children": [], "calls": [], "error": "no rule for t=b"},
            ],
        },
    }
    order, vorder = coverage._orders(rows)
    assert order == {"f": 2, "bw": 1}
    assert vorder == {("f", 0): coverage.INF, ("f", 1): 2, ("bw", 0): coverage.INF, ("bw", 1): 1}
    assert coverage._limited_by(rows["f"], vorder) == {"t": "b"}


def test_a_claim_a_variant_contradicts_fails_the_check(data):
    """np.linalg.norm is claimed any-order but for the spectral and nuclear matrix
    norms (flag 0 and 2), which its partial exclusion names: without those
    patterns the check fails and names the variant; with a pattern no probe tries,
    it fails too."""
    series = coverage.load_patches()
    assert coverage.series_problems(data, series) == []
    stripped = [dict(patch) for patch in series]
    for patch in stripped:
        patch["exclusion"] = [
            {k: v for k, v in entry.items() if k != "attrs"} for entry in patch.get("exclusion", [])
        ]
    problems = coverage.series_problems(data, stripped)
    assert any(
        "forward op _npi_norm reaches order" in p and "limited by" in p and "flag=" in p
        for p in problems
    ), problems
    unknown = stripped + [
        {"file": "fake.toml", "exclusion": [{"op": "_npi_norm", "attrs": [{"flag": "7"}]}]}
    ]
    assert any(
        "fake.toml: the exclusion of _npi_norm names attributes flag=7, which no probe tries" in p
        for p in coverage.series_problems(data, unknown)
    )


def test_check_fails_on_a_fake_series_entry(data, tmp_path):
    """`coverage --check` run on a copy of patches/ with one more file claiming an
    op that the probe shows stops at a finite order exits 1 and names it."""
    finite = [
        op
        for op in data["ops"]
        if op["fgradient"] and op["order"] != "inf" and op["name"] != "_npi_norm"
    ]
    assert finite
    claimed = finite[0]["name"]
    directory = tmp_path / "patches"
    shutil.copytree(coverage.patches_dir(), str(directory))
    (directory / "zz_fake.toml").write_text(
        'family = "fake"\nsources = []\nforward = ["%s"]\n' % claimed
    )
    result = subprocess.run(
        [sys.executable, "-m", "mxnet_ho", "coverage", "--check", "--summary"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        env=dict(os.environ, MXNET_HO_PATCHES=str(directory)),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "PROBLEM: zz_fake.toml: forward op %s reaches order" % claimed in result.stdout


# Claimed any-order forward ops that no finite-difference case at orders 2 and 3
# exercises (tools/untested_ops.py records the ops of every harness case's graph),
# each with why. Add a case and the entry must go.
WITHOUT_A_CASE = {
    "_grad_add": "MXNet's own sum of two gradients of one entry: built only inside "
    "gradient graphs (by every case that uses an input twice), never by a user",
    "BlockGrad": "a zero gradient at every order: nothing for finite differences to hold",
    "stop_gradient": "BlockGrad's alias",
    "_cond": "checked at orders 2 and 3 by tests/test_control_flow.py's own finite "
    "differences (a block with subgraphs), not by a harness case",
    "amp_cast": "checked in float32 against Cast (tests/tensor/test_amp_cast.py, "
    "check_like_reference): stock's float64 amp kernels fail with MKL-DNN on",
    "amp_multicast": "as amp_cast",
    "_contrib_div_sqrt_dim": "only in the float64 references of "
    "tests/contrib/test_transformer.py, never in a checked function: a case is owed",
}
for _name in ("rint", "ceil", "floor", "trunc", "fix"):
    WITHOUT_A_CASE[_name] = "piecewise constant: every derivative is 0 away from the jumps"


def _untested_ops_tool():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")
    spec = importlib.util.spec_from_file_location(
        "untested_ops", os.path.join(path, "untested_ops.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_any_order_ops_without_a_finite_difference_case(data):
    """Every op the series claims to close at any order has a harness case that
    checks it against finite differences at orders 2 and 3, but those listed in
    WITHOUT_A_CASE (and each of those still has none)."""
    tool = _untested_ops_tool()
    seen, not_built = tool.exercised_ops()
    assert not_built == []
    assert {"topk", "sort", "elemwise_mul"} <= set(seen)
    missing = {op for ops in tool.untested(data, seen).values() for op in ops}
    assert missing <= set(WITHOUT_A_CASE), sorted(missing - set(WITHOUT_A_CASE))
    assert set(WITHOUT_A_CASE) <= missing, sorted(set(WITHOUT_A_CASE) - missing)


def test_unknown_family_is_refused_before_probing(monkeypatch, capsys):
    """The probe takes about 20 s: a wrong --family is told at once."""
    from mxnet_ho import coverage

    def probe_started():
        raise AssertionError("probed before checking --family")

    monkeypatch.setattr(coverage, "collect", probe_started)
    with pytest.raises(SystemExit) as exit_:
        coverage.main(["--family", "no_such_family"])
    assert exit_.value.code == 2
    assert "no family 'no_such_family'" in capsys.readouterr().err
