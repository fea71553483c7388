"""Functional higher-order autograd for MXNet, after torch.autograd.functional
and torch.func.

Every function takes ``func`` (its arguments -> NDArray or tuple of NDArrays)
and ``inputs`` (func's argument, or a tuple of its positional arguments) and
returns results shaped as in PyTorch: a single NDArray where PyTorch returns a
Tensor for a Tensor input, a tuple where it returns a tuple. An argument is an
NDArray or a dict (tuple, list) of them, such as a block's parameters; its
gradient comes back in the same structure.

    vjp(func, inputs, v=None, create_graph=False, train_mode=True)  -> (outputs, v^T J)
    jvp(func, inputs, v=None, create_graph=False, train_mode=True)  -> (outputs, J v)
    hvp(func, inputs, v, create_graph=False, train_mode=True)       -> (output, H v)
    vhp(func, inputs, v, create_graph=False, train_mode=True)       -> (output, v^T H)
    grad(func, inputs, create_graph=False, train_mode=True)         -> d func / d inputs
    value_and_grad(func, inputs, ...)                               -> (func(inputs), grad)
    grad_and_value(func, inputs, ...)                               -> (grad, func(inputs))
    jacobian(func, inputs, create_graph=False, train_mode=True)     -> J
    hessian(func, inputs, create_graph=False, train_mode=True)      -> H
    functional_call(block, params, *args, **kwargs)                 -> block(*args) on params

Keyword-only options, as torch.func and torch.autograd.functional have them:

* ``argnums`` (grad, value_and_grad, grad_and_value, vjp): which positional
  arguments (an int or a tuple of ints) are differentiated; the others are
  passed to func as they are, constants. An int gives that argument's gradient,
  a tuple a tuple of them; None (the default) differentiates every argument
  and shapes the result as ``inputs``, as before argnums existed (torch.func's
  default is 0).
* ``has_aux`` (the same functions): func returns ``(output, aux)``; aux comes
  back detached, otherwise unchanged: grad -> (grad, aux), value_and_grad ->
  ((value, aux), grad), grad_and_value -> (grad, (value, aux)), vjp ->
  (outputs, v^T J, aux).
* ``strict`` (all but functional_call): an input the output does not depend on
  raises ValueError naming it ("output does not depend on inputs[1]") instead
  of getting zeros; hvp, vhp and hessian also refuse a gradient that does not
  depend on an input (a zero block of the Hessian: func linear in it), and
  jacobian an output that does not depend on an input, as PyTorch's strict does.

``train_mode`` is the mode func runs in and is differentiated in, as in
``autograd.record(train_mode=...)`` and ``autograd.grad(train_mode=...)``. Its
default, True, is the same in mxnet_ho.functional and mxnet_ho.compiled: it is
MXNet's own (autograd.record and autograd.grad), the mode a Gluon block is
trained in (value_and_grad of a training loss, a MAML inner step through
functional_call), and the mode a PyTorch module is in until model.eval(), so
func differentiated here behaves as the same code recorded by hand. Keeping
it here leaves existing callers' results as they were (compiled, whose default
was predict mode, changed to it: a silent predict-mode gradient in training is
the harder mistake to notice than a noisy Hessian in an evaluation). With
``train_mode=False`` (an evaluation: influence functions, Hessian spectra,
Laplace approximations) Dropout is the identity and BatchNorm uses and keeps
its moving statistics, as ``net(x)`` outside ``autograd.record`` does
(PyTorch: ``model.eval()``). The surrounding ``autograd.predict_mode()`` or
``train_mode()`` does not change it: pass it.

``functional_call(block, params, x)`` runs a Gluon Block or HybridBlock
(hybridized or not) with the arrays of the dict ``params`` in place of its
parameters' own, so a loss of a block is a function of its parameters:
``grad(lambda p: loss(functional_call(net, p, x)), params)``, MAML's inner step
with ``create_graph=True``, influence functions' ``hvp``. A name is a key of
``block.collect_params()`` (MXNet 1.9.1's full names, "dense0_weight") or a
structured name ("0.weight", as ``_collect_params_with_prefix()``,
``save_parameters`` and PyTorch's ``named_parameters()`` spell them).

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

from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

import mxnet as mx
from mxnet import autograd, nd

from ._paths import grads_or_none

__all__ = [
    "vjp",
    "jvp",
    "hvp",
    "vhp",
    "grad",
    "value_and_grad",
    "grad_and_value",
    "jacobian",
    "hessian",
    "functional_call",
]

# An mx.nd.NDArray or mx.np.ndarray; Arrays: one, or a tuple or list of them (the
# results then come as a tuple). An argument of func may also be a dict (or a
# tuple or list) of arrays, such as a block's parameters.
Array = Any
Arrays = Union[Array, Sequence[Array]]
Function = Callable[..., Any]
ArgNums = Union[None, int, Tuple[int, ...]]


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


# -- arguments: arrays, or dicts, tuples and lists of arrays -------------------
def _leaves(tree, name):
    """[(name, array)] for every array in tree (an array, or a dict, tuple or
    list of trees), depth first, dicts in their order; names as "inputs[0]['w']"."""
    if isinstance(tree, nd.NDArray):
        return [(name, tree)]
    if isinstance(tree, dict):
        items = [("%s[%r]" % (name, k), v) for k, v in tree.items()]
    elif isinstance(tree, (tuple, list)):
        items = [("%s[%d]" % (name, i), v) for i, v in enumerate(tree)]
    else:
        raise TypeError(
            "%s must be an NDArray (or mx.np.ndarray), or a dict, tuple or list of them, "
            "got %s" % (name, type(tree).__name__)
        )
    leaves = [leaf for item_name, item in items for leaf in _leaves(item, item_name)]
    if not leaves:
        raise TypeError("%s holds no NDArray" % name)
    return leaves


def _rebuild(tree, arrays):
    """tree with its arrays replaced, in _leaves' order, by those `arrays` (an
    iterator) yields."""
    if isinstance(tree, nd.NDArray):
        return next(arrays)
    if isinstance(tree, dict):
        return {k: _rebuild(v, arrays) for k, v in tree.items()}
    return type(tree)(_rebuild(v, arrays) for v in tree)


def _variable(x, name):
    """x as an autograd variable: itself when it is one already (a parameter's
    param.data()), else a copy marked for autograd."""
    if _is_np(x) and not mx.util.is_np_array():
        raise ValueError(
            "%s is an mx.np.ndarray, which needs MXNet's NumPy mode: call "
            "mxnet.npx.set_np() first (or pass mx.nd arrays)" % name
        )
    if x.grad is not None:
        return x
    y = x.copy()
    y.attach_grad()
    return y


def _argnums(argnums, count):
    """argnums as a tuple of indices into func's `count` arguments (all of them
    for None)."""
    if argnums is None:
        return tuple(range(count))
    picked = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not picked or any(isinstance(i, bool) or not isinstance(i, int) for i in picked):
        raise TypeError("argnums must be an int or a non-empty tuple of ints, got %r" % (argnums,))
    for i in picked:
        if not -count <= i < count:
            raise ValueError("argnums %d is out of range for %d inputs" % (i, count))
    normal = tuple(i % count for i in picked)
    if len(set(normal)) != len(normal):
        raise ValueError("argnums %r names an input twice" % (argnums,))
    return normal


class _Inputs:
    """func's positional arguments, the arrays of those differentiated made
    autograd variables: `args` (to call func with), `xs` (the variables, flat)
    and `names` (each variable's, as "inputs[1]['weight']")."""

    def __init__(self, inputs, argnums=None):
        if isinstance(inputs, (tuple, list)) and inputs:
            args, self._is_tuple = list(inputs), True
        elif isinstance(inputs, (nd.NDArray, dict)):
            args, self._is_tuple = [inputs], False
        else:
            raise TypeError(
                "inputs must be an NDArray (or mx.np.ndarray), a dict of them or a "
                "non-empty tuple of them, got %s" % type(inputs).__name__
            )
        self._argnums = argnums
        self._picked = _argnums(argnums, len(args))
        self.args, self.xs, self.names = args, [], []
        for i in self._picked:
            if not isinstance(args[i], (nd.NDArray, dict, tuple, list)):
                raise TypeError(
                    "inputs must be an NDArray (or mx.np.ndarray), a dict of them or a "
                    "non-empty tuple of them; inputs[%d] is a %s" % (i, type(args[i]).__name__)
                )
            leaves = _leaves(args[i], "inputs[%d]" % i if self._is_tuple else "inputs")
            variables = [_variable(x, name) for name, x in leaves]
            args[i] = _rebuild(args[i], iter(variables))
            self.xs.extend(variables)
            self.names.extend(name for name, _ in leaves)

    def pack(self, flat):
        """`flat` (one entry per variable) shaped as the differentiated inputs: a
        tuple of them for a tuple argnums or (argnums None) tuple inputs, else one."""
        flat = iter(flat)
        trees = [_rebuild(self.args[i], flat) for i in self._picked]
        if isinstance(self._argnums, int) or (self._argnums is None and not self._is_tuple):
            return trees[0]
        return tuple(trees)

    def flat_like(self, v, what):
        """The arrays of v, given shaped as the differentiated inputs, flat (as xs)."""
        vs = [a for _, a in _leaves(v, what)]
        if len(vs) != len(self.xs):
            raise ValueError("%s has %d entries for %d inputs" % (what, len(vs), len(self.xs)))
        return vs


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


def _grads(outputs, variables, head_grads, create_graph, train_mode, strict=None):
    """d <outputs, head_grads> / d variables (legacy arrays), zeros where there is
    no path; strict, a message with a %s and the variables' names, raises
    ValueError(message % name) for the first variable without one."""
    outputs = [_legacy(o) for o in outputs]
    head_grads = [_legacy(h) for h in head_grads]
    if all(o.size == 0 for o in outputs) or all(x.size == 0 for x in variables):
        return [nd.zeros(x.shape, ctx=x.context, dtype=x.dtype) for x in variables]
    grads = grads_or_none(
        outputs,
        variables,
        head_grads=head_grads,
        create_graph=create_graph,
        retain_graph=True,
        train_mode=train_mode,
    )
    missing = [i for i, g in enumerate(grads) if g is None]
    if strict is not None and missing:
        message, names = strict
        raise ValueError(message % names[missing[0]])
    return [
        nd.zeros(x.shape, ctx=x.context, dtype=x.dtype) if g is None else _legacy(g)
        for g, x in zip(grads, variables)
    ]


def _strict(on, message, names):
    """The `strict` argument of _grads: (message, names) when on, else None."""
    return (message, names) if on else None


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
    return [nd.ones(o.shape, ctx=o.context, dtype=o.dtype) for o in outputs]


def _finish(arrays, likes, create_graph):
    """Results, detached unless create_graph, in the kind of array of `likes`."""
    return [_kind_of(a if create_graph else a.detach(), like) for a, like in zip(arrays, likes)]


def _pack(arrays, is_tuple):
    return tuple(arrays) if is_tuple else arrays[0]


def _output_names(outs, out_tuple):
    """What errors call func's outputs: "output", or "outputs[i]" for a tuple."""
    return ["outputs[%d]" % i for i in range(len(outs))] if out_tuple else ["output"]


def _call(func, args, has_aux):
    """(outputs, out_tuple, aux): func(*args)'s outputs as a tuple, whether func
    returned a tuple, and (has_aux: func returns (output, aux)) its aux, else None."""
    result = func(*args)
    aux = None
    if has_aux:
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise ValueError(
                "with has_aux=True func must return a pair (output, aux), got %s"
                % type(result).__name__
            )
        result, aux = result
    outs, out_tuple = _as_tuple(result, "func's output")
    return outs, out_tuple, aux


def _detached(aux):
    """aux with every NDArray in it (also in dicts, tuples and lists) detached;
    anything else as it is."""
    if isinstance(aux, nd.NDArray):
        return aux.detach()
    if isinstance(aux, dict):
        return {k: _detached(v) for k, v in aux.items()}
    if isinstance(aux, (tuple, list)):
        return type(aux)(_detached(v) for v in aux)
    return aux


_NOT_ON_INPUT = "output does not depend on %s"


def vjp(
    func: Function,
    inputs: Any,
    v: Optional[Arrays] = None,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    argnums: ArgNums = None,
    has_aux: bool = False,
    strict: bool = False,
) -> Tuple[Any, ...]:
    """(func(inputs), v^T J), or (func(inputs), v^T J, aux) with has_aux (func
    then returns (output, aux); aux comes back detached). v may be omitted when
    func returns a scalar. v^T J is shaped as the inputs differentiated: all of
    them (argnums None), inputs[argnums] (an int), or a tuple of those argnums
    names (a tuple); the others are passed to func as they are (constants)."""
    ins = _Inputs(inputs, argnums)
    with autograd.record(train_mode=train_mode):
        outs, out_tuple, aux = _call(func, ins.args, has_aux)
        vs = (
            _ones_for_scalar(outs, "v")
            if v is None
            else _check_like(list(_as_tuple(v, "v")[0]), outs, "v", "outputs of func")
        )
        strict_check = _strict(strict, _NOT_ON_INPUT, ins.names)
        grads = _grads(outs, ins.xs, vs, create_graph, train_mode, strict_check)
    result = (
        _pack(_finish(outs, outs, create_graph), out_tuple),
        ins.pack(_finish(grads, ins.xs, create_graph)),
    )
    return result + (_detached(aux),) if has_aux else result


def jvp(
    func: Function,
    inputs: Any,
    v: Optional[Arrays] = None,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    strict: bool = False,
) -> Tuple[Arrays, Arrays]:
    """(func(inputs), J v). v, shaped as inputs, may be omitted when inputs is a
    single scalar."""
    ins = _Inputs(inputs)
    xs = ins.xs
    vs = (
        _ones_for_scalar(xs, "v")
        if v is None
        else _check_like(ins.flat_like(v, "v"), xs, "v", "inputs")
    )
    with autograd.record(train_mode=train_mode):
        outs, out_tuple, _ = _call(func, ins.args, False)
        if all(o.size == 0 for o in outs) or all(x.size == 0 for x in xs):
            jv = [nd.zeros(o.shape, ctx=o.context, dtype=o.dtype) for o in outs]
            return (
                _pack(_finish(outs, outs, create_graph), out_tuple),
                _pack(_finish(jv, outs, create_graph), out_tuple),
            )
        us = []
        for out in outs:
            u = nd.zeros(out.shape, ctx=out.context, dtype=out.dtype)
            u.attach_grad()
            us.append(u)
        # J^T u = d<outputs, u>/dx is linear in u; its gradient in u along v is J v.
        # (u enters the recorded graph, not as head gradients, which MXNet
        # treats as constants.)
        paired = _inner(outs, us)
        strict_check = _strict(strict, _NOT_ON_INPUT, ins.names)
        jt_u = _grads([paired], xs, [nd.ones_like(paired)], True, train_mode, strict_check)
        inner = _inner(jt_u, vs)
        strict_check = _strict(
            strict, "%s does not depend on the inputs", _output_names(outs, out_tuple)
        )
        jv = _grads([inner], us, [nd.ones_like(inner)], create_graph, train_mode, strict_check)
    return (
        _pack(_finish(outs, outs, create_graph), out_tuple),
        _pack(_finish(jv, outs, create_graph), out_tuple),
    )


def _scalar_output(func, args):
    outs, _, _ = _call(func, args, False)
    if len(outs) != 1 or outs[0].size != 1:
        raise ValueError(
            "func must return a single scalar NDArray, got shape %s" % ([o.shape for o in outs],)
        )
    return outs[0]


def _gradient(func, ins, train_mode, strict):
    """(func(*ins.args), its gradient w.r.t. ins.xs, differentiable): func scalar."""
    out = _scalar_output(func, ins.args)
    ones = nd.ones(out.shape, ctx=out.context, dtype=out.dtype)
    return out, _grads(
        [out], ins.xs, [ones], True, train_mode, _strict(strict, _NOT_ON_INPUT, ins.names)
    )


def hvp(
    func: Function,
    inputs: Any,
    v: Any,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    strict: bool = False,
) -> Tuple[Array, Any]:
    """(func(inputs), H v) for a scalar func; v and H v shaped as inputs. strict
    also refuses an input the gradient does not depend on (func linear in it)."""
    ins = _Inputs(inputs)
    vs = _check_like(ins.flat_like(v, "v"), ins.xs, "v", "inputs")
    with autograd.record(train_mode=train_mode):
        out, gs = _gradient(func, ins, train_mode, strict)
        inner = _inner(gs, vs)
        strict_check = _strict(strict, "the gradient does not depend on %s", ins.names)
        hv = _grads([inner], ins.xs, [nd.ones_like(inner)], create_graph, train_mode, strict_check)
    return _finish([out], [out], create_graph)[0], ins.pack(_finish(hv, ins.xs, create_graph))


def vhp(
    func: Function,
    inputs: Any,
    v: Any,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    strict: bool = False,
) -> Tuple[Array, Any]:
    """(func(inputs), v^T H) for a scalar func (equal to H v: H is symmetric)."""
    return hvp(func, inputs, v, create_graph, train_mode, strict=strict)


def grad(
    func: Function,
    inputs: Any,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    argnums: ArgNums = None,
    has_aux: bool = False,
    strict: bool = False,
) -> Any:
    """The gradient of a scalar func, shaped as the inputs differentiated (see
    vjp for argnums); (gradient, aux) with has_aux, as torch.func.grad."""
    result = vjp(
        func,
        inputs,
        None,
        create_graph,
        train_mode,
        argnums=argnums,
        has_aux=has_aux,
        strict=strict,
    )
    return (result[1], result[2]) if has_aux else result[1]


def value_and_grad(
    func: Function,
    inputs: Any,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    argnums: ArgNums = None,
    has_aux: bool = False,
    strict: bool = False,
) -> Tuple[Any, Any]:
    """(func(inputs), gradient) of a scalar func from one forward pass, or
    ((func(inputs), aux), gradient) with has_aux (as jax.value_and_grad); the
    arguments as grad's."""
    result = vjp(
        func,
        inputs,
        None,
        create_graph,
        train_mode,
        argnums=argnums,
        has_aux=has_aux,
        strict=strict,
    )
    value = (result[0], result[2]) if has_aux else result[0]
    return value, result[1]


def grad_and_value(
    func: Function,
    inputs: Any,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    argnums: ArgNums = None,
    has_aux: bool = False,
    strict: bool = False,
) -> Tuple[Any, Any]:
    """(gradient, func(inputs)), or (gradient, (func(inputs), aux)) with has_aux:
    value_and_grad in torch.func.grad_and_value's order."""
    value, gradient = value_and_grad(
        func, inputs, create_graph, train_mode, argnums=argnums, has_aux=has_aux, strict=strict
    )
    return gradient, value


def _jacobian_rows(outs, out_names, xs, x_names, create_graph, train_mode, strict):
    """[[d outs[i] / d xs[j] for each j] for each i] (legacy arrays), each block
    shaped outs[i].shape + xs[j].shape: one vjp per output entry. strict refuses
    a block with no path, naming both."""
    rows = []
    for out, out_name in zip(outs, out_names):
        flat_out = _legacy(out)
        per_input = [[] for _ in xs]
        strict_check = _strict(strict, "%s does not depend on %%s" % out_name, x_names)
        for k in range(out.size):
            onehot = nd.zeros((out.size,), ctx=out.context, dtype=out.dtype)
            onehot[k] = 1
            head = onehot.reshape(out.shape)
            with autograd.record(train_mode=train_mode):
                gs = _grads([flat_out], xs, [head], create_graph, train_mode, strict_check)
            strict_check = None  # every entry has the same paths
            for j, g in enumerate(gs):
                per_input[j].append(g)
        blocks = []
        for j, x in enumerate(xs):
            shape = tuple(out.shape) + tuple(x.shape)
            if per_input[j] and x.size > 0:
                blocks.append(nd.stack(*per_input[j]).reshape(shape))
            else:  # no elements: zeros of that shape, made directly (reshape reads 0 as "keep")
                blocks.append(nd.zeros(shape, ctx=x.context, dtype=x.dtype))
        rows.append(blocks)
    return rows


def jacobian(
    func: Function,
    inputs: Any,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    strict: bool = False,
) -> Any:
    """J[i][j] = d output_i / d input_j, shaped output_i.shape + input_j.shape;
    a single NDArray when both are single, else nested tuples as in PyTorch.
    strict refuses an output that does not depend on an input, naming both."""
    ins = _Inputs(inputs)
    with autograd.record(train_mode=train_mode):
        outs, out_tuple, _ = _call(func, ins.args, False)
    names = _output_names(outs, out_tuple)
    rows = _jacobian_rows(outs, names, ins.xs, ins.names, create_graph, train_mode, strict)
    return _pack([ins.pack(_finish(row, ins.xs, create_graph)) for row in rows], out_tuple)


def hessian(
    func: Function,
    inputs: Any,
    create_graph: bool = False,
    train_mode: bool = True,
    *,
    strict: bool = False,
) -> Any:
    """H[i][j] = d^2 func / d input_i d input_j for a scalar func, shaped
    input_i.shape + input_j.shape (nested as inputs, twice). strict refuses an
    input func does not depend on, and a gradient that does not depend on an
    input (a zero block of H), naming them."""
    ins = _Inputs(inputs)
    with autograd.record(train_mode=train_mode):
        _, gs = _gradient(func, ins, train_mode, strict)
    names = ["the gradient for %s" % name for name in ins.names]
    rows = _jacobian_rows(gs, names, ins.xs, ins.names, create_graph, train_mode, strict)
    return ins.pack([ins.pack(_finish(row, ins.xs, create_graph)) for row in rows])


# -- running a Gluon block on given parameter arrays ---------------------------
def _named_parameters(block):
    """{name: Parameter} under both names a parameter has in MXNet 1.9.1: its
    full name (the keys of block.collect_params(), "dense0_weight") and its
    structured one (block._collect_params_with_prefix(), "0.weight", as
    save_parameters writes). A name both ways meaning two parameters is dropped."""
    full = {p.name: p for p in block.collect_params().values()}
    structured = block._collect_params_with_prefix()
    named = dict(full)
    for name, p in structured.items():
        if name in named and named[name] is not p:
            named[name] = None  # ambiguous
        else:
            named[name] = p
    return named


def _swaps(block, params):
    """[(Parameter, its arrays with the one given in place of the array on that
    array's context)] for each entry of params, checked."""
    if not isinstance(params, dict):
        raise TypeError("params must be a dict name -> NDArray, got %s" % type(params).__name__)
    named = _named_parameters(block)
    swaps, seen = [], {}
    for name, array in params.items():
        p = named.get(name)
        if p is None:
            raise KeyError(
                "%r is not a parameter of the block%s (names: collect_params()'s keys, "
                "or structured ones such as %s)"
                % (name, " under one name" if name in named else "", sorted(named)[:4])
            )
        if p in seen:
            raise ValueError("params gives %s twice (%r and %r)" % (p.name, seen[p], name))
        seen[p] = name
        swaps.append((p, _with_array(p, array, name)))
    return swaps


def _with_array(p, array, name):
    """Parameter p's list of arrays (one per context) with `array` in place of
    the one on array's context."""
    if not isinstance(array, nd.NDArray):
        raise TypeError("params[%r] must be an NDArray, got %s" % (name, type(array).__name__))
    if p._data is None:
        raise ValueError(
            "parameter %s (params[%r]) is not initialized yet: initialize the block and "
            "run it once (deferred shapes) before functional_call" % (p.name, name)
        )
    own = p._data[0]
    if array.shape != own.shape or np.dtype(array.dtype) != np.dtype(own.dtype):
        raise ValueError(
            "params[%r] is %s %s, but parameter %s is %s %s"
            % (name, array.shape, np.dtype(array.dtype), p.name, own.shape, np.dtype(own.dtype))
        )
    contexts = p.list_ctx()
    if array.context not in contexts:
        raise ValueError(
            "params[%r] is on %s, but parameter %s lives on %s"
            % (name, array.context, p.name, contexts)
        )
    arrays = list(p._data)
    index = contexts.index(array.context)
    arrays[index] = _kind_of(array, arrays[index])
    return arrays


def functional_call(block: Any, params: Dict[str, Array], *args: Any, **kwargs: Any) -> Any:
    """block(*args, **kwargs) computed with the arrays of `params` in place of
    the block's own parameters (those not named keep theirs); returns what the
    block returns. The arrays are used themselves, not copied, so gradients
    flow into them: grad(lambda p: loss(functional_call(net, p, x)), params).

    params maps names to NDArrays (of each parameter's shape, dtype and one of
    its contexts); a name is a key of block.collect_params() ("dense0_weight")
    or a structured name of block._collect_params_with_prefix() ("0.weight",
    PyTorch's named_parameters() style). Works for Blocks and HybridBlocks,
    hybridized or not (a CachedOp takes the parameters' arrays as inputs on
    every call). The block's parameters hold their own arrays again afterwards,
    also when the call raises; a BatchNorm run in training mode updates the
    moving statistics it is given (params' arrays when they are named there).
    Not thread-safe: other threads running the block meanwhile see the arrays."""
    swaps = _swaps(block, params)
    saved = [(p, p._data) for p, _ in swaps]
    try:
        for p, arrays in swaps:
            p._data = arrays
        return block(*args, **kwargs)
    finally:
        for p, arrays in saved:
            p._data = arrays
