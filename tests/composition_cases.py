"""The composition sweep's cases: layer op -> elementwise/activation op -> reduction.

A case is a name and a function build() -> (fn, inputs, train_mode): fn takes
float64 NDArrays (the layer's input first where it is differentiable, then its
weights) and returns a scalar. composition_worker.py checks each one with
mxnet_ho.test_utils.check_higher_order_grad (float64 central differences of the
previous order, all inputs at once, so the weight-weight block (the HVP w.r.t.
the weights) and the input-weight block are both covered), at order 3 (orders
1, 2 and 3 in turn), and a gradient penalty ||d fn/d x||^2 whose gradient
(second order, as users take it: autograd.grad w.r.t. x with create_graph, then
backward to the weights) and second derivative (third order) are checked the
same way. The reduction is a weighted sum of sin, so that no derivative of the
activation's output vanishes.
"""

import numpy as np

import mxnet as mx

RNG_SEED = 0


def _u(shape, lo=-1.0, hi=1.0, seed=0):
    return np.random.RandomState(seed).uniform(lo, hi, shape)


# -- layers: (name, input shapes, differentiable-input flag, fn(F, x, W, *rest)) --
def _fc(F, x, w, b):
    return F.FullyConnected(x, w, b, num_hidden=5)


LAYERS = {
    "fc_bias": ([(3, 4), (5, 4), (5,)], lambda F, x, w, b: F.FullyConnected(x, w, b, num_hidden=5)),
    "fc_nobias": (
        [(3, 4), (5, 4)],
        lambda F, x, w: F.FullyConnected(x, w, no_bias=True, num_hidden=5),
    ),
    "fc_noflatten": (
        [(2, 3, 4), (5, 4), (5,)],
        lambda F, x, w, b: F.FullyConnected(x, w, b, num_hidden=5, flatten=False),
    ),
    "fc_flatten4d": (
        [(2, 2, 2, 2), (3, 8)],
        lambda F, x, w: F.FullyConnected(x, w, no_bias=True, num_hidden=3),
    ),
    "conv1d": (
        [(2, 2, 5), (3, 2, 3), (3,)],
        lambda F, x, w, b: F.Convolution(x, w, b, kernel=(3,), num_filter=3),
    ),
    "conv2d": (
        [(2, 2, 4, 4), (3, 2, 2, 2), (3,)],
        lambda F, x, w, b: F.Convolution(
            x, w, b, kernel=(2, 2), num_filter=3, stride=(2, 1), pad=(1, 0)
        ),
    ),
    "conv3d": (
        [(1, 2, 3, 3, 3), (2, 2, 2, 2, 2)],
        lambda F, x, w: F.Convolution(x, w, kernel=(2, 2, 2), num_filter=2, no_bias=True),
    ),
    "deconv2d": (
        [(2, 2, 3, 3), (2, 3, 2, 2), (3,)],
        lambda F, x, w, b: F.Deconvolution(x, w, b, kernel=(2, 2), num_filter=3, no_bias=False),
    ),
    "embedding": (
        [(6, 3)],  # the indices are constants: only the weight is an input
        lambda F, w: F.Embedding(
            F.array([[0, 2, 5], [1, 2, 3]], dtype="float64"), w, input_dim=6, output_dim=3
        ),
    ),
    "dot": ([(3, 4), (4, 5)], lambda F, x, w: F.dot(x, w)),
    "dot_transpose": (
        [(4, 3), (5, 4)],
        lambda F, x, w: F.dot(x, w, transpose_a=True, transpose_b=True),
    ),
    "batch_dot": ([(2, 3, 4), (2, 4, 3)], lambda F, x, w: F.batch_dot(x, w)),
    "linalg_gemm2": ([(3, 4), (4, 5)], lambda F, x, w: F.linalg.gemm2(x, w, alpha=0.7)),
}


def _pos(F, y):  # > 0
    return F.square(y) + 0.5


def _unit(F, y):  # in (-0.5, 0.5)
    return F.tanh(y) * 0.5


def _bn(F, y, train):
    c = y.shape[1]
    if y.dtype != np.float64:
        return F.BatchNorm(
            y, F.ones((c,)), F.zeros((c,)), F.zeros((c,)), F.ones((c,)), fix_gamma=False
        )
    gamma = F.array(_u((c,), 0.5, 1.5, 7), dtype="float64")
    beta = F.array(_u((c,), -0.5, 0.5, 8), dtype="float64")
    mean = F.array(_u((c,), -0.3, 0.3, 9), dtype="float64")
    var = F.array(_u((c,), 0.5, 1.5, 10), dtype="float64")
    return F.BatchNorm(y, gamma, beta, mean, var, fix_gamma=False)


def _prelu(F, y):
    return F.LeakyReLU(y, F.array([0.3], dtype="float64"), act_type="prelu")


# -- elementwise / activation ops: name -> (fn(F, y), train_mode) -----------------
ACTIVATIONS = {}
for _name in (
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "exp",
    "square",
    "arctan",
    "arcsinh",
    "erf",
    "softsign",
    "expm1",
    "sinh",
    "cosh",
    "abs",
    "relu",
    "negative",
    "degrees",
):
    ACTIVATIONS[_name] = ((lambda op: lambda F, y: getattr(F, op)(y))(_name), True)
for _name in ("gamma", "gammaln"):  # on (1, 2), where their derivatives stay moderate
    ACTIVATIONS[_name] = ((lambda op: lambda F, y: getattr(F, op)(F.sigmoid(y) + 1))(_name), True)
for _name in (
    "log",
    "sqrt",
    "rsqrt",
    "cbrt",
    "rcbrt",
    "reciprocal",
    "log1p",
    "log2",
    "log10",
    "arccosh",
):
    ACTIVATIONS[_name] = (
        (lambda op: lambda F, y: getattr(F, op)(_pos(F, y) + (1.0 if op == "arccosh" else 0.0)))(
            _name
        ),
        True,
    )
for _name in ("arcsin", "arccos", "arctanh", "erfinv", "tan"):
    ACTIVATIONS[_name] = ((lambda op: lambda F, y: getattr(F, op)(_unit(F, y)))(_name), True)
for _mode in ("relu", "sigmoid", "tanh", "softrelu", "softsign"):
    ACTIVATIONS["Activation_" + _mode] = (
        (lambda m: lambda F, y: F.Activation(y, act_type=m))(_mode),
        True,
    )
for _mode, _kw in (
    ("leaky", dict(slope=0.2)),
    ("elu", dict(slope=0.7)),
    ("selu", {}),
    ("gelu", {}),
):
    ACTIVATIONS["LeakyReLU_" + _mode] = (
        (lambda m, kw: lambda F, y: F.LeakyReLU(y, act_type=m, **kw))(_mode, _kw),
        True,
    )
ACTIVATIONS["LeakyReLU_prelu"] = (_prelu, True)
ACTIVATIONS["softmax"] = (lambda F, y: F.softmax(y, axis=-1), True)
ACTIVATIONS["softmax_axis1_temperature"] = (
    lambda F, y: F.softmax(y, axis=1, temperature=1.7),
    True,
)
ACTIVATIONS["log_softmax"] = (lambda F, y: F.log_softmax(y, axis=-1), True)
ACTIVATIONS["softmin"] = (lambda F, y: F.softmin(y, axis=-1), True)
ACTIVATIONS["Dropout_predict"] = (lambda F, y: F.Dropout(y, p=0.5), False)
ACTIVATIONS["Dropout_predict_axes"] = (lambda F, y: F.Dropout(y, p=0.3, axes=(0,)), False)
ACTIVATIONS["BatchNorm_train"] = (lambda F, y: _bn(F, y, True), True)
ACTIVATIONS["BatchNorm_predict"] = (lambda F, y: _bn(F, y, False), False)
ACTIVATIONS["clip"] = (lambda F, y: F.clip(y, -0.3, 0.4), True)
ACTIVATIONS["maximum_scalar"] = (lambda F, y: F.maximum(y, 0.1), True)
ACTIVATIONS["minimum_scalar"] = (lambda F, y: F.minimum(y, -0.1), True)
ACTIVATIONS["maximum_self"] = (lambda F, y: F.maximum(y, F.sin(y) * 0.5), True)
ACTIVATIONS["minimum_self"] = (lambda F, y: F.minimum(y, F.cos(y) * 0.5), True)

# Activations that need a channel axis of size > 1 (BatchNorm over axis 1) or whose
# values have kinks: listed for the report; kinks are checked the same way, at
# points drawn away from them (see _away_from_kinks).
KINKED = {
    "abs",
    "relu",
    "Activation_relu",
    "LeakyReLU_leaky",
    "LeakyReLU_elu",
    "LeakyReLU_selu",
    "LeakyReLU_prelu",
    "clip",
    "maximum_scalar",
    "minimum_scalar",
    "maximum_self",
    "minimum_self",
}


# Stock first-order kernels that are accurate to float32 only (so finite
# differences of them need a wider step and tolerance; tests/test_leaky_relu.py
# and tests/tensor/test_elemwise_unary_op.py check the same rules strictly):
# gamma and gammaln's psi has single-precision coefficients; leaky and prelu
# round the negative branch to float32; gelu computes in float32 throughout.
DEFAULT_TOLERANCE = dict(rtol=1e-5, atol=1e-7, eps=1e-5)
FLOAT32_STOCK = dict(rtol=2e-4, atol=3e-5, eps=3e-3)
FLOAT32_KINKED = dict(rtol=1e-3, atol=3e-4, eps=1e-3)
TOLERANCES = {
    "gamma": FLOAT32_STOCK,
    "gammaln": FLOAT32_STOCK,
    "LeakyReLU_leaky": FLOAT32_KINKED,
    "LeakyReLU_prelu": FLOAT32_KINKED,
    "LeakyReLU_gelu": FLOAT32_KINKED,
}


def tolerance(name):
    return TOLERANCES.get(name.split(">")[1], DEFAULT_TOLERANCE)


def _reduce(F, z):
    w = F.array(_u(z.shape, -1, 1, 11), dtype="float64")
    return F.sum(F.sin(z) * w + 0.3 * z * z)


def layer_case(layer, act):
    shapes, lay = LAYERS[layer]
    fact, train = ACTIVATIONS[act]
    inputs = [_u(s, -1, 1, i + 1) for i, s in enumerate(shapes)]

    def fn(*xs):
        return _reduce(mx.nd, fact(mx.nd, lay(mx.nd, *xs)))

    return fn, inputs, train, layer != "embedding"


# -- chains users write -----------------------------------------------------------
def _mlp(x, w1, b1, w2, b2):
    F = mx.nd
    h = F.relu(F.FullyConnected(x, w1, b1, num_hidden=6))
    return F.relu(F.FullyConnected(h, w2, b2, num_hidden=3))


def _mlp_tanh(x, w1, b1, w2, b2):
    F = mx.nd
    h = F.tanh(F.FullyConnected(x, w1, b1, num_hidden=6))
    return F.Activation(F.FullyConnected(h, w2, b2, num_hidden=3), act_type="relu")


def _cnn(x, w1, w2, w3):
    F = mx.nd
    h = F.relu(F.Convolution(x, w1, kernel=(3, 3), num_filter=3, pad=(1, 1), no_bias=True))
    h = F.Pooling(h, kernel=(2, 2), stride=(2, 2), pool_type="max")
    h = (
        F.Activation(
            F.Convolution(h, w2, kernel=(1, 1), num_filter=3, no_bias=True), act_type="tanh"
        )
        + h
    )  # residual add
    h = F.Pooling(h, kernel=(2, 2), pool_type="avg", global_pool=True)
    return F.FullyConnected(h, w3, no_bias=True, num_hidden=2)


def _cnn_sigmoid(x, w1, w2, w3):
    F = mx.nd
    h = F.sigmoid(F.Convolution(x, w1, kernel=(3, 3), num_filter=3, pad=(1, 1), no_bias=True))
    h = F.Pooling(h, kernel=(2, 2), stride=(2, 2), pool_type="avg")
    h = F.tanh(F.Convolution(h, w2, kernel=(1, 1), num_filter=3, no_bias=True)) + h
    return F.FullyConnected(h, w3, no_bias=True, num_hidden=2)


def _residual(x, w1, w2):
    F = mx.nd
    y = x + F.tanh(F.FullyConnected(x, w1, no_bias=True, num_hidden=4))
    return y + F.relu(F.FullyConnected(y, w2, no_bias=True, num_hidden=4))


def _gluon_cell(kind, activation=None):
    def fn(x):
        mx.random.seed(0)
        cls = getattr(mx.gluon.rnn, kind)
        cell = cls(4, activation=activation) if activation else cls(4)
        cell.initialize(mx.init.Uniform(0.5))
        cell.cast("float64")
        state = cell.begin_state(batch_size=x.shape[0], func=mx.nd.zeros, dtype="float64")
        out, _ = cell.unroll(3, x, begin_state=state, layout="NTC", merge_outputs=True)
        return out

    return fn


CHAINS = {
    "mlp_relu": (_mlp, [(3, 4), (6, 4), (6,), (3, 6), (3,)]),
    "mlp_tanh_Activation_relu": (_mlp_tanh, [(3, 4), (6, 4), (6,), (3, 6), (3,)]),
    "cnn_relu_pool_residual": (_cnn, [(2, 2, 4, 4), (3, 2, 3, 3), (3, 3, 1, 1), (2, 3)]),
    "cnn_sigmoid_avgpool_residual": (
        _cnn_sigmoid,
        [(2, 2, 4, 4), (3, 2, 3, 3), (3, 3, 1, 1), (2, 12)],
    ),
    "residual_tanh_relu": (_residual, [(3, 4), (4, 4), (4, 4)]),
    "rnncell_tanh_unrolled": (_gluon_cell("RNNCell"), [(2, 3, 3)]),
    "rnncell_relu_unrolled": (_gluon_cell("RNNCell", "relu"), [(2, 3, 3)]),
    "lstmcell_unrolled": (_gluon_cell("LSTMCell"), [(2, 3, 3)]),
    "grucell_unrolled": (_gluon_cell("GRUCell"), [(2, 3, 3)]),
}


def chain_case(name):
    body, shapes = CHAINS[name]
    inputs = [_u(s, -1, 1, i + 1) for i, s in enumerate(shapes)]

    def fn(*xs):
        return _reduce(mx.nd, body(*xs))

    return fn, inputs, True, True


def all_cases():
    names = ["%s>%s" % (layer, act) for layer in LAYERS for act in ACTIVATIONS]
    return names + ["chain>" + c for c in CHAINS] + penalty32_cases()


def build(name):
    head, tail = name.split(">")
    if head == "chain":
        return chain_case(tail)
    return layer_case(head, tail)


# -- the gradient penalty as users run it: float32 (MKL-DNN kernels), backward() --
PENALTY32_ACTIVATIONS = (
    "relu",
    "Activation_relu",
    "abs",
    "tanh",
    "LeakyReLU_elu",
    "BatchNorm_train",
    "Dropout_predict",
)


def penalty32_cases():
    # Not Deconvolution: its float32 weight gradient fails in stock MKL-DNN ("could
    # not execute a primitive", README Limits), with or without mxnet-ho.
    return [
        "penalty32>%s>%s" % (layer, act)
        for layer in LAYERS
        if layer not in ("embedding", "deconv2d")
        for act in PENALTY32_ACTIVATIONS
    ]


def penalty_weight_grads(name, dtype):
    """The weights' gradients of ||d loss/d x||^2, taken as in issue 10: autograd.grad
    w.r.t. x with create_graph, then backward()."""
    _, layer, act = name.split(">")
    shapes, lay = LAYERS[layer]
    fact, train = ACTIVATIONS[act]
    xs = [mx.nd.array(_u(s, -1, 1, i + 1), dtype=dtype) for i, s in enumerate(shapes)]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record(train_mode=train):
        y = (
            fact(mx.nd, lay(mx.nd, *xs)).astype("float64").sum()
            if dtype == "float64"
            else fact(mx.nd, lay(mx.nd, *xs)).sum()
        )
        (g,) = mx.autograd.grad(y, [xs[0]], create_graph=True, retain_graph=True, train_mode=train)
        p = (g * g).sum()
    p.backward(train_mode=train)
    return [x.grad.asnumpy().astype("float64") for x in xs[1:]]
