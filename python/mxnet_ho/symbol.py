"""Symbolic gradients: what ``Symbol.gradient`` (``MXSymbolGrad``, "not
implemented" in MXNet 1.9.1) would give, built from differentiable operators.

    g = mxnet_ho.symbol.grad(critic_out, wrt=["data"])[0]
    penalty = mx.sym.square(mx.sym.sqrt(mx.sym.sum(mx.sym.square(g), axis=1)) - 1)

The gradients are ordinary Symbols: differentiate them again with ``grad``,
bind them (``simple_bind``, ``Module``: the executor's backward pass uses
mxnet-ho's rules), or wrap them in a ``gluon.SymbolBlock`` and hybridize it.

A gradient symbol holds MXNet's backward ops, tied to their forward ops by
control dependencies, which MXNet's MKL-DNN graph partitioner refuses
("node->control_deps.size() == 0"). ``install()`` wraps ``Symbol.bind`` and
``Symbol.simple_bind`` so that such a symbol binds without a subgraph backend
(as with ``MXNET_SUBGRAPH_BACKEND=NONE``); every other symbol binds as before.
A gradient unrolled over the shapes ``grad`` was given (a fused RNN, a
``foreach`` loop) records them, and binding it with other shapes of those
inputs raises a ValueError naming them.
"""

import ctypes
import functools
import json
import os
from typing import Dict, List, Optional, Sequence, Union

import mxnet as mx

from . import _native

__all__ = ["grad"]

_BACKEND = "MXNET_SUBGRAPH_BACKEND"
# Operators whose gradient symbol is unrolled over the shapes grad was given.
_UNROLLED = ("RNN", "_npx_rnn", "_foreach")
# The attribute of a gradient's nodes that records those shapes (JSON).
_UNROLLED_FOR = "__mxnet_ho_unrolled_for__"


def _lib():
    lib = _native.load()
    lib.MXHOSymbolGrad.restype = ctypes.c_int
    lib.MXHOSymbolGrad.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.POINTER(ctypes.c_uint32),
        ctypes.POINTER(ctypes.c_int64),
        ctypes.POINTER(ctypes.c_void_p),
    ]
    return lib


def _as_symbol(value, what):
    if isinstance(value, mx.sym.Symbol):
        return value
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, mx.sym.Symbol) for v in value)
    ):
        return mx.sym.Group(list(value))
    raise TypeError("%s must be a Symbol or a non-empty list of Symbols, got %r" % (what, value))


def _names(wrt):
    if isinstance(wrt, (str, mx.sym.Symbol)):
        wrt = [wrt]
    names = []
    for w in wrt:
        if isinstance(w, mx.sym.Symbol):
            if len(w.list_outputs()) != 1 or w.list_inputs() != [w.name]:
                raise TypeError("wrt: %s is not a variable (mx.sym.var)" % (w.name,))
            names.append(w.name)
        elif isinstance(w, str):
            names.append(w)
        else:
            raise TypeError("wrt must hold variable names or variables, got %r" % (w,))
    if not names:
        raise ValueError("wrt is empty: name at least one input variable")
    return names


def _checked_shapes(shapes):
    """shapes as {name: tuple of ints}."""
    if shapes is None:
        return {}
    if not isinstance(shapes, dict):
        raise TypeError("shapes must be a dict {input name: shape}, got %s" % type(shapes).__name__)
    checked = {}
    for name, shape in shapes.items():
        if not isinstance(shape, (tuple, list)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise ValueError(
                "shapes[%r] must be a tuple of non-negative ints, got %r" % (name, shape)
            )
        checked[str(name)] = tuple(shape)
    return checked


def _unrolls(sym):
    return any(node["op"] in _UNROLLED for node in json.loads(sym.tojson())["nodes"])


def grad(
    heads: Union[mx.sym.Symbol, Sequence[mx.sym.Symbol]],
    wrt: Union[str, mx.sym.Symbol, Sequence[Union[str, mx.sym.Symbol]]],
    head_grads: Optional[Union[mx.sym.Symbol, Sequence[mx.sym.Symbol]]] = None,
    shapes: Optional[Dict[str, Sequence[int]]] = None,
) -> List[mx.sym.Symbol]:
    """d sum_k <head_grads[k], heads[k]> / d wrt, one Symbol per variable in `wrt`.

    heads: a Symbol (a Group for several outputs) or a list of Symbols.
    wrt: variable names or variables (``mx.sym.var``), or one of them.
    head_grads: a Symbol or list of Symbols shaped like `heads` (default: ones).
    shapes: {input name: shape} for some of the symbol's inputs. A fused RNN
    (gluon.rnn.LSTM, GRU, RNN) is then differentiated unrolled over the sequence
    length they determine, so that its gradient can be differentiated again (the
    gradient symbol then holds for those shapes only); without them its gradient
    is stock's first-order kernel.
    """
    if not _native.is_active():
        raise RuntimeError(
            "mxnet_ho.symbol.grad needs mxnet-ho active (MXNET_HO_DISABLE "
            "is set, or it failed to load)"
        )
    heads = _as_symbol(heads, "heads")
    names = _names(wrt)
    head_handle = None
    if head_grads is not None:
        head_grads = _as_symbol(head_grads, "head_grads")
        if len(head_grads.list_outputs()) != len(heads.list_outputs()):
            raise ValueError(
                "head_grads has %d outputs for %d heads"
                % (len(head_grads.list_outputs()), len(heads.list_outputs()))
            )
        head_handle = head_grads.handle
    keys = (ctypes.c_char_p * len(names))(*[n.encode() for n in names])
    shapes = _checked_shapes(shapes)
    shape_names = (ctypes.c_char_p * len(shapes))(*[k.encode() for k in shapes])
    ndims = (ctypes.c_uint32 * len(shapes))(*[len(v) for v in shapes.values()])
    dims = [d for v in shapes.values() for d in v]
    dims = (ctypes.c_int64 * len(dims))(*dims)
    out = ctypes.c_void_p()
    lib = _lib()
    if (
        lib.MXHOSymbolGrad(
            heads.handle,
            len(names),
            keys,
            head_handle,
            len(shapes),
            shape_names,
            ndims,
            dims,
            ctypes.byref(out),
        )
        != 0
    ):
        raise mx.base.MXNetError("mxnet_ho.symbol.grad: %s" % lib.MXHOLastError().decode())
    gradients = mx.sym.Symbol(ctypes.cast(out, mx.base.SymbolHandle))
    result = [gradients[i] for i in range(len(names))]
    if shapes and _unrolls(heads):
        for g in result:
            g._set_attr(**{_UNROLLED_FOR: json.dumps(shapes)})
    return result


def _bound_shapes(sym, args, kwargs):
    """The shapes of the arrays Symbol.bind(ctx, args) gives `sym`'s inputs, by
    name (`args`: bind's positional arguments after ctx)."""
    arrays = kwargs.get("args", args[0] if args else None)
    if isinstance(arrays, dict):
        return {k: tuple(getattr(v, "shape", v)) for k, v in arrays.items()}
    if isinstance(arrays, (list, tuple)):
        return {k: tuple(v.shape) for k, v in zip(sym.list_arguments(), arrays)}
    return {}


def _check_unrolled_shapes(graph, bound):
    """Raises when `bound` gives an input another shape than a gradient in
    `graph` (a parsed symbol) was unrolled for."""
    for node in graph["nodes"]:
        recorded = node.get("attrs", {}).get(_UNROLLED_FOR)
        if recorded is None:
            continue
        for name, shape in json.loads(recorded).items():
            if name in bound and bound[name] != tuple(shape):
                raise ValueError(
                    "this symbol holds a gradient unrolled for %s of shape %s "
                    "(mxnet_ho.symbol.grad(..., shapes=...)), but %s is bound with shape "
                    "%s: build the gradient again with that shape"
                    % (name, tuple(shape), name, bound[name])
                )


def _without_subgraph_backend(bind, shapes_of):
    @functools.wraps(bind)
    def wrapper(self, *args, **kwargs):
        text = self.tojson()
        if _UNROLLED_FOR in text:
            _check_unrolled_shapes(json.loads(text), shapes_of(self, args, kwargs))
        if '"control_deps"' not in text:
            return bind(self, *args, **kwargs)
        before = os.environ.get(_BACKEND)
        os.environ[_BACKEND] = "NONE"  # read when the executor is made
        try:
            return bind(self, *args, **kwargs)
        finally:
            if before is None:
                del os.environ[_BACKEND]
            else:
                os.environ[_BACKEND] = before

    wrapper.__mxnet_ho__ = True
    return wrapper


def install() -> None:
    """Lets gradient symbols bind (see the module's docstring); idempotent."""
    shapes_of = {
        "bind": lambda sym, args, kwargs: _bound_shapes(sym, args[1:], kwargs),  # (ctx, args)
        "simple_bind": lambda sym, args, kwargs: {
            k: tuple(v) for k, v in kwargs.items() if isinstance(v, (tuple, list))
        },
    }
    for name in ("bind", "simple_bind"):
        method = getattr(mx.sym.Symbol, name)
        if not getattr(method, "__mxnet_ho__", False):
            setattr(mx.sym.Symbol, name, _without_subgraph_backend(method, shapes_of[name]))
