"""mxnet-ho: higher-order automatic differentiation for Apache MXNet 1.9.1.

Importing this package (or, once it is installed, importing ``mxnet``)
registers a gradient for MXNet's backward operators, so that
``autograd.grad(..., create_graph=True)`` can be applied again, to any order.
Set ``MXNET_HO_DISABLE=1`` to keep MXNet's stock behaviour (unset, "", "0",
"false", "no" and "off", in any case, leave mxnet-ho enabled).

If the installed MXNet is not a binary this package can patch safely,
importing it raises ImportError naming the MXNet version and the failed check.
"""

from typing import List as _List

from _mxnet_ho_env import disabled_by_environment as _disabled_by_environment

from . import _native

__version__ = "1.9.1.1"  # <MXNet release>.<mxnet-ho release>; read by pyproject.toml
__all__ = ["is_enabled", "patched_ops", "__version__"]


def is_enabled() -> bool:
    """True when mxnet-ho's gradients are registered in this process."""
    return _native.is_active()


def patched_ops() -> _List[str]:
    """The operators whose FGradient is one of mxnet-ho's rules, sorted: backward
    operators (``_backward_*``, made differentiable) and the few forward
    operators whose gradient a rule replaces (BatchNorm, Dropout, RNN,
    ``_CachedOp``, control flow, ...)."""
    if not is_enabled():
        return []
    return sorted(op for op in _native.rule_ops() if _native.has_rule(op))


if not _disabled_by_environment():
    _native.activate()
    # Higher orders through hybridized blocks (CachedOp).
    from . import hybrid as _hybrid

    _hybrid.install()
    # Higher orders through mx.autograd.Function (its backward traced under create_graph).
    from . import function as _function

    _function.install()
    # Gradient symbols (mxnet_ho.symbol.grad) bind without MKL-DNN partitioning.
    from . import symbol as _symbol

    _symbol.install()
    # Under npx.set_np(), autograd.grad answers with mx.np arrays.
    from . import numpy_compat as _numpy_compat

    _numpy_compat.install()
