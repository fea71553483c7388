"""Higher orders through ``mx.autograd.Function``.

A Function records one ``_CustomFunction`` node, whose stock gradient runs the
user's ``backward`` on MXNet's custom-op thread, on bare arrays: its operators
are not recorded, so a gradient made under ``create_graph`` cannot be
differentiated again. First order is left exactly as it is (the same node, the
same callback, the same kernels). Under ``create_graph`` the library's gradient
of ``_CustomFunction`` asks this module, on the thread running the backward
pass, to trace the Function's ``backward`` while recording: on placeholders
for the head gradients and for each saved tensor that is an input or an output
of ``forward`` (found by identity when the Function was called). The library
rebuilds the traced operators over the node's heads, inputs and outputs, so the
gradient is the user's backward as written (as in PyTorch): its derivative is
the derivative of that backward, whether or not it is the true derivative of
``forward``, and a saved output differentiates through the Function again.

Two things are needed from Python: the Function behind a recorded node
(``_LIB.MXCustomFunctionRecord`` is wrapped to learn the MXCallbackList each
call hands MXNet, which the library reads back from the node) and the trace.
``install()`` checks on one Function that the library finds that list.
"""

import ctypes
import json
import threading
import warnings
import weakref

from . import _native

_TRACER_TYPE = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.POINTER(ctypes.c_int),
    ctypes.POINTER(ctypes.c_int),
)

_installed = False
_lib = None
_tracer = None  # the ctypes callback, kept alive
_kept = []  # the last traced symbol, alive until the library has read it
_recording = threading.local()  # the context list of the Function being recorded
# MXCallbackList address -> weak reference to the Function recorded with it.
_functions = {}


def _declare(lib):
    lib.MXHOSetFunctionTracer.restype = None
    lib.MXHOSetFunctionTracer.argtypes = [ctypes.c_void_p]
    lib.MXHOSetFunctionError.restype = None
    lib.MXHOSetFunctionError.argtypes = [ctypes.c_char_p]
    lib.MXHOCustomFunctionOfSymbol.restype = ctypes.c_void_p
    lib.MXHOCustomFunctionOfSymbol.argtypes = [ctypes.c_void_p]
    return lib


class _RecordWithContext:
    """MXCustomFunctionRecord that first notes the MXCallbackList it is given."""

    def __init__(self, record):
        self._record = record

    def __call__(self, num_inputs, inputs, num_outputs, outputs, callbacks):
        _recording.context = getattr(callbacks, "_obj", None)
        return self._record(num_inputs, inputs, num_outputs, outputs, callbacks)


def _remember(function, inputs, outputs, context):
    """Notes, for the trace, which saved tensors are inputs (j) or outputs (-1-k)."""
    roles = []
    for saved in function.saved_tensors:
        role = next((j for j, x in enumerate(inputs) if saved is x), None)
        if role is None:
            role = next((-1 - k for k, y in enumerate(outputs) if saved is y), None)
        roles.append(role)
    heads = [(y.shape, y.dtype, y.context) for y in outputs]
    function._mxnet_ho_trace = (roles, heads, len(inputs))
    key = ctypes.addressof(context)

    def forget(ref, key=key):
        if _functions.get(key) is ref:
            del _functions[key]

    _functions[key] = weakref.ref(function, forget)


def _wrap_call(function_class):
    call = function_class.__call__

    def __call__(self, *inputs):
        import mxnet as mx

        if any(isinstance(x, mx.sym.Symbol) for x in inputs):
            raise TypeError(
                "%s cannot run in a hybridized block: its forward and backward are "
                "imperative Python code, which a symbol cannot hold; call it outside the "
                "block, or use the block without hybridize()" % _name(self)
            )
        _recording.context = None
        outputs = call(self, *inputs)
        context, _recording.context = getattr(_recording, "context", None), None
        if context is not None:
            single = not isinstance(outputs, (list, tuple))
            _remember(self, inputs, (outputs,) if single else tuple(outputs), context)
        return outputs

    __call__.__wrapped__ = call
    function_class.__call__ = __call__


def _name(function):
    return "autograd.Function %s" % type(function).__name__


def _has_graph(array):
    import mxnet as mx

    try:
        mx.autograd.get_symbol(array)
    except mx.base.MXNetError:
        return False
    return True


def _traced_backward(function, num_inputs, num_outputs):
    """(symbol, gradient flags, saved roles): the backward run while recording on
    placeholders; the symbol's outputs are the nonzero gradients, the head
    placeholders, then the saved placeholders (one per role)."""
    import mxnet as mx

    if not hasattr(function, "_mxnet_ho_trace"):
        raise RuntimeError("mxnet-ho: %s was not recorded through mxnet-ho" % _name(function))
    roles, heads_meta, recorded_inputs = function._mxnet_ho_trace
    if recorded_inputs != num_inputs or len(heads_meta) != num_outputs:
        raise RuntimeError("mxnet-ho: %s's node does not match its call" % _name(function))
    heads = [mx.nd.ones(shape, ctx=ctx, dtype=dtype) for shape, dtype, ctx in heads_meta]
    saved = function.saved_tensors
    placeholders = {}  # role -> placeholder
    for array, role in zip(saved, roles):
        if role is not None and role not in placeholders:
            placeholders[role] = array.copy()
    for array in heads + list(placeholders.values()):
        array.attach_grad(grad_req="null")
    function.saved_tensors = tuple(
        array if role is None else placeholders[role] for array, role in zip(saved, roles)
    )
    try:
        with mx.autograd.record(train_mode=mx.autograd.is_training()):
            grads = function.backward(*heads)
    except Exception as error:
        raise RuntimeError(
            "mxnet-ho: the backward of %s raised under create_graph: %s: %s"
            % (_name(function), type(error).__name__, error)
        ) from error
    finally:
        function.saved_tensors = saved
    grads = (grads,) if isinstance(grads, mx.nd.NDArray) else tuple(grads)
    if len(grads) != num_inputs:
        raise RuntimeError(
            "mxnet-ho: the backward of %s returned %d arrays for %d inputs"
            % (_name(function), len(grads), num_inputs)
        )
    variables = [mx.autograd.get_symbol(a) for a in heads + list(placeholders.values())]
    known = {v.name for v in variables}
    symbols, flags = [], []
    for j, grad in enumerate(grads):
        if not isinstance(grad, mx.nd.NDArray):
            raise RuntimeError(
                "mxnet-ho: the backward of %s returned %s for input %d, not an NDArray"
                % (_name(function), type(grad).__name__, j)
            )
        if not _has_graph(grad):
            if (grad != 0).sum().asscalar() == 0:
                flags.append(0)  # zeros: no gradient flows to input j
                continue
            raise RuntimeError(
                "mxnet-ho: the backward of %s returns, for input %d, an array that depends on "
                "no head gradient and no saved input or output; under create_graph such a "
                "constant cannot be part of the gradient graph" % (_name(function), j)
            )
        symbol = mx.autograd.get_symbol(grad)
        unknown = [name for name in symbol.list_arguments() if name not in known]
        if unknown:
            raise RuntimeError(
                "mxnet-ho: the backward of %s reads an array that is neither a head gradient "
                "nor a saved input or output of forward (a saved intermediate, an attribute, a "
                "global); under create_graph its gradient path is unknown: save the inputs or "
                "outputs it comes from and recompute it in backward" % _name(function)
            )
        if any(node["op"] == "_CustomFunction" for node in json.loads(symbol.tojson())["nodes"]):
            raise RuntimeError(
                "mxnet-ho: the backward of %s calls another autograd.Function, whose node "
                "keeps per-call state that a recorded gradient graph cannot hold; under "
                "create_graph write that part with NDArray operators" % _name(function)
            )
        symbols.append(symbol)
        flags.append(1)
    group = mx.sym.Group(symbols + variables)
    return group, flags, list(placeholders)


def _trace(key, num_inputs, num_outputs, symbol_out, roles_out, num_saved_out):
    try:
        ref = _functions.get(key)
        function = ref() if ref is not None else None
        if function is None:
            raise RuntimeError("mxnet-ho: the autograd.Function of this node is gone")
        group, flags, saved_roles = _traced_backward(function, num_inputs, num_outputs)
    except Exception as error:  # the library raises it as MXNet's error
        _lib.MXHOSetFunctionError(str(error).encode("utf-8", "replace"))
        return -1
    _kept[:] = [group]
    symbol_out[0] = group.handle.value
    for j, flag in enumerate(flags):
        roles_out[j] = flag
    for s, role in enumerate(saved_roles):
        roles_out[num_inputs + s] = role
    num_saved_out[0] = len(saved_roles)
    return 0


def _self_check(lib):
    """The library finds, in a recorded _CustomFunction node, the Function's list."""
    import mxnet as mx

    class _Square(mx.autograd.Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x * x

        def backward(self, dy):
            (x,) = self.saved_tensors
            return 2 * x * dy

    x = mx.nd.ones((1,))
    x.attach_grad()
    with mx.autograd.record():
        y = _Square()(x)
    recorded = mx.autograd.get_symbol(y)  # alive through the call
    found = lib.MXHOCustomFunctionOfSymbol(recorded.handle)
    ref = _functions.get(found) if found else None
    return ref is not None and isinstance(ref(), _Square)


def install() -> None:
    """Wraps Function.__call__ and MXCustomFunctionRecord (once), checks on one
    Function that the library reads recorded nodes, and only then hands the
    library the tracer; idempotent. Without it, Functions stay first order."""
    global _installed, _lib, _tracer
    if _installed:
        return
    import mxnet as mx

    lib = _lib = _declare(_native.load())
    if not hasattr(mx.autograd.Function.__call__, "__wrapped__"):
        mx.base._LIB.MXCustomFunctionRecord = _RecordWithContext(
            mx.base._LIB.MXCustomFunctionRecord
        )
        _wrap_call(mx.autograd.Function)
    if not _self_check(lib):
        warnings.warn(
            "mxnet-ho cannot read recorded autograd.Function nodes in this MXNet build: "
            "custom Functions stay first order",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    _tracer = _TRACER_TYPE(_trace)
    lib.MXHOSetFunctionTracer(ctypes.cast(_tracer, ctypes.c_void_p))
    _installed = True
