"""Shared machinery of the rule tests.

A test module lists its cases as ``CASES = [Case(...), ...]``: a function of
(F, *inputs), where F is mx.nd or mx.sym so the same code runs imperatively and
hybridized, and how to draw its float64 inputs. Each case is then checked:

* ``check_orders``: check_higher_order_grad at every order in ``case.orders``;
* ``check_hybridized``: the same through a hybridized Gluon HybridLambda;
* ``check_first_order_identical``: first-order gradients of every case are
  bit-identical to stock MXNet's (computed in a subprocess with
  MXNET_HO_DISABLE=1, which loads no part of mxnet-ho).
"""
import functools
import os
import pickle
import re
import subprocess
import sys

import numpy as np

import mxnet as mx
from mxnet_ho.test_utils import check_higher_order_grad, higher_order_grads

HERE = os.path.dirname(os.path.abspath(__file__))


# -- Device: MXNET_HO_TEST_CTX=gpu(0) runs every check below on that device. --
MKLDNN_ENABLED = os.environ.get("MXNET_MKLDNN_ENABLED", "1") != "0"


def context():
    """The MXNet context the checks run on: $MXNET_HO_TEST_CTX, default cpu(0)."""
    spec = os.environ.get("MXNET_HO_TEST_CTX", "cpu(0)").replace(" ", "")
    match = re.fullmatch(r"(cpu|gpu)\((\d+)\)", spec)
    if match is None:
        raise ValueError("MXNET_HO_TEST_CTX must be like cpu(0) or gpu(1), not %r" % spec)
    return mx.Context(match.group(1), int(match.group(2)))


def _on_test_context(check):
    """`check`, run with context() as MXNet's default context."""
    @functools.wraps(check)
    def run(*args, **kwargs):
        with context():
            return check(*args, **kwargs)
    return run
# -- end of device selection --------------------------------------------------


class Case:
    """One function to differentiate and how to draw its inputs.

    shapes: one shape per input; low/high: the uniform range inputs are drawn
    from (a scalar, or one (low, high) pair per input); orders: orders to check;
    integers: inputs that must be drawn as whole numbers (e.g. indices);
    float32: True, or why the float32 check does not apply to the case.
    """

    def __init__(self, name, fn, shapes, low=-1.0, high=1.0, orders=(2, 3), rtol=1e-5,
                 atol=1e-7, eps=1e-5, seed=0, hybridize=True, integers=(), constants=(),
                 float32=True):
        self.name = name
        self.fn = fn
        self.shapes = [tuple(s) for s in shapes]
        self.ranges = [(low, high)] * len(shapes) if np.isscalar(low) else list(zip(low, high))
        self.orders = tuple(orders)
        self.rtol, self.atol, self.eps = rtol, atol, eps
        self.seed = seed
        self.hybridize = hybridize
        self.integers = set(integers)
        # Inputs passed to fn but not differentiated (indices, masks, ...).
        self.constants = set(constants)
        self.float32 = float32

    def __repr__(self):
        return self.name

    def draw(self):
        rng = np.random.RandomState(self.seed)
        arrays = []
        for i, (shape, (lo, hi)) in enumerate(zip(self.shapes, self.ranges)):
            if i in self.integers:
                arrays.append(rng.randint(int(lo), int(hi), size=shape).astype("float64"))
            else:
                arrays.append(rng.uniform(lo, hi, size=shape))
        return arrays



def imperative(case, dtype="float64"):
    """(differentiable inputs, a function of them alone, constants bound)."""
    arrays = case.draw()
    consts = {i: mx.nd.array(arrays[i], dtype=dtype) for i in case.constants}

    def fn(*xs):
        it = iter(xs)
        return case.fn(mx.nd, *[consts[i] if i in consts else next(it)
                                for i in range(len(arrays))])

    return [a for i, a in enumerate(arrays) if i not in consts], fn


@_on_test_context
def check_orders(case):
    inputs, fn = imperative(case)
    for order in case.orders:
        check_higher_order_grad(fn, inputs, order=order, rtol=case.rtol, atol=case.atol,
                                eps=case.eps, seed=case.seed)


class _Lambda(mx.gluon.HybridBlock):
    """fn as a hybridizable block; constant inputs become Gluon constants."""

    def __init__(self, fn, constants):
        super().__init__()
        self._fn = fn
        self._order = sorted(constants)
        for i in self._order:
            setattr(self, "c%d" % i, self.params.get_constant("c%d" % i, constants[i]))

    def hybrid_forward(self, F, *xs, **constants):
        return self._fn(F, *xs, constants=[constants["c%d" % i] for i in self._order])


@_on_test_context
def check_hybridized(case):
    arrays = case.draw()
    consts = {i: mx.nd.array(arrays[i], dtype="float64") for i in case.constants}
    free = [i for i in range(len(arrays)) if i not in case.constants]

    def fn(F, *xs, constants):
        full, xs_it, c_it = [], iter(xs), iter(constants)
        for i in range(len(arrays)):
            full.append(next(c_it) if i in consts else next(xs_it))
        return case.fn(F, *full)

    block = _Lambda(fn, consts)
    block.initialize()
    block.cast("float64")
    block.hybridize()
    for order in case.orders:
        check_higher_order_grad(block, [arrays[i] for i in free], order=order, rtol=case.rtol,
                                atol=case.atol, eps=case.eps, seed=case.seed)


def check_float32_of(fn_of_dtype, arrays, k, seed, array=None, rtol=2e-3):
    """The order-(k+1) derivative of fn_of_dtype(dtype) at `arrays` in float32
    against float64's (which check_orders holds against finite differences), in
    norm: the rules must work in the dtype models train in, to float32 accuracy.
    `array` makes the inputs (mx.nd.array, or mx.np.array for the NumPy
    interface)."""
    array = array or mx.nd.array
    results = []
    for dtype in ("float64", "float32"):
        fn = fn_of_dtype(dtype)
        xs = [array(a, dtype=dtype) for a in arrays]
        rng = np.random.RandomState(seed + 2)
        with mx.autograd.pause():
            y = fn(*xs)
        cotangent = array(rng.uniform(-1, 1, y.shape), dtype=dtype)
        directions = [[array(rng.uniform(-1, 1, x.shape), dtype=dtype) for x in xs]
                      for _ in range(k)]
        _, grads = higher_order_grads(fn, xs, k, cotangent, directions)
        results.append(grads)
    for i, (g64, g32) in enumerate(zip(*results)):
        assert g32.dtype == np.float32, "order %d derivative of input %d is %s" % (
            k + 1, i, g32.dtype)
        scale = np.linalg.norm(g64)
        error = np.linalg.norm(g32.astype("float64") - g64)
        assert error <= rtol * scale + 1e-5, (
            "order %d derivative of input %d in float32 is off by %.3g (norm %.3g)"
            % (k + 1, i, error, scale))


@_on_test_context
def check_float32(case):
    """check_float32_of for a Case, at its highest order."""
    inputs, _ = imperative(case)
    check_float32_of(lambda dtype: imperative(case, dtype)[1], inputs, max(case.orders) - 1,
                     case.seed)


@_on_test_context
def first_order_grads(cases):
    """{case name: [gradient bytes per input]} of every case, in this process."""
    results = {}
    for case in cases:
        inputs, fn = imperative(case)
        xs = [mx.nd.array(a, dtype="float64") for a in inputs]
        for x in xs:
            x.attach_grad()
        with mx.autograd.record():
            y = fn(*xs)
        rng = np.random.RandomState(case.seed + 1)
        y.backward(mx.nd.array(rng.uniform(-1, 1, y.shape), dtype="float64"))
        results[case.name] = [x.grad.asnumpy().tobytes() for x in xs]
    return results


def stock_first_order_grads(module_file):
    """first_order_grads of a test module's CASES under stock MXNet."""
    env = dict(os.environ, MXNET_HO_DISABLE="1")
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "harness.py"), module_file],
        env=env, check=True, stdout=subprocess.PIPE, cwd=HERE).stdout
    return pickle.loads(out)


def check_first_order_identical(module_file, cases):
    stock = stock_first_order_grads(module_file)
    ours = first_order_grads(cases)
    for case in cases:
        assert ours[case.name] == stock[case.name], (
            "first-order gradient of %s differs from stock MXNet" % case.name)


def standard_tests(module_file, cases, first_order_cases=None):
    """The four checks of every case of a test module, as pytest tests:
    test_higher_order, test_hybridized (cases with hybridize=True),
    test_first_order_bit_identical (first_order_cases, default all) and
    test_float32."""
    import pytest

    @pytest.mark.parametrize("case", cases, ids=repr)
    def test_higher_order(case):
        check_orders(case)

    @pytest.mark.parametrize("case", [c for c in cases if c.hybridize], ids=repr)
    def test_hybridized(case):
        check_hybridized(case)

    def test_first_order_bit_identical():
        check_first_order_identical(module_file,
                                    cases if first_order_cases is None else first_order_cases)

    @pytest.mark.parametrize("case", cases, ids=repr)
    def test_float32(case):
        if case.float32 is not True:
            pytest.skip(case.float32)
        check_float32(case)

    return test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32


if __name__ == "__main__":
    # Run by stock_first_order_grads in a process without mxnet-ho.
    import importlib.util

    import mxnet_ho

    assert not mxnet_ho.is_enabled(), "the stock run must not load mxnet-ho"
    sys.path.insert(0, HERE)
    spec = importlib.util.spec_from_file_location("cases_module", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.stdout.buffer.write(pickle.dumps(first_order_grads(module.CASES)))
