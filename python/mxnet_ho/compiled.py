"""Second-order quantities of a Gluon model as one cached graph each.

``mxnet_ho.functional`` differentiates imperatively: every operator of the
forward pass, the gradient and the gradient's gradient is one call through
MXNet's imperative runtime. Here the whole computation is written once as a
Symbol (``mxnet_ho.symbol.grad``), compiled into a ``CachedOp`` (static memory
plan) the first time it is asked for, and re-run with no per-operator Python or
imperative overhead:

    f = mxnet_ho.compiled.Loss(net, gluon.loss.SoftmaxCrossEntropyLoss())
    loss, grads = f.value_and_grad(x, y)
    hv = f.hvp(x, y, v)                        # H v, H = d2 mean(loss) / d params2
    h = f.hessian(x, y)                        # H itself (n x n, n parameters in all)
    jv = mxnet_ho.compiled.Model(net).jvp(x, u)     # J u, J = d net(x) / dx
    j = mxnet_ho.compiled.Model(net).jacobian(x)    # J, shaped net(x).shape + x.shape

For a computation of your own (a whole WGAN-GP critic step, say), build its
Symbol with ``mxnet_ho.symbol.grad`` and run it with ``Graph``.

Parameters are read when called (their current values); arrays are NDArrays in
the parameters' context and dtype. ``train_mode`` picks BatchNorm's batch or
moving statistics and whether Dropout drops; moving statistics are not
updated. Its default, True (training mode), is mxnet_ho.functional's and
MXNet's own (autograd.record, autograd.grad): the same computation gives the
same numbers here and there, and value_and_grad is the gradient a training
step uses. Pass ``train_mode=False`` for predict mode (as ``net(x)`` outside
``autograd.record``), what an evaluation of a trained model wants (influence
functions, Hessian spectra); mxnet-ho 1.9.1.1 and earlier defaulted to it
here.

Each ``Loss`` and ``Model`` keeps the graphs it built, least recently used
first out, at most ``max_graphs`` of them (``DEFAULT_MAX_GRAPHS``, 8). A
network with a fused RNN layer gets one second-order graph per sequence
length (the layer is unrolled over it), and each holds its static memory plan
(a 1-layer LSTM with 8 hidden units: about 20-40 MB a length); other networks
get one graph per quantity, whatever the shapes. ``clear()`` frees them all
and so does deleting the object; either hands the memory back to the system.
"""

import collections
import ctypes
import json

import mxnet as mx
import numpy as np
from mxnet import autograd

from . import symbol as _symbol

__all__ = ["Graph", "Loss", "Model", "DEFAULT_MAX_GRAPHS"]

_FLAGS = (("static_alloc", True), ("static_shape", True))

# How many graphs a Loss or a Model keeps unless told otherwise.
DEFAULT_MAX_GRAPHS = 8


# glibc's, from the C library the process already has (no find_library: it runs
# ldconfig in a subprocess); None where the C library has none.
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None)


def _return_freed_memory():
    """Hands the memory freed graphs held back to the system (glibc keeps freed
    blocks for reuse: without this the process's resident size does not shrink)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class _GraphCache:
    """Graphs by key, the least recently used dropped beyond `capacity`."""

    def __init__(self, capacity):
        self._graphs = collections.OrderedDict()
        self.capacity = capacity

    @property
    def capacity(self):
        return self._capacity

    @capacity.setter
    def capacity(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError("max_graphs must be a positive int, got %r" % (capacity,))
        self._capacity = capacity
        self._drop(len(self._graphs) - capacity)

    def __len__(self):
        return len(self._graphs)

    def get(self, key, build):
        """The graph `key`, built by build() when it is not kept."""
        graph = self._graphs.get(key)
        if graph is None:
            graph = self._graphs[key] = build()
            self._drop(len(self._graphs) - self._capacity)
        self._graphs.move_to_end(key)
        return graph

    def clear(self, wait=True):
        self._drop(len(self._graphs), wait)

    def _drop(self, count, wait=True):
        """Frees the `count` least recently used graphs."""
        if count <= 0:
            return
        for _ in range(count):
            self._graphs.popitem(last=False)
        if wait:
            mx.nd.waitall()  # their last runs release what they hold
        _return_freed_memory()


class Graph:
    """Runs a Symbol as one CachedOp: the parameters of `block` (by their names)
    at their current values, every other input by keyword.

        step = Graph(mx.sym.Group([loss] + grads), critic)
        outputs = step(real=x, fake=z, eps=e, train_mode=True)
    """

    def __init__(self, outputs, block=None):
        if isinstance(outputs, (list, tuple)):
            outputs = mx.sym.Group(list(outputs))
        if not isinstance(outputs, mx.sym.Symbol):
            raise TypeError(
                "outputs must be a Symbol or a list of Symbols, got %s" % type(outputs).__name__
            )
        self._names = outputs.list_inputs()
        twice = sorted({n for n in self._names if self._names.count(n) > 1})
        if twice:
            raise ValueError(
                "the symbol has several inputs named %s (composing a symbol "
                "copies its graph: pass those variables to the composition "
                "too)" % ", ".join(twice)
            )
        self._block = block
        self._op = mx.nd.CachedOp(outputs, _FLAGS)

    def __call__(self, train_mode=True, **inputs):
        params = self._block.collect_params() if self._block is not None else {}
        by_name = {p.name: p for p in params.values()}
        missing = [n for n in self._names if n not in inputs and n not in by_name]
        if missing:
            raise ValueError(
                "the graph needs inputs %s (given: %s)"
                % (", ".join(missing), ", ".join(sorted(inputs)) or "none")
            )
        args = [inputs[n] if n in inputs else by_name[n].data() for n in self._names]
        with autograd.train_mode() if train_mode else autograd.predict_mode():
            out = self._op(*args)
        return list(out) if isinstance(out, (list, tuple)) else [out]


class _Compiled:
    """Builds each graph once, on first use, and runs it as a Graph."""

    def __init__(self, block, max_graphs=None):
        if not isinstance(block, mx.gluon.HybridBlock):
            raise TypeError(
                "block must be a gluon.HybridBlock (it is traced into a Symbol), "
                "got %s" % type(block).__name__
            )
        self._block = block
        self._graphs = _GraphCache(DEFAULT_MAX_GRAPHS if max_graphs is None else max_graphs)
        self._data = mx.sym.var("data")
        self._shapes = None  # while a graph is built: the shapes it is built for
        self._fused_rnn = None
        self._output_shapes = {}  # data shape -> block(data)'s

    def _params(self):
        params = [p for p in self._block.collect_params().values() if p.grad_req != "null"]
        if not params:
            raise ValueError("the block has no trainable parameters")
        return params

    def _run(self, key, build, values, train_mode, unrolled=False):
        """The graph `key` on `values`. unrolled: second-order graphs, which
        unroll a fused RNN over the shapes of the inputs (one graph per shape)."""
        values = {name: _checked_array(value, name) for name, value in values.items()}
        shapes = None
        if unrolled and self._has_fused_rnn():
            shapes = {n: tuple(v.shape) for n, v in values.items()}
            shapes.update({p.name: tuple(p.shape) for p in self._block.collect_params().values()})
            key = (key, tuple(sorted(shapes.items())))

        def compile_graph():
            self._shapes = shapes
            try:
                return Graph(build(), self._block)
            finally:
                self._shapes = None

        return self._graphs.get(key, compile_graph)(train_mode=train_mode, **values)

    @property
    def max_graphs(self):
        """How many graphs are kept (the least recently used go first); settable."""
        return self._graphs.capacity

    @max_graphs.setter
    def max_graphs(self, capacity):
        self._graphs.capacity = capacity

    def clear(self):
        """Frees every graph built so far (each is built again when next needed)."""
        self._graphs.clear()

    def __del__(self):
        graphs = getattr(self, "_graphs", None)
        if graphs is not None and mx is not None:  # not at interpreter exit
            graphs.clear(wait=False)

    def _has_fused_rnn(self):
        if self._fused_rnn is None:
            nodes = json.loads(self._block(self._data).tojson())["nodes"]
            self._fused_rnn = any(node["op"] == "RNN" for node in nodes)
        return self._fused_rnn

    def _grad(self, heads, wrt, head_grads=None):
        return _symbol.grad(heads, wrt, head_grads=head_grads, shapes=self._shapes)

    @staticmethod
    def _check_like(vs, refs, what):
        """vs, one array per parameter in refs, each of its shape, cast to its dtype."""
        if isinstance(vs, mx.nd.NDArray) or not isinstance(vs, (list, tuple)):
            raise TypeError(
                "%s must be a list of NDArrays, one per trainable parameter (%d), got %s"
                % (what, len(refs), type(vs).__name__)
            )
        if len(vs) != len(refs):
            raise ValueError("%s has %d arrays for %d parameters" % (what, len(vs), len(refs)))
        return [
            _checked_array(v, "%s[%d]" % (what, i), r.shape, r.dtype, r.name)
            for i, (v, r) in enumerate(zip(vs, refs))
        ]

    def _output_shape(self, data):
        """block(data)'s shape: one forward pass per data shape (which also ends
        the parameters' deferred initialization)."""
        shape = self._output_shapes.get(data.shape)
        if shape is None:
            if len(self._output_shapes) >= 64:
                self._output_shapes.clear()
            shape = self._output_shapes[data.shape] = tuple(self._block(data).shape)
        return shape


def _checked_array(value, what, shape=None, dtype=None, like=None):
    """value, an NDArray (of `shape`, when given), cast to `dtype` as
    mxnet_ho.functional does; errors name `what` (and `like`, what it matches)."""
    if not isinstance(value, mx.nd.NDArray):
        raise TypeError(
            "%s must be an mxnet NDArray (mx.nd.array(...)), got %s" % (what, type(value).__name__)
        )
    if shape is not None and value.shape != tuple(shape):
        raise ValueError(
            "%s has shape %s, expected %s%s"
            % (what, value.shape, tuple(shape), " (%s)" % like if like else "")
        )
    if dtype is not None and value.dtype != dtype:
        value = value.astype(dtype)
    return value


class Loss(_Compiled):
    """mean(loss_fn(block(data), label)) and its derivatives w.r.t. the block's
    trainable parameters; at most `max_graphs` graphs kept (DEFAULT_MAX_GRAPHS)."""

    def __init__(self, block, loss_fn, max_graphs=None):
        super().__init__(block, max_graphs)
        self._loss_fn = loss_fn
        self._label = mx.sym.var("label")

    def _loss(self):
        return mx.sym.mean(self._loss_fn(self._block(self._data), self._label))

    def _grads(self):
        return self._grad(self._loss(), [p.name for p in self._params()])

    def value_and_grad(self, data, label, train_mode=True):
        """(loss, [d loss / d p for each trainable parameter p])."""
        out = self._run(
            "grad",
            lambda: [self._loss()] + self._grads(),
            {"data": data, "label": label},
            train_mode,
        )
        return out[0], out[1:]

    def hvp(self, data, label, v, train_mode=True):
        """[H v] per parameter: H the loss's Hessian, v one array per parameter."""
        params = self._params()
        v = self._check_like(v, params, "v")

        def build():
            # H v = d <grad, v> / d params: v enters as the head gradient of the
            # gradients (no inner product to form and differentiate)
            tangents = [mx.sym.var("v%d" % i) for i in range(len(params))]
            return self._grad(self._grads(), [p.name for p in params], head_grads=tangents)

        values = {"data": data, "label": label}
        values.update({"v%d" % i: a for i, a in enumerate(v)})
        return self._run("hvp", build, values, train_mode, unrolled=True)

    def vhp(self, data, label, v, train_mode=True):
        """[v^T H] per parameter (equal to H v: the Hessian of a scalar is symmetric)."""
        return self.hvp(data, label, v, train_mode)

    def hessian(self, data, label, train_mode=True):
        """H, the loss's Hessian w.r.t. all trainable parameters flattened and
        concatenated in collect_params() order: an (n, n) array, column i = H e_i,
        one run of the compiled H v graph per parameter entry (for small models)."""
        params = self._params()
        shapes = [p.shape for p in params]
        sizes = [int(np.prod(s)) for s in shapes]
        first = params[0].data()
        columns = []
        for i in range(sum(sizes)):
            e = np.zeros(sum(sizes))
            e[i] = 1
            pieces = np.split(e, np.cumsum(sizes)[:-1])
            v = [
                mx.nd.array(piece.reshape(shape), ctx=first.context, dtype=first.dtype)
                for piece, shape in zip(pieces, shapes)
            ]
            hv = self.hvp(data, label, v, train_mode)
            columns.append(mx.nd.concat(*[h.reshape((-1,)) for h in hv], dim=0))
        return mx.nd.stack(*columns, axis=1)


class Model(_Compiled):
    """block(data) and its Jacobian products w.r.t. data; at most `max_graphs`
    graphs kept (DEFAULT_MAX_GRAPHS)."""

    def vjp(self, data, u, train_mode=True):
        """u^T J, J = d block(data) / d data; u shaped like block(data)."""

        def build():
            return _symbol.grad(self._block(self._data), ["data"], head_grads=mx.sym.var("u"))

        data = _checked_array(data, "data")
        u = _checked_array(u, "u", self._output_shape(data), data.dtype, "block(data)'s")
        return self._run("vjp", build, {"data": data, "u": u}, train_mode)[0]

    def jvp(self, data, v, train_mode=True):
        """J v, J = d block(data) / d data; v shaped like data (double vjp:
        J v = d/du <u^T J, v>, in one graph)."""

        def build():
            u = mx.sym.var("u")
            (vjp,) = self._grad(self._block(self._data), ["data"], head_grads=u)
            return self._grad(vjp, ["u"], head_grads=mx.sym.var("v"))

        data = _checked_array(data, "data")
        v = _checked_array(v, "v", data.shape, data.dtype, "data's")
        u = mx.nd.zeros(self._output_shape(data), ctx=data.context, dtype=data.dtype)
        return self._run("jvp", build, {"data": data, "u": u, "v": v}, train_mode, unrolled=True)[0]

    def jacobian(self, data, train_mode=True):
        """J = d block(data) / d data, shaped block(data).shape + data.shape: one
        compiled u^T J per output entry (or J v per input entry, when the input
        has fewer entries)."""
        data = _checked_array(data, "data")
        out_shape = self._output_shape(data)
        m, n = int(np.prod(out_shape)), int(np.prod(data.shape))

        def unit(i, shape):
            e = np.zeros(int(np.prod(shape)))
            e[i] = 1
            return mx.nd.array(e.reshape(shape), ctx=data.context, dtype=data.dtype)

        if m <= n:
            rows = [self.vjp(data, unit(i, out_shape), train_mode).reshape((-1,)) for i in range(m)]
            return mx.nd.stack(*rows, axis=0).reshape(out_shape + data.shape)
        columns = [self.jvp(data, unit(i, data.shape), train_mode).reshape((-1,)) for i in range(n)]
        return mx.nd.stack(*columns, axis=1).reshape(out_shape + data.shape)
