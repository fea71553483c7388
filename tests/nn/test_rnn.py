"""The fused recurrent layer RNN (src/operator/rnn.cc), behind Gluon's rnn.LSTM,
rnn.GRU and rnn.RNN, to order 3.

First order is the stock kernel (bit-identical); from the second order on the
gradient is that of the layer unrolled into stateless ops. Checked here:
* the op itself, every mode, one and two layers, one and two directions, with
  and without state outputs, by central differences of every input (data, the
  flat parameter vector, the initial states), imperatively and hybridized;
* Gluon's layers against the same layer unfused into cells (layer._unfuse(),
  the same parameters) and against PyTorch's CPU LSTM / GRU / RNN with the same
  weights, at orders 2 and 3, imperatively and hybridized;
* what is refused, with an error naming RNN.

MKL-DNN: float64 runs MXNet's native CPU kernels with MXNET_MKLDNN_ENABLED=1 or
0 alike. float32 runs the MKL-DNN kernel; with MXNET_MKLDNN_ENABLED=0 stock's
fused forward fails already in float32 (rnn-inl.h: in_data.size() ==
num_inputs), so the float32 checks are skipped there.
"""

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon
from mxnet.gluon import rnn

from harness import (
    MKLDNN_ENABLED,
    Case,
    check_above_first_order,
    context,
    hybridized,
    imperative,
    standard_tests,
)
from mxnet_ho.test_utils import higher_order_grads

T, N = 3, 2  # sequence length, batch
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
CPU_KERNELS = pytest.mark.skipif(context().device_type != "cpu", reason="about stock's CPU kernels")
FLOAT32 = (
    True
    if MKLDNN_ENABLED or context().device_type != "cpu"
    else (
        "stock's fused float32 forward fails with MXNET_MKLDNN_ENABLED=0 "
        "(rnn-inl.h: in_data.size() == num_inputs)"
    )
)


def param_size(mode, inputs, hidden, layers, directions):
    gh = GATES[mode] * hidden
    first = gh * (inputs + hidden + 2)
    deeper = gh * (directions * hidden + hidden + 2)
    return directions * (first + (layers - 1) * deeper)


def rnn_case(
    name, mode, inputs=2, hidden=3, layers=1, bidirectional=False, state_outputs=False, **kwargs
):
    d = 2 if bidirectional else 1
    states = [(layers * d, N, hidden)] * (2 if mode == "lstm" else 1)
    shapes = [(T, N, inputs), (param_size(mode, inputs, hidden, layers, d),)] + states
    outputs = (3 if mode == "lstm" else 2) if state_outputs else 1

    def fn(F, *xs):
        out = F.RNN(
            *xs,
            state_size=hidden,
            num_layers=layers,
            mode=mode,
            bidirectional=bidirectional,
            state_outputs=state_outputs,
        )
        if outputs == 1:
            return out
        return F.concat(*[out[i].reshape((-1,)) for i in range(outputs)], dim=0)

    low = [-1.0, -0.6] + [-1.0] * len(states)
    high = [1.0, 0.6] + [1.0] * len(states)
    return Case(name, fn, shapes, low, high, float32=FLOAT32, **kwargs)


CASES = [
    rnn_case("lstm", "lstm"),
    rnn_case(
        "lstm_2layers_bidirectional_states",
        "lstm",
        layers=2,
        bidirectional=True,
        state_outputs=True,
    ),
    rnn_case("gru", "gru", inputs=4),
    rnn_case("gru_2layers_states", "gru", layers=2, state_outputs=True),
    rnn_case("rnn_tanh_bidirectional_states", "rnn_tanh", bidirectional=True, state_outputs=True),
    rnn_case("rnn_tanh_2layers_bidirectional", "rnn_tanh", inputs=3, layers=2, bidirectional=True),
    rnn_case("rnn_relu_2layers_states", "rnn_relu", layers=2, state_outputs=True),
]
# The stock CPU kernel rounds rnn_relu's outputs through float32 (rnn_impl.h:
# relu), about 1e-8 off PyTorch's float64: finite differences of its values and
# stock first derivatives are that noisy. Its orders 2 and 3 (the unrolled twin,
# exact in float64) are checked by finite differences from order 3 on, and
# against PyTorch and the unfused cells (below) at orders 2 and 3.
RELU_CASES = [rnn_case("rnn_relu", "rnn_relu"), CASES.pop()]
FIRST_ORDER_CASES = CASES + RELU_CASES

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES, FIRST_ORDER_CASES
)


@pytest.mark.parametrize("case", RELU_CASES, ids=repr)
@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_rnn_relu_order_3(case, hybridize):
    if hybridize:
        fn, inputs = hybridized(case)
    else:
        inputs, fn = imperative(case)
    check_above_first_order(fn, inputs, orders=(3,))


# -- Gluon's layers against the unfused cells and PyTorch ------------------------
def gluon_layer(
    mode, layers, bidirectional, inputs=2, hidden=3, seed=0, dtype="float64", dropout=0.0
):
    kwargs = dict(
        num_layers=layers, bidirectional=bidirectional, input_size=inputs, dropout=dropout
    )
    layer = {
        "lstm": lambda: rnn.LSTM(hidden, **kwargs),
        "gru": lambda: rnn.GRU(hidden, **kwargs),
        "rnn_tanh": lambda: rnn.RNN(hidden, activation="tanh", **kwargs),
        "rnn_relu": lambda: rnn.RNN(hidden, activation="relu", **kwargs),
    }[mode]()
    layer.initialize(ctx=context())
    layer.cast(dtype)
    rng = np.random.RandomState(seed)
    array = mx.np.array if mx.util.is_np_array() else mx.nd.array
    for param in layer.collect_params().values():
        param.set_data(array(rng.uniform(-0.6, 0.6, param.shape), dtype=dtype))
    return layer


def derivatives(fn, x, orders, seed=1, dtype="float64"):
    """{k: (S_k, dS_k/dx)} of S_0 = <fn(x), c>, S_k = <dS_{k-1}/dx, v_k>, same c, v_k."""
    rng = np.random.RandomState(seed)
    array = mx.np.array if mx.util.is_np_array() else mx.nd.array
    xs = [array(x, dtype=dtype)]
    with mx.autograd.pause():
        shape = fn(*xs).shape
    cotangent = array(rng.uniform(-1, 1, shape), dtype=dtype)
    directions = [[array(rng.uniform(-1, 1, x.shape), dtype=dtype)] for _ in range(max(orders))]
    results = {}
    for k in orders:
        s, grads = higher_order_grads(fn, xs, k - 1, cotangent, directions)
        results[k] = (s, grads[0])
    return results, cotangent.asnumpy(), [d[0].asnumpy() for d in directions]


def assert_same(ours, reference, what):
    for k in ours:
        np.testing.assert_allclose(
            ours[k][0], reference[k][0], rtol=1e-9, atol=1e-12, err_msg="%s: S_%d" % (what, k - 1)
        )
        np.testing.assert_allclose(
            ours[k][1],
            reference[k][1],
            rtol=1e-9,
            atol=1e-12,
            err_msg="%s: order %d derivative" % (what, k),
        )


LAYER_CASES = [
    ("lstm", 1, False),
    ("lstm", 2, True),
    ("gru", 2, True),
    ("rnn_tanh", 2, False),
    ("rnn_relu", 1, True),
]


def layer_ids(case):
    mode, layers, bidirectional = case
    return "%s_%dlayer%s" % (mode, layers, "_bidirectional" if bidirectional else "")


@pytest.mark.parametrize("case", LAYER_CASES, ids=layer_ids)
@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_layer_equals_unfused_cells(case, hybridize):
    mode, layers, bidirectional = case
    layer = gluon_layer(mode, layers, bidirectional)
    cells = layer._unfuse()  # the same Parameters

    def unfused(x):
        states = cells.begin_state(batch_size=N, dtype="float64")
        outputs, _ = cells.unroll(T, x, states, layout="TNC", merge_outputs=True)
        return outputs

    if hybridize:
        layer.hybridize()
    x = np.random.RandomState(2).uniform(-1, 1, (T, N, 2))
    with context():
        ours, _, _ = derivatives(layer, x, (2, 3))
        reference, _, _ = derivatives(unfused, x, (2, 3))
    assert_same(ours, reference, layer_ids(case))


def torch_layer(layer, mode, layers, bidirectional, inputs=2, hidden=3):
    torch = pytest.importorskip("torch")
    kwargs = dict(num_layers=layers, bidirectional=bidirectional)
    module = {
        "lstm": lambda: torch.nn.LSTM(inputs, hidden, **kwargs),
        "gru": lambda: torch.nn.GRU(inputs, hidden, **kwargs),
        "rnn_tanh": lambda: torch.nn.RNN(inputs, hidden, nonlinearity="tanh", **kwargs),
        "rnn_relu": lambda: torch.nn.RNN(inputs, hidden, nonlinearity="relu", **kwargs),
    }[mode]().double()
    params = {name: p.data().asnumpy() for name, p in layer.collect_params().items()}
    with torch.no_grad():
        for index in range(layers):
            for side, suffix in (("l", ""), ("r", "_reverse"))[: 2 if bidirectional else 1]:
                for ours_kind, theirs in (
                    ("i2h_weight", "weight_ih"),
                    ("h2h_weight", "weight_hh"),
                    ("i2h_bias", "bias_ih"),
                    ("h2h_bias", "bias_hh"),
                ):
                    value = next(
                        v
                        for k, v in params.items()
                        if k.endswith("_%s%d_%s" % (side, index, ours_kind))
                    )
                    getattr(module, "%s_l%d%s" % (theirs, index, suffix)).copy_(torch.tensor(value))
    return torch, module


def torch_derivatives(torch, module, x, cotangent, directions, orders):
    results = {}
    for k in orders:
        xt = torch.tensor(x, requires_grad=True)
        s = (module(xt)[0] * torch.tensor(cotangent)).sum()
        for step in range(k - 1):
            (g,) = torch.autograd.grad(s, xt, create_graph=True)
            s = (g * torch.tensor(directions[step])).sum()
        (g,) = torch.autograd.grad(s, xt)
        results[k] = (s.item(), g.numpy())
    return results


@pytest.mark.parametrize("case", LAYER_CASES, ids=layer_ids)
@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_layer_equals_pytorch(case, hybridize):
    mode, layers, bidirectional = case
    layer = gluon_layer(mode, layers, bidirectional, seed=3)
    torch, module = torch_layer(layer, mode, layers, bidirectional)
    if hybridize:
        layer.hybridize()
    x = np.random.RandomState(4).uniform(-1, 1, (T, N, 2))
    with context():
        ours, cotangent, directions = derivatives(layer, x, (2, 3))
    theirs = torch_derivatives(torch, module, x, cotangent, directions, (2, 3))
    assert_same(ours, theirs, layer_ids(case))


@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_layer_numpy_interface(hybridize):
    """npx.set_np(): the layer calls npx.rnn (the alias _npx_rnn); the same layer
    in the legacy interface (held against the unfused cells above) is the
    reference, as 1.9.1's unfused cells do not run under npx.set_np()."""
    x = np.random.RandomState(8).uniform(-1, 1, (T, N, 2))
    with context():
        reference, _, _ = derivatives(gluon_layer("gru", 2, True), x, (2, 3))
    mx.npx.set_np()
    try:
        layer = gluon_layer("gru", 2, True)
        if hybridize:
            layer.hybridize()
        with context():
            ours, _, _ = derivatives(layer, x, (2, 3))
    finally:
        mx.npx.reset_np()
    assert_same(ours, reference, "gru under npx.set_np()")


@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_layer_ntc_layout_equals_pytorch_batch_first(hybridize):
    """layout="NTC": the layer swaps axes before RNN; T is then inferred through
    SwapAxis in the hybridized graph."""
    layer = gluon_layer("lstm", 2, True, seed=9)
    torch, module = torch_layer(layer, "lstm", 2, True)
    layer._layout = "NTC"
    module.batch_first = True
    if hybridize:
        layer.hybridize()
    x = np.random.RandomState(10).uniform(-1, 1, (N, T, 2))
    with context():
        ours, cotangent, directions = derivatives(layer, x, (2, 3))
    theirs = torch_derivatives(torch, module, x, cotangent, directions, (2, 3))
    assert_same(ours, theirs, "lstm, layout NTC")


@pytest.mark.parametrize("case", [("lstm", 2, True), ("gru", 2, False)], ids=layer_ids)
@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_weight_hvp_equals_unfused_cells(case, hybridize):
    """H v w.r.t. the layer's weights, the data not differentiated. Stock's native
    kernel then gets the lower layers' weight gradients wrong at first order; the
    pass after the one that created the graph uses the unrolled layer too."""
    from mxnet_ho import functional

    mode, layers, bidirectional = case
    layer = gluon_layer(mode, layers, bidirectional, seed=14)
    cells = layer._unfuse()
    rng = np.random.RandomState(15)
    with context():
        x = mx.nd.array(rng.uniform(-1, 1, (T, N, 2)), dtype="float64")
        params = tuple(p.data() for p in layer.collect_params().values())
        vs = tuple(mx.nd.array(rng.uniform(-1, 1, p.shape), dtype="float64") for p in params)

        def unfused(*ps):
            states = cells.begin_state(batch_size=N, dtype="float64")
            outputs, _ = cells.unroll(T, x, states, layout="TNC", merge_outputs=True)
            return mx.nd.sin(outputs).sum()

        _, want = functional.hvp(unfused, params, vs)
        if hybridize:
            layer.hybridize()
        _, got = functional.hvp(lambda *ps: mx.nd.sin(layer(x)).sum(), params, vs)
    for p, g, w in zip(layer.collect_params().values(), got, want):
        np.testing.assert_allclose(g.asnumpy(), w.asnumpy(), rtol=1e-9, atol=1e-12, err_msg=p.name)


@CPU_KERNELS
@pytest.mark.xfail(
    strict=True,
    reason="stock's native (float64) kernel: with num_layers >= 2 "
    "and the data's gradient not asked for, the weight gradients come out wrong "
    "(first order, without mxnet-ho too)",
)
def test_stock_first_order_weights_without_data_gradient():
    layer = gluon_layer("lstm", 2, False, seed=16)
    cells = layer._unfuse()
    x = mx.nd.array(np.random.RandomState(17).uniform(-1, 1, (T, N, 2)), dtype="float64")
    grads = []
    with context():
        for run in (
            layer,
            lambda x: cells.unroll(
                T,
                x,
                cells.begin_state(batch_size=N, dtype="float64"),
                layout="TNC",
                merge_outputs=True,
            )[0],
        ):
            with mx.autograd.record():
                loss = mx.nd.sin(run(x)).sum()
            loss.backward()
            grads.append([p.grad().asnumpy().copy() for p in layer.collect_params().values()])
    for fused, unfused in zip(*grads):
        np.testing.assert_allclose(fused, unfused, rtol=1e-9, atol=1e-12)


def test_layer_inside_hybridized_network():
    """The layer as a child of a hybridized block: its initial states are zeros
    made inside the graph (batch inferred), the sequence length from the block's
    input."""
    layer = gluon_layer("lstm", 2, True)
    net = gluon.nn.HybridSequential()
    net.add(layer)
    x = np.random.RandomState(5).uniform(-1, 1, (T, N, 2))
    with context():
        reference, _, _ = derivatives(layer, x, (2, 3))
        net.hybridize()
        ours, _, _ = derivatives(net, x, (2, 3))
    assert_same(ours, reference, "lstm in a hybridized HybridSequential")


# -- refused, naming RNN ------------------------------------------------------------
def second_order(fn, *arrays, train_mode=True):
    xs = [mx.nd.array(a, dtype="float64") for a in arrays]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record(train_mode=train_mode):
        grads = mx.autograd.grad(
            fn(*xs).sum(), xs, create_graph=True, retain_graph=True, train_mode=train_mode
        )
        total = sum((g * g).sum() for g in grads)
    total.backward()
    mx.nd.waitall()


@CPU_KERNELS
@pytest.mark.parametrize("train_mode", [True, False], ids=["train", "predict"])
def test_dropout_between_layers_refused(train_mode):
    """The CPU kernel applies its dropout whenever autograd records, in predict
    mode too, with a mask the op does not expose."""
    layer = gluon_layer("lstm", 2, False, dropout=0.5)
    x = np.random.RandomState(6).uniform(-1, 1, (T, N, 2))
    with context(), pytest.raises(mx.base.MXNetError, match="RNN.*dropout"):
        second_order(layer, x, train_mode=train_mode)


@CPU_KERNELS
@pytest.mark.skipif(not MKLDNN_ENABLED, reason=FLOAT32 if FLOAT32 is not True else "")
@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_dropout_ignored_by_mkldnn_float32(hybridize):
    """MKL-DNN's float32 kernel ignores the dropout between layers (stock's first
    order equals the same layer's without dropout, checked here): the higher
    orders are then those of the layer without dropout."""
    x = np.random.RandomState(11).uniform(-1, 1, (T, N, 2))
    cotangent = mx.nd.array(np.random.RandomState(12).uniform(-1, 1, (T, N, 6)), dtype="float32")
    stock, results = {}, {}
    for p in (0.0, 0.5):
        layer = gluon_layer("lstm", 2, True, dtype="float32", dropout=p)
        if hybridize:
            layer.hybridize()
        with context():
            xs = mx.nd.array(x, dtype="float32")
            xs.attach_grad()
            with mx.autograd.record():
                y = layer(xs)
            y.backward(cotangent)  # stock's kernel
            stock[p] = xs.grad.asnumpy()
            results[p], _, _ = derivatives(layer, x, (2, 3), dtype="float32")
    np.testing.assert_array_equal(
        stock[0.5], stock[0.0], err_msg="the premise: stock's first order ignores the dropout"
    )
    for k in (2, 3):
        np.testing.assert_array_equal(
            results[0.5][k][1], results[0.0][k][1], err_msg="order %d" % k
        )


@CPU_KERNELS
@pytest.mark.skipif(not MKLDNN_ENABLED, reason=FLOAT32 if FLOAT32 is not True else "")
def test_dropout_float32_without_mkldnn_rnn_refused(monkeypatch):
    """MXNET_USE_MKLDNN_RNN=0: float32 runs the native kernel, which drops."""
    monkeypatch.setenv("MXNET_USE_MKLDNN_RNN", "0")
    layer = gluon_layer("lstm", 2, False, dtype="float32", dropout=0.5)
    x = mx.nd.array(np.random.RandomState(13).uniform(-1, 1, (T, N, 2)), dtype="float32")
    x.attach_grad()
    with context(), pytest.raises(mx.base.MXNetError, match="RNN.*dropout"):
        with mx.autograd.record():
            (g,) = mx.autograd.grad(layer(x).sum(), [x], create_graph=True, retain_graph=True)
            total = (g * g).sum()
        total.backward()


def test_first_order_with_dropout_stays_stock():
    layer = gluon_layer("gru", 2, False, dropout=0.5)
    x = mx.nd.array(np.random.RandomState(7).uniform(-1, 1, (T, N, 2)), dtype="float64")
    x.attach_grad()
    with context(), mx.autograd.record():
        y = layer(x)
    y.backward()
    assert np.isfinite(x.grad.asnumpy()).all()


def test_symbolic_second_order_refused():
    """mxnet_ho.symbol.grad: a symbol has no shapes, so no sequence length."""
    import mxnet_ho.symbol

    x, p, h = mx.sym.var("x"), mx.sym.var("p"), mx.sym.var("h")
    y = mx.sym.RNN(x, p, h, state_size=3, num_layers=1, mode="rnn_tanh")
    (g,) = mxnet_ho.symbol.grad(mx.sym.sum(y * y), wrt=["x"])
    with pytest.raises(mx.base.MXNetError, match="RNN.*sequence length"):
        mxnet_ho.symbol.grad(mx.sym.sum(g * g), wrt=["x"])


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_symbolic_second_order_with_shapes(mode):
    """mxnet_ho.symbol.grad(..., shapes=...): the gradient symbol unrolls RNN over
    the sequence length the shapes give; its second order equals autograd's."""
    import mxnet_ho.compiled
    import mxnet_ho.symbol

    case = {"lstm": CASES[1], "gru": CASES[3]}[mode]
    inputs, fn = imperative(case)
    names = ["x%d" % i for i in range(len(inputs))]
    variables = [mx.sym.var(n) for n in names]
    shapes = {n: a.shape for n, a in zip(names, inputs)}
    y = case.fn(mx.sym, *variables)
    grads = mxnet_ho.symbol.grad(mx.sym.sum(y * y), names, shapes=shapes)
    second = mxnet_ho.symbol.grad(sum(mx.sym.sum(g * g) for g in grads), names, shapes=shapes)
    with context():
        arrays = [mx.nd.array(a, dtype="float64") for a in inputs]
        got = mxnet_ho.compiled.Graph(second)(**dict(zip(names, arrays)))
        for a in arrays:
            a.attach_grad()
        with mx.autograd.record():
            out = fn(*arrays)
            first = mx.autograd.grad(
                (out * out).sum(), arrays, create_graph=True, retain_graph=True
            )
            total = sum((g * g).sum() for g in first)
        total.backward()
    for i, (g, a) in enumerate(zip(got, arrays)):
        np.testing.assert_allclose(
            g.asnumpy(), a.grad.asnumpy(), rtol=1e-9, atol=1e-12, err_msg="input %d" % i
        )


@pytest.mark.parametrize("hybridize", [False, True], ids=["imperative", "hybridized"])
def test_empty_sequence_is_named(hybridize):
    """A sequence of length 0 (NumPy shape semantics) is known: the error says so."""
    from mxnet import npx

    npx.set_np()
    try:
        layer = mx.gluon.rnn.LSTM(3, input_size=2)
        layer.initialize()
        layer.cast("float64")
        if hybridize:
            layer.hybridize()
        x = mx.np.ones((0, 2, 2), dtype="float64")
        x.attach_grad()
        with pytest.raises(mx.base.MXNetError, match="RNN.*length of 0|RNN.*has length 0"):
            with mx.autograd.record():
                (g,) = mx.autograd.grad((layer(x) ** 2).sum(), [x], create_graph=True)
            (g**2).sum().backward()
            mx.nd.waitall()
    finally:
        npx.reset_np()
