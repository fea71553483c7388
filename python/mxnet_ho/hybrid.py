"""Higher orders through hybridized blocks (CachedOp).

A hybridized Gluon block (any flags), a SymbolBlock and any ``mx.nd.CachedOp``
record one ``_CachedOp`` node. Its first-order gradient stays MXNet's own
(``_backward_CachedOp``: same kernels, same results, same speed). Under
``create_graph=True`` the native rule differentiates the block's graph op by op
instead, which needs three things only Python sees:

* the graph each CachedOp runs: ``CachedOp.__init__`` is wrapped to hand the
  symbol to the library (and ``__del__`` to forget it);
* what the forward pass drew at random (Dropout's masks, a sampler's samples),
  which a recomputation must reuse, not draw again: where the graph draws, the
  CachedOp is made to return it after the block's outputs, and
  ``CachedOp.__call__`` hides those extra outputs from its caller;
* whether the backward pass about to run was asked for ``create_graph`` and in
  which mode: every autograd entry point calls ``_LIB.MXAutogradBackwardEx``
  through ``mxnet.base._LIB``, which is wrapped to tell the library first.

``install()`` checks on a one-op CachedOp that the library finds, in a recorded
``_CachedOp`` node, the CachedOp Python created; if not, it leaves hybridized
blocks to stock MXNet and says so once.
"""

import ctypes
import warnings

from . import _native

_installed = False


def _declare(lib):
    lib.MXHORememberCachedOp.restype = ctypes.c_int
    lib.MXHORememberCachedOp.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.MXHOForgetCachedOp.restype = None
    lib.MXHOForgetCachedOp.argtypes = [ctypes.c_void_p]
    lib.MXHOCachedOpOfHandle.restype = ctypes.c_void_p
    lib.MXHOCachedOpOfHandle.argtypes = [ctypes.c_void_p]
    lib.MXHOCachedOpOfSymbol.restype = ctypes.c_void_p
    lib.MXHOCachedOpOfSymbol.argtypes = [ctypes.c_void_p]
    lib.MXHOExposeRandomOutputs.restype = ctypes.c_int
    lib.MXHOExposeRandomOutputs.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.MXHOSetBackwardMode.restype = None
    lib.MXHOSetBackwardMode.argtypes = [ctypes.c_int, ctypes.c_int]
    return lib


def _flag(value):
    """A ctypes.c_int or a Python int, as an int."""
    return int(getattr(value, "value", value))


class _BackwardWithMode:
    """MXAutogradBackwardEx that first tells the library create_graph and train_mode.

    Its arguments: heads, head handles, head-gradient handles, variables,
    variable handles, retain_graph, create_graph, is_train, gradients, storage types.
    """

    def __init__(self, lib, backward):
        self._lib = lib
        self._backward = backward

    def __call__(self, *args):
        self._lib.MXHOSetBackwardMode(_flag(args[6]), _flag(args[7]))
        try:
            return self._backward(*args)
        finally:
            self._lib.MXHOSetBackwardMode(0, 1)


def _with_random_outputs(lib, sym):
    """``sym`` with what its ops draw at random as extra outputs, or None."""
    import mxnet as mx

    handle = ctypes.c_void_p()
    if lib.MXHOExposeRandomOutputs(sym.handle, ctypes.byref(handle)) != 0 or not handle.value:
        return None  # nothing drawn (or unreadable: the rule then names the op)
    return type(sym)(mx.base.SymbolHandle(handle.value))  # a NumPy-interface symbol stays one


# Whether CachedOps return what their graphs draw (set once the self-check passed).
_returns_draws = False
# CachedOp handle -> (outputs the caller sees, outputs holding draws); CachedOp
# has __slots__, so this cannot live on the object.
_drawn_outputs = {}


def _wrap_cached_op(cached_op_class, lib):
    init, call = cached_op_class.__init__, cached_op_class.__call__
    delete = getattr(cached_op_class, "__del__", None)

    def __init__(self, sym, *args, **kwargs):
        extended = _with_random_outputs(lib, sym) if _returns_draws else None
        graph = sym if extended is None else extended
        init(self, graph, *args, **kwargs)
        if extended is not None:
            visible = len(sym.list_outputs())
            _drawn_outputs[self.handle.value] = (visible, len(extended.list_outputs()) - visible)
        # A graph the rule cannot read keeps stock behaviour (its clear error).
        lib.MXHORememberCachedOp(self.handle, graph.handle)

    def __call__(self, *args, **kwargs):
        shown = _drawn_outputs.get(self.handle.value)
        if shown is None:
            return call(self, *args, **kwargs)
        visible, drawn = shown
        out = kwargs.get("out")
        if out is not None:
            from mxnet.ndarray.ndarray import NDArray, _new_empty_handle

            given = list(out) if isinstance(out, (list, tuple)) else [out]
            kwargs["out"] = given + [NDArray(_new_empty_handle()) for _ in range(drawn)]
            call(self, *args, **kwargs)
            return out
        outputs = call(self, *args, **kwargs)
        return outputs[0] if visible == 1 else outputs[:visible]

    def __del__(self):
        if getattr(self, "handle", None) is None:
            return  # __init__ failed
        _drawn_outputs.pop(self.handle.value, None)
        lib.MXHOForgetCachedOp(self.handle)
        if delete is not None:
            delete(self)

    __init__.__wrapped__ = init
    __call__.__wrapped__ = call
    cached_op_class.__init__ = __init__
    cached_op_class.__call__ = __call__
    cached_op_class.__del__ = __del__


def _self_check(lib):
    """The library reads the CachedOp of a recorded _CachedOp node correctly."""
    import mxnet as mx

    x = mx.nd.ones((1,))
    x.attach_grad()
    # Three ops: CachedOp inlines graphs of up to inline_limit (2) ops instead.
    op = mx.nd.CachedOp(mx.sym.sin(mx.sym.cos(mx.sym.tanh(mx.sym.var("x")))))
    with mx.autograd.record():
        y = op(x)
    recorded = mx.autograd.get_symbol(y)
    found = lib.MXHOCachedOpOfSymbol(recorded.handle)
    return found is not None and found == lib.MXHOCachedOpOfHandle(op.handle)


def install() -> None:
    """Wraps CachedOp (once), checks on one CachedOp that the library reads
    recorded _CachedOp nodes, and only then wraps the backward entry point;
    idempotent. After a failed check CachedOp stays wrapped, handing the library
    each graph, which nothing reads."""
    global _installed
    if _installed:
        return
    import mxnet as mx

    lib = _declare(_native.load())
    if not hasattr(mx.nd.CachedOp.__init__, "__wrapped__"):
        _wrap_cached_op(mx.nd.CachedOp, lib)
    if not _self_check(lib):
        warnings.warn(
            "mxnet-ho cannot read hybridized graphs in this MXNet build: higher orders "
            "through hybridized blocks keep MXNet's stock behaviour",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    mx.base._LIB.MXAutogradBackwardEx = _BackwardWithMode(lib, mx.base._LIB.MXAutogradBackwardEx)
    global _returns_draws
    _returns_draws = True
    _installed = True
