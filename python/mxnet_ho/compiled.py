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
moving statistics and whether Dropout drops (default: predict mode, as
``net(x)`` outside ``autograd.record``); moving statistics are not updated.
"""

import json

import mxnet as mx
import numpy as np
from mxnet import autograd

from . import symbol as _symbol

__all__ = ["Graph", "Loss", "Model"]

_FLAGS = (("static_alloc", True), ("static_shape", True))


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

    def __call__(self, train_mode=False, **inputs):
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

    def __init__(self, block):
        if not isinstance(block, mx.gluon.HybridBlock):
            raise TypeError(
                "block must be a gluon.HybridBlock (it is traced into a Symbol), "
                "got %s" % type(block).__name__
            )
        self._block = block
        self._graphs = {}
        self._data = mx.sym.var("data")
        self._shapes = None  # while a graph is built: the shapes it is built for
        self._fused_rnn = None

    def _params(self):
        params = [p for p in self._block.collect_params().values() if p.grad_req != "null"]
        if not params:
            raise ValueError("the block has no trainable parameters")
        return params

    def _run(self, key, build, values, train_mode, unrolled=False):
        """The graph `key` on `values`. unrolled: second-order graphs, which
        unroll a fused RNN over the shapes of the inputs (one graph per shape)."""
        shapes = None
        if unrolled and self._has_fused_rnn():
            shapes = {n: tuple(v.shape) for n, v in values.items()}
            shapes.update({p.name: tuple(p.shape) for p in self._block.collect_params().values()})
            key = (key, tuple(sorted(shapes.items())))
        if key not in self._graphs:
            self._shapes = shapes
            try:
                self._graphs[key] = Graph(build(), self._block)
            finally:
                self._shapes = None
        return self._graphs[key](train_mode=train_mode, **values)

    def _has_fused_rnn(self):
        if self._fused_rnn is None:
            nodes = json.loads(self._block(self._data).tojson())["nodes"]
            self._fused_rnn = any(node["op"] == "RNN" for node in nodes)
        return self._fused_rnn

    def _grad(self, heads, wrt, head_grads=None):
        return _symbol.grad(heads, wrt, head_grads=head_grads, shapes=self._shapes)

    @staticmethod
    def _check_like(vs, refs, what):
        if len(vs) != len(refs):
            raise ValueError("%s has %d arrays for %d parameters" % (what, len(vs), len(refs)))
        for i, (v, r) in enumerate(zip(vs, refs)):
            if v.shape != r.shape:
                raise ValueError(
                    "%s[%d] has shape %s, expected %s (%s)" % (what, i, v.shape, r.shape, r.name)
                )


class Loss(_Compiled):
    """mean(loss_fn(block(data), label)) and its derivatives w.r.t. the block's
    trainable parameters."""

    def __init__(self, block, loss_fn):
        super().__init__(block)
        self._loss_fn = loss_fn
        self._label = mx.sym.var("label")

    def _loss(self):
        return mx.sym.mean(self._loss_fn(self._block(self._data), self._label))

    def _grads(self):
        return self._grad(self._loss(), [p.name for p in self._params()])

    def value_and_grad(self, data, label, train_mode=False):
        """(loss, [d loss / d p for each trainable parameter p])."""
        out = self._run(
            "grad",
            lambda: [self._loss()] + self._grads(),
            {"data": data, "label": label},
            train_mode,
        )
        return out[0], out[1:]

    def hvp(self, data, label, v, train_mode=False):
        """[H v] per parameter: H the loss's Hessian, v one array per parameter."""
        params = self._params()
        v = list(v)
        self._check_like(v, params, "v")

        def build():
            # H v = d <grad, v> / d params: v enters as the head gradient of the
            # gradients (no inner product to form and differentiate)
            tangents = [mx.sym.var("v%d" % i) for i in range(len(params))]
            return self._grad(self._grads(), [p.name for p in params], head_grads=tangents)

        values = {"data": data, "label": label}
        values.update({"v%d" % i: a for i, a in enumerate(v)})
        return self._run("hvp", build, values, train_mode, unrolled=True)

    def vhp(self, data, label, v, train_mode=False):
        """[v^T H] per parameter (equal to H v: the Hessian of a scalar is symmetric)."""
        return self.hvp(data, label, v, train_mode)

    def hessian(self, data, label, train_mode=False):
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
    """block(data) and its Jacobian products w.r.t. data."""

    def vjp(self, data, u, train_mode=False):
        """u^T J, J = d block(data) / d data; u shaped like block(data)."""

        def build():
            return _symbol.grad(self._block(self._data), ["data"], head_grads=mx.sym.var("u"))

        return self._run("vjp", build, {"data": data, "u": u}, train_mode)[0]

    def jvp(self, data, v, train_mode=False):
        """J v, J = d block(data) / d data; v shaped like data (double vjp:
        J v = d/du <u^T J, v>, in one graph)."""

        def build():
            u = mx.sym.var("u")
            (vjp,) = self._grad(self._block(self._data), ["data"], head_grads=u)
            return self._grad(vjp, ["u"], head_grads=mx.sym.var("v"))

        out_shape = self._block(data).shape
        u = mx.nd.zeros(out_shape, ctx=data.context, dtype=data.dtype)
        return self._run("jvp", build, {"data": data, "u": u, "v": v}, train_mode, unrolled=True)[0]

    def jacobian(self, data, train_mode=False):
        """J = d block(data) / d data, shaped block(data).shape + data.shape: one
        compiled u^T J per output entry (or J v per input entry, when the input
        has fewer entries)."""
        out_shape = self._block(data).shape
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
