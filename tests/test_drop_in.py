"""A plain `import mxnet` has higher-order gradients; MXNET_HO_DISABLE=1 restores stock."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, nd

import mxnet_ho
from mxnet_ho.test_utils import check_higher_order_grad

ISSUE_10002 = textwrap.dedent("""
    import sys
    from mxnet import nd, autograd
    x = nd.array([3.0]); x.attach_grad()
    with autograd.record():
        y = x ** 2
        y_grad = autograd.grad(y, x, create_graph=True, retain_graph=True)[0]
        z = y_grad ** 2
    z.backward()
    print(x.grad.asscalar(), "mxnet_ho" in sys.modules)
""")


def run_python(code, **env):
    full_env = dict(os.environ)
    full_env.pop("MXNET_HO_DISABLE", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )


def test_plain_import_mxnet_activates():
    result = run_python(ISSUE_10002)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["24.0", "True"]


def test_disable_restores_stock_error():
    result = run_python(ISSUE_10002, MXNET_HO_DISABLE="1")
    assert result.returncode != 0
    assert (
        "Operator _backward_power_scalar is non-differentiable because it didn't register "
        "FGradient attribute"
    ) in result.stderr


def test_python_startup_imports_nothing():
    result = run_python("import sys; print('mxnet' in sys.modules, 'mxnet_ho' in sys.modules)")
    assert result.stdout.split() == ["False", "False"]


def test_public_api():
    assert mxnet_ho.is_enabled()
    patched = mxnet_ho.patched_ops()
    assert "_backward_power_scalar" in patched and "_backward_broadcast_mul" in patched
    assert patched == sorted(patched)
    assert isinstance(mxnet_ho.__version__, str)


def test_issue_10002_in_process():
    x = nd.array([3.0])
    x.attach_grad()
    with autograd.record():
        y = x**2
        y_grad = autograd.grad(y, x, create_graph=True, retain_graph=True)[0]
        z = y_grad**2
    z.backward()
    assert x.grad.asscalar() == 24.0  # d/dx (2x)^2 = 8x


def nth_derivatives(fn, x0, n):
    x = nd.array([x0], dtype="float64")
    x.attach_grad()
    values = []
    with autograd.record():
        y = fn(x)
        for _ in range(n):
            y = autograd.grad(y, [x], create_graph=True, retain_graph=True)[0]
            values.append(y.asscalar())
    return values


def test_x_to_the_4_to_order_4():
    assert nth_derivatives(lambda x: x**4, 3.0, 4) == [108.0, 108.0, 72.0, 24.0]


TANH = np.tanh(0.7)
# (name, function, x0, 4th derivative written out by hand)
FOURTH_DERIVATIVES = [
    ("exp(2x)", lambda x: nd.exp(2 * x), 0.3, 16 * np.exp(0.6)),
    ("log(x)", lambda x: nd.log(x), 1.7, -6 / 1.7**4),
    ("sin(x)", lambda x: nd.sin(x), 0.4, np.sin(0.4)),
    ("tanh(x)", lambda x: nd.tanh(x), 0.7, 8 * TANH * (1 - TANH**2) * (2 - 3 * TANH**2)),
    ("1/x", lambda x: 1 / x, 1.3, 24 / 1.3**5),
    ("x**2.5", lambda x: x**2.5, 1.6, 2.5 * 1.5 * 0.5 * -0.5 * 1.6**-1.5),
    ("exp(x)*sin(x)", lambda x: nd.exp(x) * nd.sin(x), 0.9, -4 * np.exp(0.9) * np.sin(0.9)),
    (
        "x/(1+x^2)",
        lambda x: x / (1 + x**2),
        0.5,
        24 * 0.5 * (0.5**4 - 10 * 0.5**2 + 5) / (1 + 0.5**2) ** 5,
    ),
]


@pytest.mark.parametrize(
    "name,fn,x0,expected", FOURTH_DERIVATIVES, ids=[c[0] for c in FOURTH_DERIVATIVES]
)
def test_fourth_derivative_matches_closed_form(name, fn, x0, expected):
    assert nth_derivatives(fn, x0, 4)[3] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_composition_to_order_4_by_finite_differences():
    rng = np.random.RandomState(3)
    x = rng.uniform(0.5, 1.5, (2, 3))
    y = rng.uniform(0.5, 1.5, (1, 3))
    check_higher_order_grad(
        lambda a, b: nd.tanh(nd.exp(a) / (1 + b**2)) * nd.log(a) - nd.sin(a * b) ** 2,
        [x, y],
        order=4,
        rtol=1e-4,
    )


def test_hybridized_block_to_order_3():
    class Net(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.sum(F.exp(x) * F.broadcast_mul(x, x) / (x + 2))

    net = Net()
    net.hybridize()
    check_higher_order_grad(net, [np.random.RandomState(0).uniform(0.1, 1, (3, 4))], order=3)


def test_no_import_circle_between_hook_and_package():
    """The hook imports the package only to activate it; the package never
    imports the hook (both read the environment from the leaf _mxnet_ho_env)."""
    import ast

    python = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python")

    def imported(path):
        with open(path) as f:
            tree = ast.parse(f.read())
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        return names

    package = set()
    for root, _, files in os.walk(os.path.join(python, "mxnet_ho")):
        for name in files:
            if name.endswith(".py"):
                package |= imported(os.path.join(root, name))
    assert "_mxnet_ho_hook" not in package
    assert imported(os.path.join(python, "_mxnet_ho_env.py")) <= {"os"}
