"""Shared machinery of the rule tests, for the legacy and the NumPy interface.

A test module lists its cases as ``CASES = [Case(...), ...]``: a function of
(F, *inputs), where F is mx.nd or mx.sym so the same code runs imperatively and
hybridized, and how to draw its float64 inputs. NumPy-interface modules list
``NpCase(...)``s instead, functions of (np, *inputs) with np = mx.np or F.np,
and use the ``numpy_mode`` fixture (import it into the module). Each case is
then checked:

* ``check_orders``: check_higher_order_grad at every order in ``case.orders``;
* ``check_hybridized``: the same through a hybridized Gluon HybridLambda;
* ``check_first_order_identical``: first-order gradients of every case are
  bit-identical to stock MXNet's (computed in a subprocess with
  MXNET_HO_DISABLE=1, which loads no part of mxnet-ho); a case of an op that
  stock MXNet cannot differentiate at all (``_slice_assign``) is left out of
  the module's ``FIRST_ORDER_CASES`` and listed in ``STOCKLESS_CASES``, which
  ``check_stock_lacks_gradient`` holds to fail under stock (its order 1 is
  still checked, against central differences of the function);
* ``check_float32``: the highest order in float32 against float64.

A case whose op MXNet runs in float32 only (the CPU kernels of the interleaved
attention ops) names a ``reference``: the same function written with ops that
run in float64. The reference is then held against finite differences, and the
case's float32 derivatives (imperative and hybridized) against the reference's
float64 ones; first order is compared with stock in float32.

Every check runs on the context $MXNET_HO_TEST_CTX (cpu(0) by default).
"""

import copy
import functools
import os
import pickle
import re
import subprocess
import sys

import numpy as np

import mxnet as mx
from mxnet_ho.test_utils import HigherOrderGradError, check_higher_order_grad, higher_order_grads

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
    float32: True, or why the float32 check does not apply to the case;
    reference: for an op that runs in float32 only, fn written with ops that run
    in float64 too (see the module's docstring).
    first_order: True, or why order 1 is not the derivative of fn (a loss
    layer's gradient ignores the head): the orders above it are then checked
    against central differences of the one below (check_above_first_order).
    reseed: for a function that draws random numbers, the seed set
    (mx.random.seed) before each of its evaluations, imperative or hybridized,
    so that every evaluation draws the same numbers.
    """

    def __init__(
        self,
        name,
        fn,
        shapes,
        low=-1.0,
        high=1.0,
        orders=(2, 3),
        rtol=1e-5,
        atol=1e-7,
        eps=1e-5,
        seed=0,
        hybridize=True,
        integers=(),
        constants=(),
        float32=True,
        reference=None,
        first_order=True,
        reseed=None,
    ):
        self.name = name
        self.numpy = False  # NpCase: the NumPy interface
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
        self.first_order = first_order
        self.reseed = reseed
        self.reference = reference
        if reference is not None and float32 is True:
            self.float32 = "float32 only: test_higher_order holds it against the float64 reference"

    @property
    def dtype(self):
        """The dtype the case's own fn runs in."""
        return "float64" if self.reference is None else "float32"

    def as_reference(self):
        """The case with its reference as fn (float64)."""
        twin = copy.copy(self)
        twin.fn, twin.reference = self.reference, None
        return twin

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

    def array(self, data, dtype="float64"):
        """An array of the case's interface (mx.nd or mx.np)."""
        return (mx.np.array if self.numpy else mx.nd.array)(data, dtype=dtype)

    def module(self, F=None):
        """What the case's fn takes as its first argument: imperatively (F None)
        mx.nd or mx.np, hybridized F or F.np."""
        if F is None:
            return mx.np if self.numpy else mx.nd
        return F.np if self.numpy else F


class NpCase(Case):
    """A case of the NumPy interface: fn(np, *inputs) with np = mx.np (imperative)
    or F.np (hybridized), run under npx.set_np() (the numpy_mode fixture)."""

    def __init__(self, name, fn, shapes, low=-1.0, high=1.0, **kwargs):
        super().__init__(name, fn, shapes, low, high, **kwargs)
        self.numpy = True


POS = (0.5, 2.0)  # low, high of strictly positive inputs


def _numpy_mode():
    """mx.np semantics while a module's tests run."""
    mx.npx.set_np()
    yield
    mx.npx.reset_np()


try:
    import pytest

    numpy_mode = pytest.fixture(autouse=True, scope="module")(_numpy_mode)
except ImportError:  # the stock subprocess below needs no pytest
    numpy_mode = None


def imperative(case, dtype="float64"):
    """(differentiable inputs, a function of them alone, constants bound)."""
    arrays = case.draw()
    consts = {i: case.array(arrays[i], dtype=dtype) for i in case.constants}

    def fn(*xs):
        it = iter(xs)
        return case.fn(
            case.module(), *[consts[i] if i in consts else next(it) for i in range(len(arrays))]
        )

    return [a for i, a in enumerate(arrays) if i not in consts], reseeded(case, fn)


def reseeded(case, fn):
    """fn, seeding the random numbers before each call where the case asks it."""
    if case.reseed is None:
        return fn

    def seeded(*xs):
        mx.random.seed(case.reseed)
        return fn(*xs)

    return seeded


def _check_case_orders(case, fn, inputs):
    if case.first_order is not True:
        check_above_first_order(
            fn, inputs, case.orders, rtol=case.rtol, atol=case.atol, eps=case.eps, seed=case.seed
        )
        return
    for order in case.orders:
        check_higher_order_grad(
            fn, inputs, order=order, rtol=case.rtol, atol=case.atol, eps=case.eps, seed=case.seed
        )


@_on_test_context
def check_orders(case):
    if case.reference is not None:
        check_orders(case.as_reference())
        check_against_reference(case, lambda: imperative(case, "float32")[1])
        return
    inputs, fn = imperative(case)
    _check_case_orders(case, fn, inputs)


def check_against_reference(case, float32_fn):
    """Orders 1 to max(case.orders) of `float32_fn()` (the case in float32)
    against the case's reference in float64, as check_float32_of holds them."""
    inputs, _ = imperative(case)
    reference = case.as_reference()
    for k in range(max(case.orders)):
        check_float32_of(
            lambda dtype: imperative(reference)[1] if dtype == "float64" else float32_fn(),
            inputs,
            k,
            case.seed,
            array=case.array,
        )


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


def hybridized(case, dtype="float64"):
    """(the case's function as a hybridized Gluon block of its differentiable
    inputs in `dtype`, those inputs)."""
    arrays = case.draw()
    consts = {i: case.array(arrays[i], dtype=dtype) for i in case.constants}
    free = [i for i in range(len(arrays)) if i not in case.constants]

    def fn(F, *xs, constants):
        full, xs_it, c_it = [], iter(xs), iter(constants)
        for i in range(len(arrays)):
            full.append(next(c_it) if i in consts else next(xs_it))
        return case.fn(case.module(F), *full)

    block = _Lambda(fn, consts)
    block.initialize()
    block.cast(dtype)
    block.hybridize()  # one CachedOp (no inline_limit): mxnet-ho differentiates it
    return block, [arrays[i] for i in free]


@_on_test_context
def check_hybridized(case):
    if case.reference is not None:
        check_against_reference(case, lambda: reseeded(case, hybridized(case, "float32")[0]))
        return
    block, inputs = hybridized(case)
    _check_case_orders(case, reseeded(case, block), inputs)


@_on_test_context
def check_above_first_order(
    fn, inputs, orders=(2, 3), rtol=1e-5, atol=1e-7, eps=1e-5, seed=0, check=None
):
    """check_higher_order_grad's comparison at the given orders (>= 2) only, for
    the inputs in `check` (all by default): for cases whose stock first order is
    wrong, the k-th autograd derivative against central differences of the
    (k-1)-th, which is then the stock first derivative or ours above it. The
    inputs become arrays of the current semantics (mx.np under npx.set_np())."""
    rng = np.random.RandomState(seed)
    array = mx.np.array if mx.util.is_np_array() else mx.nd.array

    def rand_like(shape):
        return array(rng.uniform(-1.0, 1.0, shape), dtype="float64")

    xs = [array(x, dtype="float64") for x in inputs]
    with mx.autograd.pause():
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
                values.append(
                    higher_order_grads(fn, moved, k - 1, cotangent, directions, with_grads=False)[0]
                )
            numeric = (values[0] - values[1]) / (2.0 * eps)
            analytic = float((g * u.asnumpy()).sum())
            if abs(analytic - numeric) > atol + rtol * max(abs(numeric), abs(analytic)):
                raise HigherOrderGradError(
                    "order %d, input %d: autograd %.12g, numeric %.12g" % (k, i, analytic, numeric)
                )


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
        directions = [
            [array(rng.uniform(-1, 1, x.shape), dtype=dtype) for x in xs] for _ in range(k)
        ]
        _, grads = higher_order_grads(fn, xs, k, cotangent, directions)
        results.append(grads)
    for i, (g64, g32) in enumerate(zip(*results)):
        assert g32.dtype == np.float32, "order %d derivative of input %d is %s" % (
            k + 1,
            i,
            g32.dtype,
        )
        scale = np.linalg.norm(g64)
        error = np.linalg.norm(g32.astype("float64") - g64)
        assert error <= rtol * scale + 1e-5, (
            "order %d derivative of input %d in float32 is off by %.3g (norm %.3g)"
            % (k + 1, i, error, scale)
        )


@_on_test_context
def check_float32(case):
    """check_float32_of for a Case, at its highest order."""
    inputs, _ = imperative(case)
    check_float32_of(
        lambda dtype: imperative(case, dtype)[1],
        inputs,
        max(case.orders) - 1,
        case.seed,
        array=case.array,
    )


@_on_test_context
def check_hybridized_refused(case, match):
    """A higher order through the case's hybridized block raises MXNet's error,
    matching `match` (ops that have no stateless twin name themselves)."""
    import pytest

    block = hybridized(case)[0]
    x = case.array(case.draw()[0])
    x.attach_grad()
    with pytest.raises(mx.base.MXNetError, match=match):
        with mx.autograd.record():
            mx.autograd.grad(block(x), [x], create_graph=True)


def check_like_reference(fn, reference, arrays, orders=(2, 3), dtype="float32", rtol=1e-4, seed=0):
    """The derivatives of fn at the given orders against those of `reference`, a
    function computing the same values with other ops, in `dtype`: for ops whose
    stock first order fails in float64 (no central differences there)."""
    array = mx.np.array if mx.util.is_np_array() else mx.nd.array
    rng = np.random.RandomState(seed)
    xs = [array(a, dtype=dtype) for a in arrays]
    with mx.autograd.pause():
        y = fn(*xs)
    cotangent = array(rng.uniform(-1, 1, y.shape), dtype=dtype)
    directions = [
        [array(rng.uniform(-1, 1, x.shape), dtype=dtype) for x in xs] for _ in range(max(orders))
    ]
    for k in orders:
        ours = higher_order_grads(fn, xs, k - 1, cotangent, directions)[1]
        theirs = higher_order_grads(reference, xs, k - 1, cotangent, directions)[1]
        for i, (a, b) in enumerate(zip(ours, theirs)):
            scale = np.linalg.norm(b.astype("float64"))
            error = np.linalg.norm(a.astype("float64") - b)
            assert error <= rtol * scale + 1e-5, (
                "order %d derivative of input %d differs from the reference by %.3g (norm %.3g)"
                % (k, i, error, scale)
            )


@_on_test_context
def check_symbol_like_imperative(case, seed=0, with_shapes=False):
    """A case's second order through mxnet_ho.symbol.grad (the gradient of a
    symbol's gradient, bound and run) equal to autograd's, which check_orders
    holds against central differences: a symbol's gradient is built to be
    differentiated again. Constant inputs become symbol inputs not
    differentiated; with_shapes hands symbol.grad the inputs' shapes."""
    from mxnet_ho import symbol as hsym

    arrays = case.draw()
    names = ["in%d" % i for i in range(len(arrays))]
    free = [i for i in range(len(arrays)) if i not in case.constants]
    F = mx.sym
    variables = [F.var(name) for name in names]
    y = case.fn(F, *variables)
    rng = np.random.RandomState(seed)
    with mx.autograd.pause():
        shape = case.fn(mx.nd, *[mx.nd.array(a, dtype="float64") for a in arrays]).shape
    cotangent = rng.uniform(-1, 1, shape)
    directions = [rng.uniform(-1, 1, arrays[i].shape) for i in free]
    w = F.var("w")
    shapes = {name: a.shape for name, a in zip(names, arrays)} if with_shapes else None
    firsts = hsym.grad(y, [names[i] for i in free], head_grads=w, shapes=shapes)
    vs = [F.var("v%d" % i) for i in free]
    s = F.sum(firsts[0] * vs[0])
    for g, v in zip(firsts[1:], vs[1:]):
        s = s + F.sum(g * v)
    seconds = hsym.grad(s, [names[i] for i in free])
    args = {name: mx.nd.array(a, dtype="float64") for name, a in zip(names, arrays)}
    args["w"] = mx.nd.array(cotangent, dtype="float64")
    for i, d in zip(free, directions):
        args["v%d" % i] = mx.nd.array(d, dtype="float64")
    executor = F.Group(seconds).bind(mx.cpu(), args)
    symbolic = [out.asnumpy() for out in executor.forward()]
    xs = [mx.nd.array(arrays[i], dtype="float64") for i in free]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        full = list(args[name] for name in names)
        for k, i in enumerate(free):
            full[i] = xs[k]
        out = case.fn(mx.nd, *full)
        grads = mx.autograd.grad(out, xs, head_grads=args["w"], create_graph=True)
        total = sum((g * args["v%d" % i]).sum() for g, i in zip(grads, free))
    total.backward()
    for x, sym_value in zip(xs, symbolic):
        np.testing.assert_allclose(sym_value, x.grad.asnumpy(), rtol=1e-10, atol=1e-12)


@_on_test_context
def first_order_grads(cases):
    """{case name: [gradient bytes per input]} of every case, in this process."""
    results = {}
    for case in cases:
        inputs, fn = imperative(case, case.dtype)
        xs = [case.array(a, case.dtype) for a in inputs]
        for x in xs:
            x.attach_grad()
        with mx.autograd.record():
            y = fn(*xs)
        rng = np.random.RandomState(case.seed + 1)
        y.backward(case.array(rng.uniform(-1, 1, y.shape), case.dtype))
        results[case.name] = [x.grad.asnumpy().tobytes() for x in xs]
    return results


def stock_first_order_grads(module_file):
    """first_order_grads of a test module's CASES under stock MXNet."""
    env = dict(os.environ, MXNET_HO_DISABLE="1")
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "harness.py"), module_file],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        cwd=HERE,
    ).stdout
    return pickle.loads(out)


def run_isolated(module_file, case, *args, timeout=600):
    """Runs the function `case(*args)` of the test module `module_file` in a fresh
    interpreter, so that a crash fails that case by name instead of the suite."""
    directory, module = os.path.split(os.path.splitext(os.path.abspath(module_file))[0])
    code = "import sys; sys.path.insert(0, %r); import %s as t; t.%s(*%r)" % (
        directory,
        module,
        case,
        args,
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=timeout,
    )
    assert result.returncode == 0, "%s%r exited with %d:\n%s" % (
        case,
        args,
        result.returncode,
        result.stdout[-4000:],
    )


def check_first_order_identical(module_file, cases):
    """First-order gradients of `cases` bit-identical to stock MXNet's; the stock
    run computes the module's FIRST_ORDER_CASES (default CASES), which must hold
    `cases`."""
    stock = stock_first_order_grads(module_file)
    ours = first_order_grads(cases)
    for case in cases:
        assert ours[case.name] == stock[case.name], (
            "first-order gradient of %s differs from stock MXNet" % case.name
        )


@_on_test_context
def check_symbol_orders(case, order=3, seed=0):
    """A case's derivatives to `order` through mxnet_ho.symbol.grad, bound and
    run, each against central differences of the one below (order 1 against
    the function's own): for an op that autograd cannot record
    (_scatter_set_nd writes into its lhs, which an imperative call cannot give
    it while recording). Constant inputs are not differentiated."""
    from mxnet_ho import symbol as hsym

    arrays = case.draw()
    names = ["in%d" % i for i in range(len(arrays))]
    free = [i for i in range(len(arrays)) if i not in case.constants]
    variables = [mx.sym.var(name) for name in names]
    y = case.fn(mx.sym, *variables)
    rng = np.random.RandomState(seed)
    shape = y.infer_shape(**{n: a.shape for n, a in zip(names, arrays)})[1][0]
    args = {n: a for n, a in zip(names, arrays)}
    args["w"] = rng.uniform(-1, 1, shape)
    scalar = mx.sym.sum(y * mx.sym.var("w"))

    def run(s, values):
        bound = {k: mx.nd.array(v, dtype="float64") for k, v in values.items()}
        wanted = s.list_arguments()
        out = s.bind(mx.cpu(), {k: bound[k] for k in wanted}).forward()
        return [o.asnumpy() for o in out]

    for k in range(1, order + 1):
        grads = hsym.grad(scalar, [names[i] for i in free])
        values = run(mx.sym.Group(grads), args)
        for i, g in zip(free, values):
            u = rng.uniform(-1, 1, arrays[i].shape)
            shifted = []
            for sign in (1.0, -1.0):
                moved = dict(args)
                moved[names[i]] = arrays[i] + sign * case.eps * u
                shifted.append(float(run(scalar, moved)[0].sum()))
            numeric = (shifted[0] - shifted[1]) / (2 * case.eps)
            analytic = float((g * u).sum())
            assert abs(analytic - numeric) <= case.atol + case.rtol * max(
                abs(numeric), abs(analytic)
            ), "order %d derivative of input %d: symbol %.12g, numeric %.12g" % (
                k,
                i,
                analytic,
                numeric,
            )
        directed = None
        for i, g in zip(free, grads):
            name = "v%d_%d" % (k, i)
            args[name] = rng.uniform(-1, 1, arrays[i].shape)
            term = mx.sym.sum(g * mx.sym.var(name))
            directed = term if directed is None else directed + term
        scalar = directed


def check_stock_lacks_gradient(module_file, cases):
    """Each of `cases` (the module's STOCKLESS_CASES) has no first-order gradient
    under stock MXNet: its backward pass raises there, naming FGradient."""
    env = dict(os.environ, MXNET_HO_DISABLE="1")
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "harness.py"), module_file, "--stockless"],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        cwd=HERE,
    ).stdout
    errors = pickle.loads(out)
    for case in cases:
        assert errors[case.name] is not None, "stock MXNet differentiates %s" % case.name
        assert "FGradient" in errors[case.name], errors[case.name]


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
        check_first_order_identical(
            module_file, cases if first_order_cases is None else first_order_cases
        )

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
    if sys.argv[2:] == ["--stockless"]:
        errors = {}
        for case in module.STOCKLESS_CASES:
            try:
                first_order_grads([case])
                errors[case.name] = None
            except mx.base.MXNetError as e:
                errors[case.name] = str(e)
        sys.stdout.buffer.write(pickle.dumps(errors))
        sys.exit(0)
    cases = getattr(module, "FIRST_ORDER_CASES", module.CASES)
    if any(case.numpy for case in cases):
        mx.npx.set_np()
    sys.stdout.buffer.write(pickle.dumps(first_order_grads(cases)))
