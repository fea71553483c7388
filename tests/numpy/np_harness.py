"""The checks of tests/harness.py for the NumPy interface (mx.np, npx.set_np()).

A module lists CASES = [NpCase(name, fn(np, *inputs), shapes, ...)], where np is
mx.np (imperative) or F.np (hybridized), and takes its standard tests from
np_standard_tests(__file__, CASES):
* test_higher_order: check_higher_order_grad on mx.np arrays at each order;
* test_float32: the highest order in float32 against float64;
* test_hybridized: the same through a hybridized HybridBlock;
* test_first_order_bit_identical: first-order gradients bit-identical to stock
  MXNet's, computed by running the module itself with MXNET_HO_DISABLE=1 (its
  `if __name__ == "__main__": print_stock_first_order(CASES)`).
"""
import os
import pickle
import subprocess
import sys

import numpy as onp
import pytest

import mxnet as mx
from mxnet import autograd, npx
from mxnet_ho.test_utils import HigherOrderGradError, check_higher_order_grad, higher_order_grads

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import check_float32_of  # noqa: E402  (tests/, also when run as a script)

POS = (0.5, 2.0)


class NpCase:
    """fn(np, *inputs) with np = mx.np (imperative) or F.np (hybridized)."""

    def __init__(self, name, fn, shapes, low=-1.0, high=1.0, orders=(2, 3), rtol=1e-5,
                 atol=1e-7, seed=0):
        self.name, self.fn, self.shapes = name, fn, [tuple(s) for s in shapes]
        self.low, self.high, self.orders = low, high, orders
        self.rtol, self.atol, self.seed = rtol, atol, seed

    def __repr__(self):
        return self.name

    def draw(self):
        rng = onp.random.RandomState(self.seed)
        return [rng.uniform(self.low, self.high, size=s) for s in self.shapes]


@pytest.fixture(autouse=True, scope="module")
def numpy_mode():
    """mx.np semantics while a module's tests run (import it into the module)."""
    npx.set_np()
    yield
    npx.reset_np()


class _Lambda(mx.gluon.HybridBlock):
    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def hybrid_forward(self, F, *xs):
        return self._fn(F.np, *xs)


def hybridized(case):
    """The case's function as a hybridized block that differentiates twice."""
    block = _Lambda(case.fn)
    block.initialize()
    block.hybridize(inline_limit=1 << 30)
    return block


def check_case(fn, case):
    """fn, a function of mx.np arrays, at each of the case's orders."""
    for order in case.orders:
        check_higher_order_grad(fn, case.draw(), order=order, rtol=case.rtol, atol=case.atol,
                                seed=case.seed)


def check_case_float32(case):
    """The case's highest order in float32 against float64 (harness.check_float32_of)."""
    fn = lambda *xs: case.fn(mx.np, *xs)  # noqa: E731
    check_float32_of(lambda dtype: fn, case.draw(), max(case.orders) - 1, case.seed,
                     array=mx.np.array)


def check_above_first_order(fn, inputs, orders=(2, 3), rtol=1e-5, atol=1e-7, eps=1e-5, seed=0,
                            check=None):
    """check_higher_order_grad's comparison at the given orders (>= 2) only, for
    the inputs in `check` (all by default): for cases whose stock first order is
    wrong, the k-th autograd derivative against central differences of the
    (k-1)-th, which is then the stock first derivative or ours above it."""
    rng = onp.random.RandomState(seed)

    def rand_like(shape):
        return mx.np.array(rng.uniform(-1.0, 1.0, shape), dtype="float64")

    xs = [mx.np.array(x, dtype="float64") for x in inputs]
    with autograd.pause():
        y = fn(*xs)
    cotangent = rand_like(y.shape)
    directions = [[rand_like(x.shape) for x in xs] for _ in range(max(orders))]
    for k in orders:
        _, grads = higher_order_grads(fn, xs, k - 1, cotangent, directions)
        for i, (x, g) in enumerate(zip(xs, grads)):
            assert g.shape == x.shape, (k, i, g.shape, x.shape)
            if check is not None and i not in check:
                continue
            u = rand_like(x.shape)
            values = []
            for sign in (1.0, -1.0):
                moved = list(xs)
                moved[i] = x + sign * eps * u
                values.append(higher_order_grads(fn, moved, k - 1, cotangent, directions,
                                                 with_grads=False)[0])
            numeric = (values[0] - values[1]) / (2.0 * eps)
            analytic = float((g * u.asnumpy()).sum())
            if abs(analytic - numeric) > atol + rtol * max(abs(numeric), abs(analytic)):
                raise HigherOrderGradError("order %d, input %d: autograd %.12g, numeric %.12g"
                                           % (k, i, analytic, numeric))


def first_order_grads(cases):
    """{case name: [gradient bytes per input]}, in this process."""
    results = {}
    for case in cases:
        xs = [mx.np.array(a, dtype="float64") for a in case.draw()]
        for x in xs:
            x.attach_grad()
        with autograd.record():
            y = case.fn(mx.np, *xs)
        rng = onp.random.RandomState(case.seed + 1)
        y.backward(mx.np.array(rng.uniform(-1, 1, y.shape), dtype="float64"))
        results[case.name] = [x.grad.asnumpy().tobytes() for x in xs]
    return results


def check_first_order_identical(module_file, cases):
    env = dict(os.environ, MXNET_HO_DISABLE="1")
    out = subprocess.run([sys.executable, os.path.abspath(module_file)], env=env, check=True,
                         stdout=subprocess.PIPE).stdout
    stock = pickle.loads(out)
    ours = first_order_grads(cases)
    for case in cases:
        assert ours[case.name] == stock[case.name], (
            "first-order gradient of %s differs from stock MXNet" % case.name)


def print_stock_first_order(cases):
    """A module's __main__ under MXNET_HO_DISABLE=1: its stock first orders, pickled."""
    import mxnet_ho

    assert not mxnet_ho.is_enabled(), "the stock run must not load mxnet-ho"
    npx.set_np()
    sys.stdout.buffer.write(pickle.dumps(first_order_grads(cases)))


def np_standard_tests(module_file, cases):
    """The four checks of every case of a module, as pytest tests."""

    @pytest.mark.parametrize("case", cases, ids=repr)
    def test_higher_order(case):
        check_case(lambda *xs: case.fn(mx.np, *xs), case)

    @pytest.mark.parametrize("case", cases, ids=repr)
    def test_float32(case):
        check_case_float32(case)

    @pytest.mark.parametrize("case", cases, ids=repr)
    def test_hybridized(case):
        check_case(hybridized(case), case)

    def test_first_order_bit_identical():
        check_first_order_identical(module_file, cases)

    return test_higher_order, test_float32, test_hybridized, test_first_order_bit_identical
