"""Gradients that tell "no path" apart: one helper for mxnet_ho.functional and
mxnet_ho.test_utils (issue #24).

MXNet refuses ``autograd.grad`` outright when one of the variables asked for
cannot be reached from the heads, instead of answering zeros for it; which
variables those are is found by asking for each alone.
"""

import mxnet as mx

# What MXNet says when a head does not depend on a variable asked for.
NO_PATH_MESSAGES = (
    "because it is unreachable",
    "There are no inputs in computation graph",
    "does not require gradient",
    # a head computed from no recorded array (a constant): under
    # autograd.record this too means there is no path
    "Cannot differentiate node because it is not in a computational graph",
)


def is_no_path_error(error):
    """Whether an MXNetError says a head does not depend on a variable."""
    return any(m in str(error) for m in NO_PATH_MESSAGES)


def grads_or_none(heads, variables, **kwargs):
    """autograd.grad(heads, variables, **kwargs) as a list, one entry per
    variable, None for each variable the heads do not depend on.

    All variables are asked for in one call first, as users differentiate
    (stock MXNet's MKL-DNN kernels mishandle some single-input requests:
    float32 FullyConnected's bias alone comes back unwritten, Deconvolution's
    weight alone fails); only when MXNet reports a missing path is each asked
    for alone. Errors of any other kind are raised."""
    variables = list(variables)
    try:
        return list(mx.autograd.grad(heads, variables, **kwargs))
    except mx.base.MXNetError as error:
        if not is_no_path_error(error):
            raise
    grads = []
    for x in variables:
        try:
            (g,) = mx.autograd.grad(heads, [x], **kwargs)
        except mx.base.MXNetError as error:
            if not is_no_path_error(error):
                raise
            g = None
        grads.append(g)
    return grads
