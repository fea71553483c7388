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


def loaded_path(soname):
    """The absolute path of a library this process has mapped."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path) == soname:
                return path
    raise LookupError(soname)


def test_library_without_mxho_symbols_warns_once_and_leaves_stock_mxnet_working():
    import ctypes
    import ctypes.util

    soname = ctypes.util.find_library("m") or "libm.so.6"  # loads, but is not mxnet-ho
    ctypes.CDLL(soname)
    other = loaded_path(soname)
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


def only_warning(result):
    """The one RuntimeWarning a child printed (asserting there is exactly one)."""
    warnings = [line for line in result.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warnings) == 1, result.stderr
    return warnings[0]


def library_copy(tmp_path, damage, with_digest=True):
    """A copy of the library under test (and of the size and digest the build
    recorded beside it) in tmp_path, changed by damage(bytes) -> bytes."""
    from mxnet_ho import _native

    path = _native.library_path()
    with open(path, "rb") as f:
        data = f.read()
    copy = tmp_path / "libmxnet_ho.so"
    copy.write_bytes(damage(data))
    if with_digest:
        copy.with_name(copy.name + ".sha256").write_text(open(path + ".sha256").read())
    return str(copy)


def truncated(data):
    return data[: len(data) // 2]


def one_byte_changed(data):
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


@pytest.mark.parametrize(
    "damage,with_digest,reason",
    [
        (truncated, True, "the build recorded"),
        (truncated, False, "truncated"),
        (one_byte_changed, True, "SHA-256 differs"),
        (lambda data: b"", False, "not a 64-bit little-endian ELF"),
    ],
    ids=["truncated", "truncated-no-digest", "one-byte-changed", "empty"],
)
def test_damaged_library_warns_once_and_leaves_stock_mxnet_working(
    tmp_path, damage, with_digest, reason
):
    """A partial download or a full disk must not kill `import mxnet` (dlopen
    of a truncated library dies of SIGBUS): the file is checked before loading."""
    path = library_copy(tmp_path, damage, with_digest)
    result = run_python(STOCK_FIRST_ORDER, MXNET_HO_LIBRARY=path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["-0.416147"]
    warning = only_warning(result)
    assert "mxnet-ho is installed but could not activate" in warning
    assert "is damaged, so it was not loaded" in warning and reason in warning, warning
    assert path in warning


def test_intact_copy_with_its_digest_loads(tmp_path):
    path = library_copy(tmp_path, lambda data: data)
    result = run_python(
        "import mxnet, mxnet_ho; print(mxnet_ho.is_enabled())", MXNET_HO_LIBRARY=path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["True"]


def test_relative_library_path_is_refused_before_loading(tmp_path):
    """./x.so would load whatever the current directory holds (and run its
    constructors): here a truncated copy, which would die in dlopen."""
    library_copy(tmp_path, truncated, with_digest=False)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(STOCK_FIRST_ORDER)],
        env=dict(os.environ, MXNET_HO_LIBRARY="./libmxnet_ho.so", MXNET_HO_DISABLE=""),
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["-0.416147"]
    warning = only_warning(result)
    assert "MXNET_HO_LIBRARY must be an absolute path" in warning
    assert "'./libmxnet_ho.so'" in warning
