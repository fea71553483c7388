"""Functional higher-order autograd for MXNet, after torch.autograd.functional.

Every function takes ``func`` (NDArrays -> NDArray or tuple of NDArrays) and
``inputs`` (an NDArray or a tuple of them) and returns results shaped as in
PyTorch: a single NDArray where PyTorch returns a Tensor for a Tensor input, a
tuple where it returns a tuple.

    vjp(func, inputs, v=None, create_graph=False)  -> (outputs, v^T J)
    jvp(func, inputs, v=None, create_graph=False)  -> (outputs, J v)
    hvp(func, inputs, v, create_graph=False)       -> (output, H v)
    vhp(func, inputs, v, create_graph=False)       -> (output, v^T H)
    grad(func, inputs, create_graph=False)         -> d func / d inputs (scalar func)
    jacobian(func, inputs, create_graph=False)     -> J, shape output.shape + input.shape
    hessian(func, inputs, create_graph=False)      -> H, shape input.shape + input.shape

Inputs are differentiated at their current values: each is replaced by a copy
marked for autograd, except arrays that already are autograd variables (for
example a Gluon block's parameters, ``param.data()``), which are used as they
are. An input the output does not depend on gets a zero gradient, where stock
MXNet raises "Cannot differentiate with respect to the k-th variable because it
is unreachable". ``jvp`` uses the double-vjp trick: J v = d/du <J^T u, v>, which
needs the gradients of backward operators that mxnet-ho provides.
"""
import mxnet as mx
from mxnet import autograd, nd

__all__ = ["vjp", "jvp", "hvp", "vhp", "grad", "jacobian", "hessian"]

_NO_PATH = ("because it is unreachable", "There are no inputs in computation graph",
            "does not require gradient")


def _as_tuple(x, what):
    if isinstance(x, nd.NDArray):
        return (x,), False
    if isinstance(x, (tuple, list)) and all(isinstance(e, nd.NDArray) for e in x):
        return tuple(x), True
    raise TypeError("%s must be an NDArray or a tuple of NDArrays, got %s"
                    % (what, type(x).__name__))


def _prepare(inputs):
    xs, is_tuple = _as_tuple(inputs, "inputs")
    prepared = []
    for x in xs:
        if x.grad is not None:
            prepared.append(x)  # already an autograd variable (e.g. a parameter)
        else:
            y = x.copy()
            y.attach_grad()
            prepared.append(y)
    return tuple(prepared), is_tuple


def _check_like(vs, refs, what):
    if len(vs) != len(refs):
        raise ValueError("%s has %d entries for %d arrays" % (what, len(vs), len(refs)))
    for i, (v, r) in enumerate(zip(vs, refs)):
        if v.shape != r.shape:
            raise ValueError("%s[%d] has shape %s, expected %s" % (what, i, v.shape, r.shape))


def _grads(outputs, variables, head_grads, create_graph):
    """d <outputs, head_grads> / d variables, zeros where there is no path."""
    try:
        return list(autograd.grad(list(outputs), list(variables), head_grads=list(head_grads),
                                  create_graph=create_graph, retain_graph=True))
    except mx.base.MXNetError as error:
        if not any(m in str(error) for m in _NO_PATH):
            raise
    result = []
    for x in variables:
        try:
            (g,) = autograd.grad(list(outputs), [x], head_grads=list(head_grads),
                                 create_graph=create_graph, retain_graph=True)
        except mx.base.MXNetError as error:
            if not any(m in str(error) for m in _NO_PATH):
                raise
            g = nd.zeros_like(x)
        result.append(g)
    return result


def _inner(arrays, others):
    """sum_i <arrays[i], others[i]> as a differentiable (1,)-shaped array. A dot
    of the flattened arrays: MXNet's full-array `sum` runs on one thread (about
    13x slower than this dot for a 256x784 weight on 2 cores)."""
    return sum(nd.dot(a.reshape((-1,)), b.reshape((-1,))) for a, b in zip(arrays, others))


def _ones_for_scalar(outputs, what):
    for out in outputs:
        if out.size != 1:
            raise ValueError("%s is needed when func returns a non-scalar (shape %s)"
                             % (what, out.shape))
    return [nd.ones_like(o) for o in outputs]


def _detach(arrays, create_graph):
    return arrays if create_graph else [a.detach() for a in arrays]


def _pack(arrays, is_tuple):
    return tuple(arrays) if is_tuple else arrays[0]


def vjp(func, inputs, v=None, create_graph=False):
    """(func(inputs), v^T J). v may be omitted when func returns a scalar."""
    xs, in_tuple = _prepare(inputs)
    with autograd.record():
        outs, out_tuple = _as_tuple(func(*xs), "func's output")
        vs = _ones_for_scalar(outs, "v") if v is None else list(_as_tuple(v, "v")[0])
        _check_like(vs, outs, "v")
        grads = _grads(outs, xs, vs, create_graph)
    return (_pack(_detach(list(outs), create_graph), out_tuple),
            _pack(_detach(grads, create_graph), in_tuple))


def jvp(func, inputs, v=None, create_graph=False):
    """(func(inputs), J v). v may be omitted when inputs is a single scalar."""
    xs, in_tuple = _prepare(inputs)
    vs = _ones_for_scalar(xs, "v") if v is None else list(_as_tuple(v, "v")[0])
    _check_like(vs, xs, "v")
    with autograd.record():
        outs, out_tuple = _as_tuple(func(*xs), "func's output")
        us = []
        for out in outs:
            u = nd.zeros_like(out)
            u.attach_grad()
            us.append(u)
        # J^T u = d<outputs, u>/dx is linear in u; its gradient in u along v is J v.
        # (u enters the recorded graph, not as head gradients, which MXNet
        # treats as constants.)
        paired = _inner(outs, us)
        jt_u = _grads([paired], xs, [nd.ones_like(paired)], create_graph=True)
        inner = _inner(jt_u, vs)
        jv = _grads([inner], us, [nd.ones_like(inner)], create_graph)
    return (_pack(_detach(list(outs), create_graph), out_tuple),
            _pack(_detach(jv, create_graph), out_tuple))


def _scalar_output(func, xs):
    outs, _ = _as_tuple(func(*xs), "func's output")
    if len(outs) != 1 or outs[0].size != 1:
        raise ValueError("func must return a single scalar NDArray, got shape %s"
                         % ([o.shape for o in outs],))
    return outs[0]


def hvp(func, inputs, v, create_graph=False):
    """(func(inputs), H v) for a scalar func."""
    xs, in_tuple = _prepare(inputs)
    vs = list(_as_tuple(v, "v")[0])
    _check_like(vs, xs, "v")
    with autograd.record():
        out = _scalar_output(func, xs)
        gs = _grads([out], xs, [nd.ones_like(out)], create_graph=True)
        inner = _inner(gs, vs)
        hv = _grads([inner], xs, [nd.ones_like(inner)], create_graph)
    return _detach([out], create_graph)[0], _pack(_detach(hv, create_graph), in_tuple)


def vhp(func, inputs, v, create_graph=False):
    """(func(inputs), v^T H) for a scalar func (equal to H v: H is symmetric)."""
    return hvp(func, inputs, v, create_graph)


def grad(func, inputs, create_graph=False):
    """The gradient of a scalar func."""
    return vjp(func, inputs, None, create_graph)[1]


def jacobian(func, inputs, create_graph=False):
    """J[i][j] = d output_i / d input_j, shaped output_i.shape + input_j.shape;
    a single NDArray when both are single, else nested tuples as in PyTorch."""
    xs, in_tuple = _prepare(inputs)
    with autograd.record():
        outs, out_tuple = _as_tuple(func(*xs), "func's output")
    rows = []
    for out in outs:
        per_input = [[] for _ in xs]
        for k in range(out.size):
            onehot = nd.zeros((out.size,), dtype=out.dtype)
            onehot[k] = 1
            head = onehot.reshape(out.shape)
            with autograd.record():
                gs = _grads([out], xs, [head], create_graph)
            for j, g in enumerate(gs):
                per_input[j].append(g)
        blocks = []
        for j, x in enumerate(xs):
            stacked = nd.stack(*per_input[j]) if per_input[j] else nd.zeros((0,) + x.shape)
            blocks.append(stacked.reshape(out.shape + x.shape))
        rows.append(_pack(_detach(blocks, create_graph), in_tuple))
    return _pack(rows, out_tuple)


def hessian(func, inputs, create_graph=False):
    """H[i][j] = d^2 func / d input_i d input_j for a scalar func."""
    xs, in_tuple = _prepare(inputs)

    def gradient(*args):
        out = _scalar_output(func, args)
        return tuple(_grads([out], args, [nd.ones_like(out)], create_graph=True))

    return jacobian(lambda *a: gradient(*a) if in_tuple else gradient(*a)[0],
                    xs if in_tuple else xs[0], create_graph)
