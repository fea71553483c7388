"""Functional higher-order autograd for MXNet, after torch.autograd.functional.

Every function takes ``func`` (NDArrays -> NDArray or tuple of NDArrays) and
``inputs`` (an NDArray or a tuple of them) and returns results shaped as in
PyTorch: a single NDArray where PyTorch returns a Tensor for a Tensor input, a
tuple where it returns a tuple.

    vjp(func, inputs, v=None, create_graph=False, train_mode=True)  -> (outputs, v^T J)
    jvp(func, inputs, v=None, create_graph=False, train_mode=True)  -> (outputs, J v)
    hvp(func, inputs, v, create_graph=False, train_mode=True)       -> (output, H v)
    vhp(func, inputs, v, create_graph=False, train_mode=True)       -> (output, v^T H)
    grad(func, inputs, create_graph=False, train_mode=True)         -> d func / d inputs
    jacobian(func, inputs, create_graph=False, train_mode=True)     -> J
    hessian(func, inputs, create_graph=False, train_mode=True)      -> H

``train_mode`` is the mode func runs in and is differentiated in, as in
``autograd.record(train_mode=...)`` and ``autograd.grad(train_mode=...)``; the
default, True, is autograd.record's. With ``train_mode=False`` (an evaluation:
influence functions, Hessian spectra, Laplace approximations) Dropout is the
identity and BatchNorm uses and keeps its moving statistics, as ``net(x)``
outside ``autograd.record`` does (PyTorch: ``model.eval()``). The surrounding
``autograd.predict_mode()`` or ``train_mode()`` does not change it: pass it.

Inputs are differentiated at their current values: each is replaced by a copy
marked for autograd, except arrays that already are autograd variables (for
example a Gluon block's parameters, ``param.data()``), which are used as they
are. An input the output does not depend on gets a zero gradient (as does
every input of an output that depends on none), where stock MXNet raises
"Cannot differentiate with respect to the k-th variable because it is
unreachable". ``jvp`` uses the double-vjp trick: J v = d/du <J^T u, v>, which
needs the gradients of backward operators that mxnet-ho provides.

Arrays may be legacy ``mx.nd`` arrays or, under ``npx.set_np()``, ``mx.np``
arrays; results come in the kind of array they correspond to. A ``v`` of
another dtype than the array it pairs with is cast to that dtype (float16
inputs are differentiated in float16, as MXNet computes them). Arrays with no
elements are allowed (their gradients and Jacobian blocks are empty).
"""

from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

import mxnet as mx
from mxnet import autograd, nd

__all__ = ["vjp", "jvp", "hvp", "vhp", "grad", "jacobian", "hessian"]

# An mx.nd.NDArray or mx.np.ndarray; Arrays: one, or a tuple or list of them (the
# results then come as a tuple).
Array = Any
Arrays = Union[Array, Sequence[Array]]
Function = Callable[..., Arrays]

_NO_PATH = (
    "because it is unreachable",
    "There are no inputs in computation graph",
    "does not require gradient",
    # an output computed from no recorded array (a constant): func is run
    # under autograd.record, so this is no path either
    "Cannot differentiate node because it is not in a computational graph",
)


def _is_np(x):
    return isinstance(x, mx.numpy.ndarray)


def _legacy(x):
    """x as a legacy NDArray sharing its data and autograd history."""
    return x.as_nd_ndarray() if _is_np(x) else x


def _kind_of(x, like):
    """x (legacy or mx.np) as the kind of array `like` is, sharing its data."""
    if _is_np(like):
        return x if _is_np(x) else x.as_np_ndarray()
    return x.as_nd_ndarray() if _is_np(x) else x


def _as_tuple(x, what):
    if isinstance(x, nd.NDArray):  # mx.np.ndarray is a subclass
        return (x,), False
    if isinstance(x, (tuple, list)) and x and all(isinstance(e, nd.NDArray) for e in x):
        return tuple(x), True
    raise TypeError(
        "%s must be an NDArray (or mx.np.ndarray) or a non-empty tuple of them, "
        "got %s" % (what, type(x).__name__)
    )


def _prepare(inputs):
    xs, is_tuple = _as_tuple(inputs, "inputs")
    for i, x in enumerate(xs):
        if _is_np(x) and not mx.util.is_np_array():
            raise ValueError(
                "inputs%s is an mx.np.ndarray, which needs MXNet's NumPy mode: call "
                "mxnet.npx.set_np() first (or pass mx.nd arrays)" % ("[%d]" % i if is_tuple else "")
            )
    prepared = []
    for x in xs:
        if x.grad is not None:
            prepared.append(x)  # already an autograd variable (e.g. a parameter)
        else:
            y = x.copy()
            y.attach_grad()
            prepared.append(y)
    return tuple(prepared), is_tuple


def _check_like(vs, refs, what, refs_what):
    """vs, one per ref, each of its ref's shape; cast to its dtype and kind."""
    if len(vs) != len(refs):
        raise ValueError("%s has %d entries for %d %s" % (what, len(vs), len(refs), refs_what))
    checked = []
    for i, (v, r) in enumerate(zip(vs, refs)):
        if v.shape != r.shape:
            raise ValueError(
                "%s[%d] has shape %s, but %s[%d] has shape %s"
                % (what, i, v.shape, refs_what, i, r.shape)
            )
        v = _legacy(v)
        if v.dtype != r.dtype:
            v = v.astype(r.dtype)
        checked.append(v)
    return checked


def _grads(outputs, variables, head_grads, create_graph, train_mode):
    """d <outputs, head_grads> / d variables (legacy arrays), zeros where there is
    no path."""
    outputs = [_legacy(o) for o in outputs]
    head_grads = [_legacy(h) for h in head_grads]
    if all(o.size == 0 for o in outputs) or all(x.size == 0 for x in variables):
        return [nd.zeros(x.shape, dtype=x.dtype) for x in variables]
    try:
        return [
            _legacy(g)
            for g in autograd.grad(
                outputs,
                list(variables),
                head_grads=head_grads,
                create_graph=create_graph,
                retain_graph=True,
                train_mode=train_mode,
            )
        ]
    except mx.base.MXNetError as error:
        if not any(m in str(error) for m in _NO_PATH):
            raise
    result = []
    for x in variables:
        try:
            (g,) = autograd.grad(
                outputs,
                [x],
                head_grads=head_grads,
                create_graph=create_graph,
                retain_graph=True,
                train_mode=train_mode,
            )
            g = _legacy(g)
        except mx.base.MXNetError as error:
            if not any(m in str(error) for m in _NO_PATH):
                raise
            g = nd.zeros(x.shape, dtype=x.dtype)
        result.append(g)
    return result


def _dot(a, b):
    """<a, b> of vectors, (1,)-shaped. `dot` has no float16 CPU kernel."""
    if a.dtype in (np.float32, np.float64) or a.context.device_type == "gpu":
        return nd.dot(a, b)
    return (a * b).sum()


def _inner(arrays, others):
    """sum_i <arrays[i], others[i]> as a differentiable (1,)-shaped legacy array. A
    dot of the flattened arrays: MXNet's full-array `sum` runs on one thread
    (about 13x slower than this dot for a 256x784 weight on 2 cores). Pairs
    with no elements add nothing."""
    terms = [
        _dot(_legacy(a).reshape((-1,)), _legacy(b).reshape((-1,)))
        for a, b in zip(arrays, others)
        if a.size > 0
    ]
    if not terms:
        ref = _legacy(arrays[0])
        return nd.zeros((1,), dtype=ref.dtype)
    return sum(terms[1:], terms[0])


def _ones_for_scalar(outputs, what):
    for out in outputs:
        if out.size != 1:
            raise ValueError(
                "%s is needed when func returns a non-scalar (shape %s)" % (what, out.shape)
            )
    return [nd.ones(o.shape, dtype=o.dtype) for o in outputs]


def _finish(arrays, likes, create_graph):
    """Results, detached unless create_graph, in the kind of array of `likes`."""
    return [_kind_of(a if create_graph else a.detach(), like) for a, like in zip(arrays, likes)]


def _pack(arrays, is_tuple):
    return tuple(arrays) if is_tuple else arrays[0]


def vjp(
    func: Function,
    inputs: Arrays,
    v: Optional[Arrays] = None,
    create_graph: bool = False,
    train_mode: bool = True,
) -> Tuple[Arrays, Arrays]:
    """(func(inputs), v^T J). v may be omitted when func returns a scalar."""
    xs, in_tuple = _prepare(inputs)
    with autograd.record(train_mode=train_mode):
        outs, out_tuple = _as_tuple(func(*xs), "func's output")
        vs = (
            _ones_for_scalar(outs, "v")
            if v is None
            else _check_like(list(_as_tuple(v, "v")[0]), outs, "v", "outputs of func")
        )
        grads = _grads(outs, xs, vs, create_graph, train_mode)
    return (
        _pack(_finish(outs, outs, create_graph), out_tuple),
        _pack(_finish(grads, xs, create_graph), in_tuple),
    )


def jvp(
    func: Function,
    inputs: Arrays,
    v: Optional[Arrays] = None,
    create_graph: bool = False,
    train_mode: bool = True,
) -> Tuple[Arrays, Arrays]:
    """(func(inputs), J v). v may be omitted when inputs is a single scalar."""
    xs, in_tuple = _prepare(inputs)
    vs = (
        _ones_for_scalar(xs, "v")
        if v is None
        else _check_like(list(_as_tuple(v, "v")[0]), xs, "v", "inputs")
    )
    with autograd.record(train_mode=train_mode):
        outs, out_tuple = _as_tuple(func(*xs), "func's output")
        if all(o.size == 0 for o in outs) or all(x.size == 0 for x in xs):
            jv = [nd.zeros(o.shape, dtype=o.dtype) for o in outs]
            return (
                _pack(_finish(outs, outs, create_graph), out_tuple),
                _pack(_finish(jv, outs, create_graph), out_tuple),
            )
        us = []
        for out in outs:
            u = nd.zeros(out.shape, dtype=out.dtype)
            u.attach_grad()
            us.append(u)
        # J^T u = d<outputs, u>/dx is linear in u; its gradient in u along v is J v.
        # (u enters the recorded graph, not as head gradients, which MXNet
        # treats as constants.)
        paired = _inner(outs, us)
        jt_u = _grads([paired], xs, [nd.ones_like(paired)], True, train_mode)
        inner = _inner(jt_u, vs)
        jv = _grads([inner], us, [nd.ones_like(inner)], create_graph, train_mode)
    return (
        _pack(_finish(outs, outs, create_graph), out_tuple),
        _pack(_finish(jv, outs, create_graph), out_tuple),
    )


def _scalar_output(func, xs):
    outs, _ = _as_tuple(func(*xs), "func's output")
    if len(outs) != 1 or outs[0].size != 1:
        raise ValueError(
            "func must return a single scalar NDArray, got shape %s" % ([o.shape for o in outs],)
        )
    return outs[0]


def hvp(
    func: Function, inputs: Arrays, v: Arrays, create_graph: bool = False, train_mode: bool = True
) -> Tuple[Array, Arrays]:
    """(func(inputs), H v) for a scalar func."""
    xs, in_tuple = _prepare(inputs)
    vs = _check_like(list(_as_tuple(v, "v")[0]), xs, "v", "inputs")
    with autograd.record(train_mode=train_mode):
        out = _scalar_output(func, xs)
        gs = _grads([out], xs, [nd.ones(out.shape, dtype=out.dtype)], True, train_mode)
        inner = _inner(gs, vs)
        hv = _grads([inner], xs, [nd.ones_like(inner)], create_graph, train_mode)
    return _finish([out], [out], create_graph)[0], _pack(_finish(hv, xs, create_graph), in_tuple)


def vhp(
    func: Function, inputs: Arrays, v: Arrays, create_graph: bool = False, train_mode: bool = True
) -> Tuple[Array, Arrays]:
    """(func(inputs), v^T H) for a scalar func (equal to H v: H is symmetric)."""
    return hvp(func, inputs, v, create_graph, train_mode)


def grad(
    func: Function, inputs: Arrays, create_graph: bool = False, train_mode: bool = True
) -> Arrays:
    """The gradient of a scalar func."""
    return vjp(func, inputs, None, create_graph, train_mode)[1]


def jacobian(
    func: Function, inputs: Arrays, create_graph: bool = False, train_mode: bool = True
) -> Any:
    """J[i][j] = d output_i / d input_j, shaped output_i.shape + input_j.shape;
    a single NDArray when both are single, else nested tuples as in PyTorch."""
    xs, in_tuple = _prepare(inputs)
    with autograd.record(train_mode=train_mode):
        outs, out_tuple = _as_tuple(func(*xs), "func's output")
    rows = []
    for out in outs:
        flat_out = _legacy(out)
        per_input = [[] for _ in xs]
        for k in range(out.size):
            onehot = nd.zeros((out.size,), dtype=out.dtype)
            onehot[k] = 1
            head = onehot.reshape(out.shape)
            with autograd.record(train_mode=train_mode):
                gs = _grads([flat_out], xs, [head], create_graph, train_mode)
            for j, g in enumerate(gs):
                per_input[j].append(g)
        blocks = []
        for j, x in enumerate(xs):
            shape = tuple(out.shape) + tuple(x.shape)
            if per_input[j] and x.size > 0:
                blocks.append(nd.stack(*per_input[j]).reshape(shape))
            else:  # no elements: zeros of that shape, made directly (reshape reads 0 as "keep")
                blocks.append(nd.zeros(shape, dtype=x.dtype))
        rows.append(_pack(_finish(blocks, xs, create_graph), in_tuple))
    return _pack(rows, out_tuple)


def hessian(
    func: Function, inputs: Arrays, create_graph: bool = False, train_mode: bool = True
) -> Any:
    """H[i][j] = d^2 func / d input_i d input_j for a scalar func."""
    xs, in_tuple = _prepare(inputs)

    def gradient(*args):
        out = _scalar_output(func, args)
        grads = _grads([out], args, [nd.ones(out.shape, dtype=out.dtype)], True, train_mode)
        return tuple(_kind_of(g, a) for g, a in zip(grads, args))

    return jacobian(
        lambda *a: gradient(*a) if in_tuple else gradient(*a)[0],
        xs if in_tuple else xs[0],
        create_graph,
        train_mode,
    )
