"""MXNet 1.9.1 on NumPy 1.24-1.26 and Python 3.12 (python/_mxnet_ho_compat.py).

Every module of the mxnet package imports (in a child process, so that a crash
fails the module that caused it), also with `distutils` blocked as on Python
3.12; MXNet's NumPy interface computes what NumPy computes; the user's NumPy is
left as it was; the coverage tool answers the same without `tomllib`.
"""

import importlib.util
import json
import os
import pkgutil
import subprocess
import sys
import textwrap

import numpy
import pytest

import mxnet as mx
from mxnet import autograd, npx
from mxnet import numpy as mnp

HERE = os.path.dirname(os.path.abspath(__file__))
# Files of the mxnet package that are not modules to import.
NOT_MODULES = {
    "mxnet.libmxnet": "the C++ library itself",
    "mxnet.onnx.setup": "the ONNX exporter's setup.py script (runs setuptools.setup)",
}
# A meta-path finder refusing `distutils*`: Python 3.12 without setuptools.
BLOCK_DISTUTILS = textwrap.dedent("""
    import sys
    class NoDistutils:
        def find_spec(self, name, path=None, target=None):
            if name == "distutils" or name.startswith("distutils."):
                raise ImportError("distutils blocked (as on Python 3.12)", name=name)
    for loaded in [m for m in sys.modules if m == "distutils" or m.startswith("distutils.")]:
        del sys.modules[loaded]
    sys.meta_path.insert(0, NoDistutils())
""")
IMPORT_EACH = textwrap.dedent("""
    import importlib, sys, traceback
    for name in sys.argv[1:]:
        print("start", name, flush=True)
        try:
            importlib.import_module(name)
        except BaseException:
            print("failed", name, repr(traceback.format_exc()), flush=True)
        else:
            print("ok", name, flush=True)
    print("distutils loaded:", any(m.startswith("distutils") for m in sys.modules), flush=True)
""")


def mxnet_module_names():
    """Every module of the installed mxnet package, found with pkgutil (nothing imported)."""
    names = ["mxnet"]

    def walk(path, prefix):
        for info in pkgutil.iter_modules([path], prefix):
            if info.name not in NOT_MODULES:
                names.append(info.name)
            if info.ispkg:
                walk(os.path.join(path, info.name.rsplit(".", 1)[-1]), info.name + ".")

    walk(os.path.dirname(importlib.util.find_spec("mxnet").origin), "mxnet.")
    return names


MODULES = mxnet_module_names()


def run_python(code, *args, **env):
    full_env = dict(os.environ)
    full_env.update(env)
    # A time limit, so that a hung child fails its test instead of stopping the suite.
    return subprocess.run(
        [sys.executable, "-c", code] + list(args),
        env=full_env,
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=300,
    )


def import_each(prelude=""):
    """{module: None if it imported, else the error}, one child process for all."""
    result = run_python(prelude + IMPORT_EACH, *MODULES)
    outcome, current = {}, None
    for line in result.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word == "start":
            current = rest
        elif word in ("ok", "failed"):
            name, _, error = rest.partition(" ")
            outcome[name] = None if word == "ok" else eval(error)
            current = None
    if current is not None:  # the child died while importing `current`
        outcome[current] = "the process died (exit %d): %s" % (
            result.returncode,
            result.stderr[-2000:],
        )
    outcome["distutils loaded"] = "distutils loaded: True" in result.stdout
    return outcome


@pytest.fixture(scope="module")
def imported():
    return import_each()


@pytest.fixture(scope="module")
def imported_without_distutils():
    return import_each(BLOCK_DISTUTILS)


def test_walk_finds_the_package():
    assert len(MODULES) > 200
    assert {
        "mxnet.numpy.utils",
        "mxnet.numpy_op_fallback",
        "mxnet.numpy_dispatch_protocol",
        "mxnet.test_utils",
        "mxnet.gluon.nn.basic_layers",
    } <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(imported, name):
    assert name in imported, "not reached: an earlier module killed the process"
    assert imported[name] is None, imported[name]


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_without_distutils(imported_without_distutils, name):
    assert name in imported_without_distutils, "not reached: an earlier module killed it"
    assert imported_without_distutils[name] is None, imported_without_distutils[name]


def test_distutils_really_blocked(imported_without_distutils):
    assert imported_without_distutils["distutils loaded"] is False


NUMPY_INTERFACE_BASICS = textwrap.dedent("""
    import json
    import numpy as onp
    import mxnet as mx
    from mxnet import autograd, np, npx
    npx.set_np()
    a = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    out = {
        "mask_select": a[a > 0].asnumpy().tolist(),
        "full_bool": np.full((2,), True).asnumpy().tolist(),
        "full_bool_dtype": str(np.full((2,), True).dtype),
        "bool_alias_is_builtin": np.bool is bool,
        "sum_sq": float((a * a).sum()),
    }
    x = np.array([0.3, 1.2]); x.attach_grad()
    with autograd.record():
        y = (np.tanh(x) * x).sum()
    y.backward()
    out["tanh_x_grad"] = x.grad.asnumpy().tolist()
    print(json.dumps(out))
""")


def expected_basics():
    a = numpy.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=numpy.float32)
    x = numpy.array([0.3, 1.2], dtype=numpy.float32)
    return {
        "mask_select": a[a > 0].tolist(),
        "full_bool": [True, True],
        "full_bool_dtype": "bool",
        "bool_alias_is_builtin": True,
        "sum_sq": float((a * a).sum()),
        "tanh_x_grad": (numpy.tanh(x) + x * (1 - numpy.tanh(x) ** 2)).tolist(),
    }


def assert_basics(stdout):
    got, want = json.loads(stdout.strip().splitlines()[-1]), expected_basics()
    assert set(got) == set(want)
    for key, value in want.items():
        if isinstance(value, list) and value and isinstance(value[0], float):
            numpy.testing.assert_allclose(got[key], value, rtol=1e-6, err_msg=key)
        elif isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("setting", ["patched", "MXNET_HO_DISABLE=1", "no distutils"])
def test_numpy_interface_basics_in_a_fresh_process(setting):
    env = {"MXNET_HO_DISABLE": "1"} if setting == "MXNET_HO_DISABLE=1" else {}
    prelude = BLOCK_DISTUTILS if setting == "no distutils" else ""
    result = run_python(prelude + NUMPY_INTERFACE_BASICS, **env)
    assert result.returncode == 0, result.stderr
    assert_basics(result.stdout)


def test_numpy_interface_matches_numpy_in_process():
    rng = numpy.random.RandomState(0)
    a, b = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.5, 2, (4,))
    npx.set_np()
    try:
        ma, mb = mnp.array(a, dtype="float64"), mnp.array(b, dtype="float64")
        for name, mine, theirs in [
            ("add", ma + mb, a + b),
            ("matmul", mnp.dot(ma, mb), a.dot(b)),
            ("mean", ma.mean(axis=0), a.mean(axis=0)),
            ("exp", mnp.exp(ma), numpy.exp(a)),
            ("where", mnp.where(ma > 1, ma, -ma), numpy.where(a > 1, a, -a)),
            ("bool", (ma > 1).astype("float64"), (a > 1).astype("float64")),
        ]:
            numpy.testing.assert_allclose(mine.asnumpy(), theirs, rtol=1e-12, err_msg=name)
        ma.attach_grad()
        with autograd.record():
            (gx,) = autograd.grad((ma**3).sum(), [ma], create_graph=True, retain_graph=True)
            loss = (gx * gx).sum()
        loss.backward()
        numpy.testing.assert_allclose(ma.grad.asnumpy(), 36 * a**3, rtol=1e-12)
    finally:
        npx.reset_np()


def test_mxnet_test_utils_tolerances():
    # test_utils reads np.bool in these tables (removed in NumPy 1.24).
    assert mx.test_utils.default_rtols()[numpy.dtype("bool")] == 0


def test_user_numpy_is_unchanged():
    plain = run_python(
        "import numpy; print(hasattr(numpy, 'bool'), hasattr(numpy, 'int'))", MXNET_HO_COMPAT="0"
    )
    assert plain.returncode == 0, plain.stderr
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        now = "%s %s" % (hasattr(numpy, "bool"), hasattr(numpy, "int"))
    assert now == plain.stdout.strip()
    assert sys.modules["numpy"] is numpy and type(numpy).__name__ == "module"
    import builtins

    assert type(builtins.__import__).__name__ == "builtin_function_or_method"


def test_only_mxnet_modules_see_the_aliases():
    import _mxnet_ho_compat
    from mxnet.numpy import utils

    assert mx.numpy.bool is bool and mx.test_utils.np.int is int
    if _mxnet_ho_compat.numpy_lacks_aliases(numpy):
        assert isinstance(utils.onp, _mxnet_ho_compat.NumPyWithAliases)
    assert utils.onp.float32 is numpy.float32 and utils.onp.linalg is numpy.linalg


def test_compat_can_be_turned_off():
    code = (
        "import sys, _mxnet_ho_compat as c\n"
        "try:\n    import mxnet\nexcept AttributeError as e:\n    print('failed', e)\n"
        "print(any(isinstance(f, c.MXNetCompatFinder) for f in sys.meta_path))"
    )
    for off in ("0", "false", "No", "OFF"):
        result = run_python(code, MXNET_HO_COMPAT=off, MXNET_HO_DISABLE="1")
        assert result.stdout.splitlines()[-1] == "False", result.stdout + result.stderr
        import _mxnet_ho_compat

        failed = result.stdout.startswith("failed")
        assert failed == _mxnet_ho_compat.numpy_lacks_aliases(numpy), result.stdout


@pytest.mark.parametrize(
    "value,expected",
    [
        ("", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        (" OFF ", False),
    ],
)
def test_switch_spellings(monkeypatch, value, expected):
    import _mxnet_ho_compat

    monkeypatch.setenv("MXNET_HO_TEST_SWITCH", value)
    assert _mxnet_ho_compat.switch("MXNET_HO_TEST_SWITCH", True) is expected


def test_release_version_orders_like_mxnet_needs():
    from _mxnet_ho_compat import ReleaseVersion as V

    assert V("1.26.4") >= V("1.17") and V("1.16.6") < V("1.17") and V("1.6") == V("1.6.0")
    assert V(numpy.__version__) >= V("1.6.0")


HIDE_TOMLLIB = textwrap.dedent("""
    import sys
    class NoTomllib:
        def find_spec(self, name, path=None, target=None):
            if name == "tomllib":
                raise ImportError("tomllib hidden (as on Python < 3.11)", name=name)
    sys.modules.pop("tomllib", None)
    sys.meta_path.insert(0, NoTomllib())
    sys.argv = ["mxnet_ho", "coverage", "--json", "--check"]
    import runpy
    runpy.run_module("mxnet_ho", run_name="__main__")
""")


def test_coverage_check_without_tomllib():
    pytest.importorskip("tomli")  # the dependency below Python 3.11 (the test extra has it)
    normal = run_python(
        "import runpy, sys; sys.argv = ['mxnet_ho', 'coverage', '--json', "
        "'--check']; runpy.run_module('mxnet_ho', run_name='__main__')"
    )
    hidden = run_python(HIDE_TOMLLIB)
    assert hidden.returncode == normal.returncode, hidden.stderr
    mine, theirs = json.loads(hidden.stdout), json.loads(normal.stdout)
    assert mine["problems"] == theirs["problems"]
    assert {op["name"]: op["family"] for op in mine["ops"]} == {
        op["name"]: op["family"] for op in theirs["ops"]
    }
    assert {op["family"] for op in mine["ops"]} >= {"elemwise_binary", "linalg", "nn_norm"}
