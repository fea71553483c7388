"""An unusable MXNet gives a clear ImportError, never a crash; stock MXNet keeps working."""

import os
import subprocess
import sys
import textwrap

import pytest


def run_python(code, **env):
    full_env = dict(os.environ)
    full_env.pop("MXNET_HO_DISABLE", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )


def test_failed_self_check_raises_import_error_naming_version_and_check():
    result = run_python(
        """
        import mxnet
        from mxnet_ho import _native
        try:
            _native.load(expected_version_code=10900)
        except ImportError as e:
            print(e)
    """,
        MXNET_HO_DISABLE="1",
    )
    assert result.returncode == 0, result.stderr
    assert "mxnet 1.9.1" in result.stdout
    assert "self-check failed" in result.stdout
    assert "libmxnet.so reports version 10901, expected 10900" in result.stdout


def test_other_mxnet_version_raises_import_error():
    result = run_python(
        """
        import os, mxnet
        mxnet.__version__ = "1.8.0"
        del os.environ["MXNET_HO_DISABLE"]
        try:
            import mxnet_ho
        except ImportError as e:
            print("ImportError:", e)
    """,
        MXNET_HO_DISABLE="1",
    )
    assert result.returncode == 0, result.stderr
    assert "supports mxnet 1.9.1 only, but mxnet 1.8.0 is installed" in result.stdout


# Every warning shown, then a first-order gradient MXNet computes on its own.
STOCK_FIRST_ORDER = """
        import warnings
        warnings.simplefilter("always")
        from mxnet import nd, autograd
        x = nd.array([2.0]); x.attach_grad()
        with autograd.record():
            y = nd.sin(x)
        y.backward()
        print(round(x.grad.asscalar(), 6))"""


def test_missing_library_warns_once_and_leaves_stock_mxnet_working():
    result = run_python(
        STOCK_FIRST_ORDER
        + """
        try:
            with autograd.record():
                g = autograd.grad(x ** 3, [x], create_graph=True)[0]
            g.backward()
        except Exception as e:
            print("stock error:", "_backward_power_scalar is non-differentiable" in str(e))
    """,
        MXNET_HO_LIBRARY="/nonexistent/libmxnet_ho.so",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["-0.416147", "stock", "error:", "True"]
    warnings = [line for line in result.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warnings) == 1
    assert "mxnet-ho is installed but could not activate" in warnings[0]
    assert "/nonexistent/libmxnet_ho.so" in warnings[0]


def test_library_without_mxho_symbols_warns_once_and_leaves_stock_mxnet_working():
    import ctypes.util

    other = ctypes.util.find_library("m") or "libm.so.6"  # loads, but is not mxnet-ho
    result = run_python(
        STOCK_FIRST_ORDER
        + """
        try:
            import mxnet_ho  # an explicit import names the problem
        except ImportError as e:
            print("enabled:", "not an mxnet-ho library" not in str(e))
    """,
        MXNET_HO_LIBRARY=other,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["-0.416147", "enabled:", "False"]
    warnings = [line for line in result.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warnings) == 1, result.stderr
    assert "is not an mxnet-ho library" in warnings[0]


@pytest.mark.parametrize(
    "value,enabled",
    [
        ("", True),
        ("0", True),
        ("false", True),
        ("False", True),
        ("NO", True),
        ("off", True),
        (" off ", True),
        ("1", False),
        ("true", False),
        ("yes", False),
        ("anything", False),
    ],
)
def test_disable_accepts_the_usual_false_spellings(value, enabled):
    result = run_python(
        """
        import mxnet, mxnet_ho
        print(mxnet_ho.is_enabled())
    """,
        MXNET_HO_DISABLE=value,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(enabled)]
