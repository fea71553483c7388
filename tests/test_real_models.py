"""Networks from the libraries MXNet users train with: GluonCV, GluonNLP and
GluonTS, built as their own builders build them (random weights, nothing
downloaded), in small sizes.

On each network, imperatively and hybridized, two second-order quantities of a
scalar loss L(x, w) of its output, against central differences of stock
first-order gradients (plain `backward()`, which mxnet-ho leaves bit-identical
to stock MXNet):
* a gradient penalty P = |dL/dx|^2: its gradient in the weights and in x is
  2 (d/dx d/dw L) g and 2 (d/dx d/dx L) g with g = dL/dx, the central difference
  of the stock first-order gradients (in w and x) along x + t g;
* an HVP: d/dw <dL/dw, v> is the central difference of the stock first-order
  weight gradient along w + t v.
Every array (each weight and x) is compared in full, relative to the largest
entry of the whole quantity.

ReLU's kink would spoil central differences of a deep network: where a network
has ReLU, its nn.Activation children are switched to softrelu before the
check (`smooth`), as a user can do with any GluonCV model; the other ops (max
pooling, BilinearResize2D, AdaptiveAvgPooling2D, BatchNorm, LSTM cells, GELU)
are the library's own. Dropout is off (rate 0) so both sides see one function.

The libraries are the optional extra `models` (pyproject.toml), pinned to
releases that install together beside mxnet 1.9.1 and NumPy 1.23.5; only CI's
NumPy 1.23.5 run installs them. Without them
the tests skip, unless MXNET_HO_REQUIRE_MODELS=1 (set by ci/test for that run),
where they fail. Each case runs in its own process, so a crash fails that case
by name. Marked `slow`: the file takes about 80 s of CPU (its cases run one at a
time, each in a fresh interpreter; 4 to 8 minutes of wall time on a loaded
2-core machine).
"""

import importlib.util
import os
import sys

import numpy as np
import pytest
import harness

HERE = os.path.dirname(os.path.abspath(__file__))
pytestmark = pytest.mark.slow


def run_isolated(case, *args):
    """Runs `case(*args)` of this module in a fresh interpreter."""
    harness.run_isolated(__file__, case, *args)


def require(library):
    """Skips the test without `library`, or fails where CI demands the models."""
    if importlib.util.find_spec(library) is not None:
        return
    why = "%s is not installed (the `models` extra: pip install '.[models]' numpy==1.23.5)" % (
        library
    )
    if os.environ.get("MXNET_HO_REQUIRE_MODELS") == "1":
        pytest.fail(why + ", and MXNET_HO_REQUIRE_MODELS=1 requires it")
    pytest.skip(why)


# --- the networks: each returns (net, inputs, index of the input x, loss of the outputs) ----


def smooth(net, act="softrelu"):
    """Switches every ReLU nn.Activation of `net` to `act`; returns how many."""
    from mxnet.gluon import nn

    switched = []

    def visit(block):
        if isinstance(block, nn.Activation) and block._act_type == "relu":
            block._act_type = act
            switched.append(block)

    net.apply(visit)
    assert switched, "no ReLU to switch"
    return len(switched)


def _array(rng, shape, low=-1.0, high=1.0, dtype="float64"):
    import mxnet as mx

    return mx.nd.array(rng.uniform(low, high, shape), dtype=dtype)


def _output_loss(dtype):
    """L(y) = sum(c y) + sum(y^2) / 2 with a fixed c: linear and quadratic terms."""
    import mxnet as mx

    def loss(y):
        c = mx.nd.array(np.random.RandomState(7).randn(*y.shape), dtype=dtype)
        return (y * c).sum() + 0.5 * (y * y).sum()

    return loss


def _gluoncv():
    """The gluoncv package, imported with PyTorch hidden from it: GluonCV 0.10
    refuses to import beside any torch >= 2.0 (gluoncv/check.py raises on the one
    it finds), and the dev extra installs torch 2.13 next to it. Each case runs in
    its own interpreter (run_isolated), which uses no torch."""
    if "torch" not in sys.modules:
        sys.modules["torch"] = None  # `import torch` raises ImportError: none found
    import gluoncv

    return gluoncv


def gluoncv_se_resnet18_v1():
    """GluonCV's SE-ResNet-18 v1: conv, BatchNorm, max pooling, residual adds and
    squeeze-and-excitation gates (AdaptiveAvgPooling2D to 1x1, a sigmoid gate
    broadcast over the map). Its block-level ReLUs are nn.Activation children
    and are switched; the residual ReLUs it applies in hybrid_forward
    (F.Activation) stay: the step of 1e-7 crosses none of their kinks here."""
    net = _gluoncv().model_zoo.get_model("se_resnet18_v1", pretrained=False, classes=3)
    smooth(net)
    rng = np.random.RandomState(0)
    return net, [_array(rng, (2, 3, 64, 64))], 0, _output_loss("float64")


def gluoncv_fastscnn():
    """Fast-SCNN, GluonCV's real-time segmentation network: depthwise
    convolutions, a pyramid pooling module (AdaptiveAvgPooling2D to 1, 2, 3, 6)
    and BilinearResize2D up-sampling, feature fusion by addition."""
    _gluoncv()
    from gluoncv.model_zoo.fastscnn import FastSCNN

    net = FastSCNN(3, aux=False, height=64, width=64, crop_size=64)
    smooth(net)
    rng = np.random.RandomState(0)
    return net, [_array(rng, (2, 3, 64, 64))], 0, lambda ys: _output_loss("float64")(ys[0])


def gluoncv_simple_pose_resnet18_v1b():
    """GluonCV's simple pose network on ResNet-18 v1b (the backbone of its
    detection and segmentation models, its ReLUs all children): deconvolution
    up-sampling and a 1x1 convolution last (issue #21 was its hybridized
    second order); narrower deconvolutions than the zoo's 256 to stay small."""
    net = _gluoncv().model_zoo.get_model(
        "simple_pose_resnet18_v1b",
        pretrained=False,
        num_joints=3,
        num_deconv_filters=(16, 16, 16),
    )
    smooth(net)
    rng = np.random.RandomState(0)
    return net, [_array(rng, (2, 3, 64, 64))], 0, _output_loss("float64")


def _bert_encoder():
    from gluonnlp.model.bert import BERTEncoder

    return BERTEncoder(
        num_layers=2,
        units=32,
        hidden_size=64,
        max_length=16,
        num_heads=2,
        dropout=0.0,
        output_attention=False,
        output_all_encodings=False,
    )


class BertEncoderHead:
    """GluonNLP's BERT encoder (2 layers, 32 units, 2 heads: the interleaved
    attention products, GELU, LayerNorm, masked softmax over valid lengths),
    fed embeddings x, its output summed to a loss."""

    @staticmethod
    def build():
        import mxnet as mx

        class Block(mx.gluon.HybridBlock):
            def __init__(self):
                super().__init__()
                with self.name_scope():
                    self.encoder = _bert_encoder()

            def hybrid_forward(self, F, x, valid_length):
                return self.encoder(x, valid_length=valid_length)[0]

        rng = np.random.RandomState(0)
        x = _array(rng, (5, 2, 32), dtype="float32")  # (time, batch, units)
        valid = mx.nd.array([5, 3], dtype="float32")
        return Block(), [x, valid], 0, _output_loss("float32")


def gluonnlp_bert():
    return BertEncoderHead.build()


def gluonnlp_bert_model():
    """GluonNLP's whole BERTModel (word and token-type embeddings, the encoder,
    the pooler and the masked-language-model decoder, whose weight is the word
    embedding's: one parameter used twice)."""
    import mxnet as mx
    from gluonnlp.model.bert import BERTModel

    net = BERTModel(
        _bert_encoder(),
        vocab_size=11,
        token_type_vocab_size=2,
        units=32,
        embed_size=32,
        use_pooler=True,
        use_decoder=True,
        use_classifier=True,
    )
    rng = np.random.RandomState(0)
    ids = mx.nd.array(rng.randint(0, 11, (2, 5)), dtype="float32")
    types = mx.nd.array(rng.randint(0, 2, (2, 5)), dtype="float32")
    valid = mx.nd.array([5, 3], dtype="float32")
    masked = mx.nd.array([[1, 2], [0, 2]], dtype="float32")
    loss = _output_loss("float32")
    return net, [ids, types, valid, masked], None, lambda ys: sum(loss(y) for y in ys)


def gluonnlp_transformer():
    """GluonNLP's Transformer encoder (the seq2seq one: multi-head attention by
    batch_dot, position-wise FFN, LayerNorm), which runs in float64."""
    import mxnet as mx
    from gluonnlp.model.transformer import TransformerEncoder

    class Block(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.encoder = TransformerEncoder(
                    num_layers=2,
                    units=32,
                    hidden_size=64,
                    max_length=16,
                    num_heads=2,
                    dropout=0.0,
                )

        def hybrid_forward(self, F, x, valid_length):
            return self.encoder(x, valid_length=valid_length)[0]

    rng = np.random.RandomState(0)
    x = _array(rng, (2, 5, 32))  # (batch, time, units)
    valid = mx.nd.array([5, 3], dtype="float64")
    return Block(), [x, valid], 0, _output_loss("float64")


def gluonts_deepar():
    """GluonTS's DeepAR training network (its estimator's, StudentT output):
    mean scaling, lagged subsequences, an unrolled 2-layer LSTM, the StudentT
    negative log-likelihood; x is the past target."""
    import mxnet as mx
    from gluonts.mx.model.deepar import DeepAREstimator
    from gluonts.mx.trainer import Trainer

    estimator = DeepAREstimator(
        freq="H",
        prediction_length=3,
        context_length=4,
        num_layers=2,
        num_cells=4,
        dropout_rate=0.0,
        lags_seq=[1, 2],
        time_features=[],
        dtype=np.float64,
        trainer=Trainer(epochs=1, hybridize=False),
    )
    net = estimator.create_training_network()
    rng = np.random.RandomState(0)
    batch, history, future, features = 2, estimator.history_length, 3, 1
    f64 = "float64"
    inputs = [
        mx.nd.zeros((batch, 1), dtype=f64),  # feat_static_cat
        mx.nd.zeros((batch, 1), dtype=f64),  # feat_static_real
        _array(rng, (batch, history, features)),  # past_time_feat
        _array(rng, (batch, history), 1.0, 3.0),  # past_target
        mx.nd.ones((batch, history), dtype=f64),  # past_observed_values
        mx.nd.zeros((batch, history), dtype=f64),  # past_is_pad
        _array(rng, (batch, future, features)),  # future_time_feat
        _array(rng, (batch, future), 1.0, 3.0),  # future_target
        mx.nd.ones((batch, future), dtype=f64),  # future_observed_values
    ]
    return net, inputs, 3, lambda ys: ys[0].sum()


class Net:
    """A network of the checks: its library, builder, dtype, the central
    differences' step, the relative agreement asked, and the mode."""

    def __init__(
        self, library, builder, dtype="float64", eps=1e-7, rtol=1e-6, train=True, penalty=None
    ):
        self.library, self.builder, self.dtype = library, builder, dtype
        self.train = train
        self.steps = {"hvp": (eps, rtol), "penalty": penalty or (eps, rtol)}


# Steps and bounds, each as measured (the "seen" errors are this file's):
# * ResNets: max pooling's kink (the maximum of a window switching) is crossed
#   by steps of 1e-5 and 1e-6 (relative errors near 1, the difference's scale
#   growing as 1/step); 1e-7 crosses none here and leaves rounding at 2e-8.
# * Fast-SCNN, predict mode: in training mode the BatchNorm after its pyramid
#   pooling to 1x1 normalises over the batch alone (2 samples), a curvature no
#   step resolves. Its input gradient is small beside the weights', so the
#   penalty takes step 1e-3 (rounding fell as 1/step: seen 4e-7) and 1e-5.
# * DeepAR: stock MXNet's gammaln gradient (digamma, in the StudentT
#   likelihood) is accurate to about 1e-7 only, even in float64 (mxnet-ho's
#   psi' there agrees with scipy's to 1e-15), which floors the differences:
#   HVP step 1e-4 and 2e-4 (seen 2e-5), penalty step 1e-3 and 1e-4 (seen 7e-6).
# * BERT: its interleaved attention products run in float32 only on CPU
#   (mxnet-ho's float64 checks of their rules use a float64 reference:
#   tests/contrib/test_transformer.py), so the whole network is float32: step
#   1e-3 (the error falls as its square down to there; seen 3e-4 to 1e-3) and
#   2e-3. A wrong second derivative is off by its own size.
NETWORKS = {
    "se_resnet18_v1": Net("gluoncv", gluoncv_se_resnet18_v1),
    "fastscnn": Net("gluoncv", gluoncv_fastscnn, eps=1e-5, train=False, penalty=(1e-3, 1e-5)),
    "simple_pose_resnet18_v1b": Net("gluoncv", gluoncv_simple_pose_resnet18_v1b),
    "bert_encoder": Net("gluonnlp", gluonnlp_bert, "float32", 1e-3, 2e-3),
    "bert_model": Net("gluonnlp", gluonnlp_bert_model, "float32", 1e-3, 2e-3),
    "transformer_encoder": Net("gluonnlp", gluonnlp_transformer, eps=1e-5),
    "deepar": Net("gluonts", gluonts_deepar, eps=1e-4, rtol=2e-4, penalty=(1e-3, 1e-4)),
}


def build(name):
    import mxnet as mx

    dtype = NETWORKS[name].dtype
    mx.random.seed(0)
    np.random.seed(0)
    net, inputs, wrt, loss = NETWORKS[name].builder()
    net.initialize(mx.init.Xavier(), force_reinit=True)
    net.cast(dtype)
    net(*inputs)  # deferred shapes
    return net, inputs, wrt, loss, dtype


def params_of(net):
    return [p for p in net.collect_params().values() if p.grad_req != "null"]


def _grads(net, inputs, wrt, loss, train):
    """Stock first order: the weight gradients of L (and dL/dx where wrt is set)."""
    from mxnet import autograd

    inputs = list(inputs)
    if wrt is not None:
        inputs[wrt] = inputs[wrt].copy()
        inputs[wrt].attach_grad()
    with autograd.record(train_mode=train):
        top = loss(net(*inputs))
    top.backward(train_mode=train)
    out = [p.grad().asnumpy().astype("float64") for p in params_of(net)]
    if wrt is not None:
        out.append(inputs[wrt].grad.asnumpy().astype("float64"))
    return out


def assert_close(got, want, rtol, what):
    scale = max(np.abs(w).max() for w in want)
    assert scale > 0, what + ": the quantity is zero"
    for i, (a, b) in enumerate(zip(got, want)):
        err = np.abs(a - b).max() / scale
        assert err <= rtol, "%s[%d] of %d: relative error %.3g (scale %.3g)" % (
            what,
            i,
            len(want),
            err,
            scale,
        )


def case_penalty(name, how):
    """d/dw and d/dx of |dL/dx|^2 against central differences of stock dL/dw, dL/dx
    along x + t g, g = dL/dx."""
    import mxnet as mx
    from mxnet import autograd

    net, inputs, wrt, loss, dtype = build(name)
    (eps, rtol), train = NETWORKS[name].steps["penalty"], NETWORKS[name].train
    if how == "hybridized":
        net.hybridize()
    params = params_of(net)
    net.collect_params().zero_grad()
    xs = list(inputs)
    xs[wrt] = inputs[wrt].copy()
    xs[wrt].attach_grad()
    with autograd.record(train_mode=train):
        (g,) = autograd.grad(
            loss(net(*xs)), [xs[wrt]], create_graph=True, retain_graph=True, train_mode=train
        )
        penalty = (g * g).sum()
    penalty.backward(train_mode=train)
    got = [p.grad().asnumpy().astype("float64") for p in params]
    got.append(xs[wrt].grad.asnumpy().astype("float64"))

    g0 = _grads(net, inputs, wrt, loss, train)[-1]
    size = np.abs(g0).max()
    direction = mx.nd.array(g0 / size, dtype=dtype)

    def at(step):
        moved = list(inputs)
        moved[wrt] = inputs[wrt] + step * direction
        return _grads(net, moved, wrt, loss, train)

    plus, minus = at(eps), at(-eps)
    want = [2 * size * (hi - lo) / (2 * eps) for hi, lo in zip(plus, minus)]
    assert_close(got, want, rtol, "%s %s penalty" % (name, how))


def case_hvp(name, how):
    """d/dw <dL/dw, v> against the central difference of stock dL/dw along w + t v."""
    import mxnet as mx
    from mxnet import autograd

    net, inputs, _, loss, dtype = build(name)
    (eps, rtol), train = NETWORKS[name].steps["hvp"], NETWORKS[name].train
    if how == "hybridized":
        net.hybridize()
    params = params_of(net)
    rng = np.random.RandomState(3)
    vs = [rng.randn(*p.shape) for p in params]
    net.collect_params().zero_grad()
    ws = [p.data() for p in params]
    with autograd.record(train_mode=train):
        gs = autograd.grad(
            loss(net(*inputs)), ws, create_graph=True, retain_graph=True, train_mode=train
        )
        inner = sum((gi * mx.nd.array(v, dtype=dtype)).sum() for gi, v in zip(gs, vs))
    inner.backward(train_mode=train)
    got = [p.grad().asnumpy().astype("float64") for p in params]

    base = [p.data().asnumpy().astype("float64") for p in params]

    def at(step):
        for p, w, v in zip(params, base, vs):
            p.set_data(mx.nd.array(w + step * v, dtype=dtype))
        return _grads(net, inputs, None, loss, train)

    plus, minus = at(eps), at(-eps)
    want = [(hi - lo) / (2 * eps) for hi, lo in zip(plus, minus)]
    assert_close(got, want, rtol, "%s %s hvp" % (name, how))


def cases():
    for name in NETWORKS:
        for how in ("imperative", "hybridized"):
            if NETWORKS[name].builder is not gluonnlp_bert_model:  # token ids: no x
                yield pytest.param(name, how, "penalty", id="%s-%s-penalty" % (name, how))
            yield pytest.param(name, how, "hvp", id="%s-%s-hvp" % (name, how))


@pytest.mark.parametrize("name,how,quantity", list(cases()))
def test_against_central_differences(name, how, quantity):
    require(NETWORKS[name].library)
    run_isolated("case_" + quantity, name, how)
