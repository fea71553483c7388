"""Probe every operator's gradient graph, in a child process of the coverage tool.

    python -m mxnet_ho._probe {stock|patched} [--skip OP,OP...]

prints one JSON object per line: {"op", "fgradient", "priority", "rule",
"variants", "children", "attrs", "error"}, or {"op", "alias_of"} for a name
that is an alias of another op (not probed: it is that op) ("rule": the FGradient registered is
one of mxnet-ho's rules; every other op with a gradient keeps stock's, wrapped so
that it skips the zero heads of higher-order passes). An op is probed once per
attribute set that changes which backward op runs or what it computes
(`attr_variants`): "variants" holds each set's {"attrs", "children", "calls"
(each [op, attrs] of its gradient graph), "error"}; "children" is their union,
"attrs" the first set, "error" the first error. "stock" loads and self-checks the
native library without registering anything; "patched" registers mxnet-ho's
rules first. Gradients are built as a higher-order pass builds them
(create_graph). Before each probe it prints {"probing": op}, so that the parent
can tell which op brought the process down, should a stock gradient function
crash on placeholders.
"""

import json
import sys

# Attributes an op needs before its gradient can be built on placeholders. A list
# is one set per variant of the gradient (each act_type, pool_type, no_bias, ...):
# the op closes only if every variant does (the coverage tool takes the minimum).
# Keyed by an op's own name: an alias (nnvm add_alias) is the same op, probed once.
PROBE_ATTRS = {
    "Activation": {"act_type": "tanh"},
    "expand_dims": {"axis": "0"},
    "clip": {"a_min": "-1", "a_max": "1"},
    "scatter_nd": {"shape": "(3,)"},
    "reverse": {"axis": "(0,)"},
    "stack": {"num_args": "2"},
    "_split_v2": {"indices": "(0, 1)"},
    "Concat": {"num_args": "2"},
    "BatchNorm": {},
    "Cast": {"dtype": "float32"},
    "Convolution": {"kernel": "(3,3)", "num_filter": "2"},
    "Deconvolution": {"kernel": "(3,3)", "num_filter": "2"},
    "Embedding": {"input_dim": "5", "output_dim": "3"},
    "FullyConnected": {"num_hidden": "3"},
    "LeakyReLU": {"act_type": "leaky"},
    "LRN": {"nsize": "3"},
    "_backward_LRN": {"nsize": "3"},
    "Pad": {"mode": "constant", "pad_width": "(0,0,0,0,1,1,1,1)"},
    "Pooling": {"kernel": "(2,2)", "pool_type": "max"},
    # Both transforms (affine reads the target points, warp the flow's shape).
    "GridGenerator": [
        {"transform_type": "affine", "target_shape": "(3, 4)"},
        {"transform_type": "warp"},
    ],
    "Correlation": [{"is_multiply": "True"}, {"is_multiply": "False", "kernel_size": "3"}],
    # Crop by h_w at an offset, and centred like a second input.
    "Crop": [
        {"num_args": "1", "h_w": "(1, 1)", "offset": "(0, 0)"},
        {"num_args": "2", "center_crop": "True"},
    ],
    "im2col": {"kernel": "(2, 2)"},
    "col2im": {"kernel": "(2, 2)", "output_size": "(3, 3)"},
    "_backward_im2col": {"kernel": "(2, 2)"},
    "_backward_col2im": {"kernel": "(2, 2)", "output_size": "(3, 3)"},
    "ROIPooling": {"pooled_size": "(2, 2)", "spatial_scale": "1"},
    "_contrib_PSROIPooling": {"spatial_scale": "1", "output_dim": "2", "pooled_size": "2"},
    # with and without the bias (the gradient's last output)
    "_contrib_DeformableConvolution": [
        {"kernel": "(3, 3)", "num_filter": "2"},
        {"kernel": "(3, 3)", "num_filter": "2", "no_bias": "True"},
    ],
    # with and without trans (the gradient's third output)
    "_contrib_DeformablePSROIPooling": [
        {
            "spatial_scale": "1",
            "output_dim": "2",
            "group_size": "2",
            "pooled_size": "2",
            "sample_per_part": "2",
            "trans_std": "0.1",
        },
        {
            "spatial_scale": "1",
            "output_dim": "2",
            "group_size": "2",
            "pooled_size": "2",
            "no_trans": "True",
        },
    ],
    "_contrib_ModulatedDeformableConvolution": [
        {"kernel": "(3, 3)", "num_filter": "2"},
        {"kernel": "(3, 3)", "num_filter": "2", "no_bias": "True"},
    ],
    "_contrib_ROIAlign": {"pooled_size": "(2, 2)", "spatial_scale": "1"},
    "SpatialTransformer": {
        "transform_type": "affine",
        "sampler_type": "bilinear",
        "target_shape": "(3, 4)",
    },
    # Every mode, two layers, both directions: each a variant.
    "RNN": [
        {"state_size": "2", "num_layers": "2", "bidirectional": "True", "mode": mode}
        for mode in ("lstm", "gru", "rnn_tanh", "rnn_relu")
    ],
    "Reshape": {"shape": "(-1,)"},
    "SliceChannel": {"num_outputs": "2"},
    "UpSampling": {"scale": "2", "sample_type": "nearest", "num_args": "1"},
    "_backward_Activation": {"act_type": "tanh"},
    "_backward_Convolution": {"kernel": "(3,3)", "num_filter": "2"},
    "_backward_Deconvolution": {"kernel": "(3,3)", "num_filter": "2"},
    "_backward_FullyConnected": {"num_hidden": "3"},
    "_backward_LeakyReLU": {"act_type": "leaky"},
    "_backward_Pooling": {"kernel": "(2,2)", "pool_type": "max"},
    "_backward_GridGenerator": [
        {"transform_type": "affine", "target_shape": "(3, 4)"},
        {"transform_type": "warp"},
    ],
    "_backward_SliceChannel": {"num_outputs": "2"},
    "add_n": {"num_args": "2"},
    "broadcast_axis": {"axis": "0", "size": "2"},
    "broadcast_to": {"shape": "(2,2)"},
    "one_hot": {"depth": "3"},
    "repeat": {"repeats": "2"},
    "slice": {"begin": "(0,)", "end": "(1,)"},
    # Assigning into a slice: positive, negative and default steps, None bounds.
    "_slice_assign": [
        {"begin": "(0,)", "end": "(1,)"},
        {"begin": "(None, 3)", "end": "(None, 0)", "step": "(1, -2)"},
    ],
    "_slice_assign_scalar": [
        {"begin": "(0,)", "end": "(1,)", "scalar": "2"},
        {"begin": "(None, 3)", "end": "(None, 0)", "step": "(1, -2)", "scalar": "0"},
    ],
    "_scatter_set_nd": {"shape": "(3,)"},
    "slice_axis": {"axis": "0", "begin": "0", "end": "1"},
    "tile": {"reps": "(2,)"},
    "transpose": {},
    "depth_to_space": {"block_size": "2"},
    "space_to_depth": {"block_size": "2"},
    # The NumPy interface's shape and joining ops (family numpy_shape).
    "_np_reshape": {"newshape": "(-1,)"},
    "_npx_reshape": {"newshape": "(-1,)"},
    "_np_moveaxis": {"source": "(0,)", "destination": "(1,)"},
    "_np_roll": {"shift": "(1,)", "axis": "(0,)"},
    "_np_atleast_1d": {"num_args": "1"},
    "_np_atleast_2d": {"num_args": "1"},
    "_np_atleast_3d": {"num_args": "1"},
    "_npi_concatenate": {"num_args": "2"},
    "_npi_stack": {"num_args": "2"},
    "_npi_vstack": {"num_args": "2"},
    "_npi_hstack": {"num_args": "2"},
    "_npi_dstack": {"num_args": "2"},
    "_npi_column_stack": {"num_args": "2"},
    "_npi_hsplit": {"indices": "(0, 1)"},
    "_npi_dsplit": {"indices": "(0, 1)"},
    "_npi_flip": {"axis": "(0,)"},
    "_npi_pad": {"pad_width": "((1, 1),)", "mode": "constant"},
    "_npi_tensordot": {"a_axes_summed": "(1,)", "b_axes_summed": "(0,)"},
    "_npi_tensordot_int_axes": {"axes": "1"},
    # A contraction (stock's backward op) and a diagonal (the composed gradient).
    "_npi_einsum": [
        {"num_args": "2", "subscripts": "ij,jk->ik"},
        {"num_args": "2", "subscripts": "ii,ij->ij"},
    ],
    "_npi_full_like": {"fill_value": "1"},
    # Loss and output layers: every variant that changes their gradient's math.
    "SoftmaxOutput": [
        {},
        {"multi_output": "True", "use_ignore": "True", "normalization": "valid"},
        {"multi_output": "True", "normalization": "batch"},
        {"preserve_shape": "True", "normalization": "batch", "smooth_alpha": "0.1"},
        {"use_ignore": "True", "smooth_alpha": "0.1", "out_grad": "True"},
    ],
    "SVMOutput": [{}, {"use_linear": "True"}],
    "MakeLoss": [{}, {"normalization": "valid"}, {"normalization": "batch"}],
    "SoftmaxActivation": [{}, {"mode": "channel"}],
    # Mixed precision and storage casts, contrib ops.
    "amp_cast": {"dtype": "float16"},
    "amp_multicast": [{"num_outputs": "2"}, {"num_outputs": "2", "cast_narrow": "True"}],
    "cast_storage": [{"stype": "default"}, {"stype": "row_sparse"}, {"stype": "csr"}],
    "_rnn_param_concat": {"num_args": "2"},
    "_square_sum": {"axis": "1"},
    "_contrib_gradientmultiplier": {"scalar": "2"},
    "_contrib_quadratic": {"a": "1", "b": "2", "c": "3"},
    "_npi_copysign_scalar": [{"scalar": "2"}, {"scalar": "-2"}],
    "_npi_rcopysign_scalar": {"scalar": "2"},
    # The quantized kernels (stock's zero gradient, MakeZeroGradNodes) and the
    # MKL-DNN fused attention products, which parse attributes alone.
    "_contrib_quantized_concat": {"num_args": "2"},
    "_contrib_quantized_conv": {"kernel": "(3,3)", "num_filter": "2"},
    "_contrib_quantized_embedding": {"input_dim": "5", "output_dim": "3"},
    "_contrib_quantized_fully_connected": {"num_hidden": "3"},
    "_contrib_quantized_pooling": {"kernel": "(2,2)", "pool_type": "max"},
    "_sg_mkldnn_selfatt_qk": {"heads": "2"},
    "_sg_mkldnn_selfatt_valatt": {"heads": "2"},
    "_contrib_SparseEmbedding": {"input_dim": "5", "output_dim": "3"},
}
# The interleaved attention products (family transformer) and their backward ops.
for _product in ("selfatt_qk", "selfatt_valatt", "encdec_qk", "encdec_valatt"):
    PROBE_ATTRS["_contrib_interleaved_matmul_" + _product] = {"heads": "2"}
    PROBE_ATTRS["_backward_interleaved_matmul_" + _product] = {"heads": "2"}

# The densities: the density exp(l) and the log-density l (is_log) both.
for _density in (
    "normal",
    "uniform",
    "gamma",
    "exponential",
    "poisson",
    "negative_binomial",
    "generalized_negative_binomial",
    "dirichlet",
):
    PROBE_ATTRS["_random_pdf_" + _density] = [{"is_log": "False"}, {"is_log": "True"}]

# The image ops' required attributes (the random augmentations' factors and
# adjust_lighting's alpha change no gradient: theirs is a _copy of the head);
# normalize and crop with one std or one per channel, the window anywhere.
_RANDOM_ENHANCE = {"min_factor": "0.5", "max_factor": "1.5"}
for _name in ("brightness", "contrast", "saturation", "hue"):
    PROBE_ATTRS["_image_random_" + _name] = _RANDOM_ENHANCE
PROBE_ATTRS["_image_random_color_jitter"] = {
    "brightness": "0.3",
    "contrast": "0.3",
    "saturation": "0.3",
    "hue": "0.1",
}
PROBE_ATTRS["_image_adjust_lighting"] = {"alpha": "(0.1, 0.2, 0.3)"}
PROBE_ATTRS["_image_crop"] = {"x": "1", "y": "0", "width": "2", "height": "1"}
PROBE_ATTRS["_backward_image_crop"] = PROBE_ATTRS["_image_crop"]
PROBE_ATTRS["_image_normalize"] = [{}, {"mean": "(0.1, 0.2, 0.3)", "std": "(0.5, 2.0, 4.0)"}]
PROBE_ATTRS["_backward_image_normalize"] = PROBE_ATTRS["_image_normalize"]
# bipartite_matching's required threshold (its gradient is zero for any).
PROBE_ATTRS["_contrib_bipartite_matching"] = {"threshold": "0.1"}
# The NumPy samplers: each parameter an array or a number (which decides the
# backward op's inputs and outputs).
_LOC_SCALE = [
    {"loc": "None", "scale": "None"},
    {"loc": "0.5", "scale": "None"},
    {"loc": "None", "scale": "2"},
]
for _sampler in ("normal", "normal_n", "gumbel", "logistic"):
    PROBE_ATTRS["_npi_" + _sampler] = _LOC_SCALE
for _sampler in ("normal", "gumbel", "logistic"):
    PROBE_ATTRS["_backward_broadcast_" + _sampler] = _LOC_SCALE
for _sampler in ("uniform", "uniform_n"):
    PROBE_ATTRS["_npi_" + _sampler] = [
        {"low": "None", "high": "None"},
        {"low": "0", "high": "None"},
        {"low": "None", "high": "1"},
    ]
for _sampler in ("rayleigh", "exponential"):
    PROBE_ATTRS["_npi_" + _sampler] = {"scale": "None"}
for _sampler in ("pareto", "weibull"):
    PROBE_ATTRS["_npi_" + _sampler] = {"a": "None"}
PROBE_ATTRS["_npi_gamma"] = [{"shape": "None", "scale": "None"}, {"shape": "None", "scale": "2"}]
PROBE_ATTRS["_npi_bernoulli"] = [
    {"is_logit": "False", "prob": "None", "logit": "None"},
    {"is_logit": "True", "prob": "None", "logit": "None"},
]
PROBE_ATTRS["_npi_choice"] = {"a": "3", "size": "(2,)", "replace": "True", "weighted": "True"}
PROBE_ATTRS["_npi_multinomial"] = {"n": "3"}
# sample_multinomial's log-probabilities: one and several draws per distribution.
PROBE_ATTRS["_sample_multinomial"] = [
    {},
    {"get_prob": "True"},
    {"get_prob": "True", "shape": "(3,)"},
]
# np.ediff1d: each end an array, a number or absent.
PROBE_ATTRS["_npi_ediff1d"] = [
    {"to_begin_arr_given": begin, "to_end_arr_given": end}
    for begin in ("False", "True")
    for end in ("False", "True")
] + [
    {
        "to_begin_arr_given": "False",
        "to_end_arr_given": "False",
        "to_begin_scalar": "1",
        "to_end_scalar": "2",
    }
]

# Every output_size form: none (1 x 1), one number, a pair.
PROBE_ATTRS["_contrib_AdaptiveAvgPooling2D"] = [{}, {"output_size": "2"}, {"output_size": "(2, 3)"}]
PROBE_ATTRS["_backward_contrib_AdaptiveAvgPooling2D"] = PROBE_ATTRS["_contrib_AdaptiveAvgPooling2D"]
# Every resize mode, with and without aligned corners.
PROBE_ATTRS["_contrib_BilinearResize2D"] = [
    dict(sizes, align_corners=aligned)
    for sizes in (
        {"height": "3", "width": "2"},
        {"scale_height": "1.5", "scale_width": "0.5"},
        {"mode": "odd_scale", "scale_height": "2", "scale_width": "2"},
        {"mode": "like"},
        {"mode": "to_even_down"},
        {"mode": "to_even_up"},
        {"mode": "to_odd_down"},
        {"mode": "to_odd_up"},
    )
    for aligned in ("True", "False")
]
PROBE_ATTRS["_backward_contrib_BilinearResize2D"] = PROBE_ATTRS["_contrib_BilinearResize2D"]
# With and without sequence lengths (SequenceLast: along axis 0 and 1).
PROBE_ATTRS["SequenceLast"] = [
    {},
    {"use_sequence_length": "True"},
    {"use_sequence_length": "True", "axis": "1"},
]
PROBE_ATTRS["SequenceReverse"] = [{}, {"use_sequence_length": "True"}]
for _op in ("SequenceLast", "SequenceReverse"):
    PROBE_ATTRS["_backward_" + _op] = PROBE_ATTRS[_op]


def _each(base, **choices):
    """One attribute set per combination of `choices` (key: values), over `base`."""
    sets = [dict(base)]
    for key, values in choices.items():
        sets = [dict(attrs, **{key: value}) for attrs in sets for value in values]
    return sets


# The attributes that change which backward op runs or what it computes: every
# value is a variant (an op counts as closing at any order only if each does).
_ACT_TYPES = ("relu", "sigmoid", "tanh", "softrelu", "softsign")
_LEAKY_TYPES = ("leaky", "prelu", "elu", "selu", "gelu", "rrelu")
_POOLING = _each({"kernel": "(2,2)"}, pool_type=("max", "avg", "sum")) + [
    {"kernel": "(2,2)", "pool_type": "lp", "p_value": "2"},
    {"kernel": "(2,2)", "pool_type": "lp", "p_value": "3"},
    {"kernel": "(2,2)", "pool_type": "avg", "count_include_pad": "False", "pad": "(1,1)"},
    {"kernel": "(2,2)", "pool_type": "max", "global_pool": "True"},
    {"kernel": "(2,2)", "pool_type": "avg", "global_pool": "True"},
]
_TOPK = _each({"k": "2"}, ret_typ=("value", "indices", "mask", "both"), is_ascend=("0", "1"))
_TOPK += _each({"k": "2", "axis": "None"}, ret_typ=("value", "both"))
_SORT = _each({}, axis=("-1", "None"), is_ascend=("1", "0"))
_NP_NORM = [
    {"flag": "-2"},
    *_each({"flag": "-1", "axis": "(0,)"}, ord=("2", "1", "0", "3")),
    {"flag": "1", "axis": "(0, 1)"},
    {"flag": "0", "ord": "2", "axis": "(0, 1)"},
    {"flag": "2", "axis": "(0, 1)"},
]
# The legacy ops (2-D only): every pool_type, convention and global_pool of
# Pooling_v1 (its padding is zeros for max too), the BatchNorm modes of the
# legacy batch norms, SyncBatchNorm across devices (refused by name).
_POOLING_V1 = _each({"kernel": "(2,2)"}, pool_type=("max", "avg", "sum")) + [
    *_each({"kernel": "(2,2)", "pad": "(1,1)"}, pool_type=("max", "avg")),
    *_each(
        {"kernel": "(3,3)", "stride": "(2,2)", "pooling_convention": "full"},
        pool_type=("max", "avg", "sum"),
    ),
    *_each({"kernel": "(2,2)", "global_pool": "True"}, pool_type=("max", "avg", "sum")),
]
_BATCH_NORM_MODES = _each({}, fix_gamma=("True", "False"), use_global_stats=("False", "True"))
_CONV_V1 = _each({"kernel": "(3,3)", "num_filter": "2"}, no_bias=("False", "True"))
PROBE_ATTRS.update(
    {
        "Convolution_v1": _CONV_V1,
        "_backward_Convolution_v1": _CONV_V1,
        "Pooling_v1": _POOLING_V1,
        "_backward_Pooling_v1": _POOLING_V1,
        "BatchNorm_v1": _BATCH_NORM_MODES,
        "_backward_BatchNorm_v1": _BATCH_NORM_MODES,
        "_contrib_SyncBatchNorm": [dict(a, key="probe") for a in _BATCH_NORM_MODES]
        + [{"key": "probe", "ndev": "2", "use_global_stats": v} for v in ("False", "True")],
        "_backward__contrib_SyncBatchNorm": [dict(a, key="probe") for a in _BATCH_NORM_MODES]
        + [{"key": "probe", "ndev": "2", "use_global_stats": v} for v in ("False", "True")],
        "_contrib_BatchNormWithReLU": _BATCH_NORM_MODES,
        "_backward_contrib_BatchNormWithReLU": _BATCH_NORM_MODES,
    }
)
PROBE_ATTRS.update(
    {
        "Activation": _each({}, act_type=_ACT_TYPES),
        "_backward_Activation": _each({}, act_type=_ACT_TYPES),
        "LeakyReLU": _each({}, act_type=_LEAKY_TYPES),
        "_backward_LeakyReLU": _each({}, act_type=_LEAKY_TYPES),
        "Pooling": _POOLING,
        "_backward_Pooling": _POOLING,
        "Convolution": _each(PROBE_ATTRS["Convolution"], no_bias=("False", "True")),
        "_backward_Convolution": _each(PROBE_ATTRS["Convolution"], no_bias=("False", "True")),
        "Deconvolution": _each(PROBE_ATTRS["Deconvolution"], no_bias=("True", "False")),
        "_backward_Deconvolution": _each(PROBE_ATTRS["Deconvolution"], no_bias=("True", "False")),
        "FullyConnected": _each(
            {"num_hidden": "3"}, no_bias=("False", "True"), flatten=("True", "False")
        ),
        "_backward_FullyConnected": _each(
            {"num_hidden": "3"}, no_bias=("False", "True"), flatten=("True", "False")
        ),
        "Pad": _each({"pad_width": "(0,0,0,0,1,1,1,1)"}, mode=("constant", "edge", "reflect")),
        "_npi_pad": _each(
            {"pad_width": "((1, 1),)"},
            mode=("constant", "edge", "reflect", "symmetric", "maximum", "minimum"),
        ),
        "Dropout": [{}, {"mode": "always"}],
        "BatchNorm": _each({}, fix_gamma=("True", "False"), use_global_stats=("False", "True")),
        "UpSampling": [
            PROBE_ATTRS["UpSampling"],
            {"scale": "2", "sample_type": "bilinear", "num_filter": "2", "num_args": "2"},
        ],
        "softmax": [{"axis": "-1"}, {"axis": "-1", "use_length": "True"}],
        "L2Normalization": _each({}, mode=("instance", "channel", "spatial")),
        "norm": _each({}, ord=("2", "1")),
        "_npi_norm": _NP_NORM,
        "SequenceMask": [
            {},
            {"use_sequence_length": "True"},
            {"use_sequence_length": "True", "axis": "1"},
        ],
        "take": _each({}, mode=("clip", "wrap", "raise")),
        "pick": _each({}, mode=("clip", "wrap"), keepdims=("False", "True")),
        "LayerNorm": [{}, {"output_mean_var": "True"}],
        "GroupNorm": [{}, {"output_mean_var": "True"}],
        "Embedding": _each({"input_dim": "5", "output_dim": "3"}, sparse_grad=("False", "True")),
        "topk": _TOPK,
        "sort": _SORT,
    }
)


# The shapes of placeholder inputs a rule needs (the fused RNN's sequence length,
# which a higher-order pass reads off the recorded arrays).
PROBE_SHAPES = {"RNN": {"input0": (3, 2, 4)}}


def _control_flow_symbols():
    """Ops that need a real graph around them (their subgraphs): {op: (symbol
    whose output 0 is such a node, the shapes of its variables)}, each body
    made of a few differentiable ops, every input a variable (the probe reads
    the whole graph below the node)."""
    import mxnet as mx

    F = mx.sym
    x, h, w, i = F.var("x"), F.var("h"), F.var("w"), F.var("i")
    outs, _ = F.contrib.foreach(lambda xt, s: (F.tanh(xt * w + s[0]), [xt * s[0]]), x, [h])
    _, loop_vars = F.contrib.while_loop(
        cond=lambda i, s: i < 3,
        func=lambda i, s: ([F.sin(s) * w], [i + 1, F.tanh(s * w)]),
        loop_vars=[i, h],
        max_iterations=4,
    )
    branch = F.contrib.cond(F.sum(h) > 0, lambda: F.sin(h) * w, lambda: F.exp(w) * h)
    shapes = {"x": (3, 2), "h": (2,), "w": (2,), "i": (1,)}
    return {
        "_foreach": (outs, shapes),
        "_while_loop": (loop_vars[1], shapes),
        "_cond": (branch, shapes),
    }


def _square(x):
    return x * x


def _user_code_symbols():
    """Ops that only user code or a graph pass creates, each made the way it is
    made in use (a node of these cannot be built from attributes): {op: (symbol
    whose output 0 is such a node, the shapes of its variables)}. An op whose
    symbol cannot be made here (no MKL-DNN backend) is left out, and reported
    with its NOT_PROBED reason."""
    import mxnet as mx

    x, w, b = mx.sym.var("x"), mx.sym.var("w"), mx.sym.var("b")
    shapes = {"x": (2, 3)}
    made = {}

    # Custom: a CustomOp registered in this process (its gradient node runs the
    # user's backward).
    class Square(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], _square(in_data[0]))

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            self.assign(in_grad[0], req[0], 2 * in_data[0] * out_grad[0])

    @mx.operator.register("_mxnet_ho_probe_square")
    class SquareProp(mx.operator.CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=True)

        def list_arguments(self):
            return ["data"]

        def infer_shape(self, in_shape):
            return in_shape, [in_shape[0]], []

        def create_operator(self, ctx, shapes, dtypes):
            return Square()

    made["Custom"] = (mx.sym.Custom(x, op_type="_mxnet_ho_probe_square"), shapes)

    # _Native and _NDArray: the deprecated NumpyOp and NDArrayOp (their nodes hold
    # a pointer to the Python callbacks, kept alive by _KEEP).
    import warnings

    for name, base in (("_Native", mx.operator.NumpyOp), ("_NDArray", mx.operator.NDArrayOp)):

        class Identity(base):
            def __init__(self):
                super().__init__(False)

            def list_arguments(self):
                return ["data"]

            def list_outputs(self):
                return ["output"]

            def infer_shape(self, in_shape):
                return in_shape, [in_shape[0]]

            def forward(self, in_data, out_data):
                out_data[0][:] = in_data[0]

            def backward(self, out_grad, in_data, out_data, in_grad):
                in_grad[0][:] = out_grad[0]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "NumpyOp has been deprecated"
            op = Identity()
        _KEEP.append(op)
        made[name] = (op(data=x), shapes)

    # _CachedOp: a hybridized block recorded as one node (inline_limit=0), read
    # back from autograd: its gradient is the hybridized pass (cached_op.cc).
    class Block(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, data):
            return F.sin(data) * data

    block = Block()
    block.hybridize(inline_limit=0)
    data = mx.nd.ones((2, 3))
    data.attach_grad()
    with mx.autograd.record():
        out = block(data)
    recorded = mx.autograd.get_symbol(out)
    _KEEP.append((block, data, out))
    made["_CachedOp"] = (recorded, {recorded.list_arguments()[0]: (2, 3)})

    # _sg_mkldnn_conv and _sg_mkldnn_fully_connected: made only by MKL-DNN's
    # subgraph pass (their attribute parsers read the fused subgraph).
    for name, layer in (
        ("_sg_mkldnn_conv", mx.sym.Convolution(x, w, b, kernel=(3, 3), num_filter=2)),
        ("_sg_mkldnn_fully_connected", mx.sym.FullyConnected(x, w, b, num_hidden=3)),
    ):
        try:
            fused = layer.optimize_for("MKLDNN")
        except mx.base.MXNetError:
            continue
        if json.loads(fused.tojson())["nodes"][-1]["op"] == name:
            made[name] = (fused, {"x": (1, 2, 5, 5)} if "conv" in name else shapes)
    return made


# Python objects the probe's nodes point into (their callbacks), kept alive.
_KEEP = []

# How each op of _user_code_symbols() is made for the probe (the report says it).
PROBED_AS = {
    "Custom": "a CustomOp registered in the probe (x*x)",
    "_Native": "a NumpyOp made in the probe (the identity)",
    "_NDArray": "an NDArrayOp made in the probe (the identity)",
    "_CachedOp": "a recorded hybridized block, sin(x)*x: its gradient is the hybridized "
    "pass (src/imperative/cached_op.cc), the block's own ops' gradients, so a block's "
    "order is its ops'",
    "_sg_mkldnn_conv": "MKL-DNN's subgraph pass over a Convolution",
    "_sg_mkldnn_fully_connected": "MKL-DNN's subgraph pass over a FullyConnected",
}

# Ops whose FGradient needs real graph context that placeholders cannot give; an
# op in _user_code_symbols() is probed on its symbol, and given this reason only
# where that symbol cannot be made.
NOT_PROBED = {
    "_backward_CachedOp": "a hybridized graph: its gradient needs the cached graph state",
    "_CustomFunction": "made only by autograd.Function (MXCustomFunctionRecord), which "
    "holds the Python callbacks in the node's parsed attributes: no node of it can be "
    "made from attributes or a symbol",
    "_sg_mkldnn_conv": "made only by MKL-DNN's subgraph pass (optimize_for), which this "
    "MXNet lacks: its attribute parser requires the fused subgraph",
    # Its attribute parser indexes attrs.subgraphs[0] without checking that there
    # is one (src/operator/subgraph/mkldnn/mkldnn_fc.cc): a node made from
    # attributes crashes the process.
    "_sg_mkldnn_fully_connected": "made only by MKL-DNN's subgraph pass (optimize_for), "
    "which this MXNet lacks: its attribute parser reads the fused subgraph",
    "Custom": "a Python custom op: its gradient needs the registered class",
    "_Native": "a NumpyOp: its node needs the Python callbacks",
    "_NDArray": "an NDArrayOp: its node needs the Python callbacks",
    "_CachedOp": "a hybridized graph: its gradient needs the cached graph state",
}


# How many distinct attribute sets met inside gradient graphs are probed per op.
MAX_FOUND_VARIANTS = 8


def attr_variants(op, found=()):
    """Every attribute set `op` is probed with: its PROBE_ATTRS (a list: each of
    them), then each distinct set it was met with inside another gradient graph
    (`found`); {} where there is neither. An op closes only if every one does."""
    listed = PROBE_ATTRS.get(op)
    variants = [] if listed is None else list(listed) if isinstance(listed, list) else [listed]
    for attrs in found:
        if attrs not in variants:
            variants.append(attrs)
    return variants or [{}]


def _variant(attrs, result, met=()):
    """One probed attribute set: {"attrs", "children" (the ops of its gradient
    graph), "error", "nodes"}. A graph that cannot be built from placeholders
    falls back on the gradient of a node of this op with the same attributes met
    inside another graph (`met`: {"attrs", "grad_ops" (its gradient graph's nodes,
    {"op", "attrs"} each) or "grad_error"} each)."""
    same = [m for m in met if m["attrs"] == attrs]
    if "error" in result and same:
        if "grad_ops" in same[0]:
            result = {"nodes": same[0]["grad_ops"]}  # each {"op", "attrs"}
        else:
            result = {"error": same[0]["grad_error"]}
    variant = {"attrs": dict(attrs), "children": [], "calls": [], "error": None, "nodes": []}
    if "error" in result:
        variant["error"] = _message(result["error"])
        return variant
    variant["nodes"] = result["nodes"]
    for node in result["nodes"]:
        if node["op"] not in variant["children"]:
            variant["children"].append(node["op"])
        call = [node["op"], node.get("attrs")]
        if call not in variant["calls"]:
            variant["calls"].append(call)
    return variant


def _message(error):
    """The informative line of an MXNet error (not its stack trace)."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("File ", "[bt]", "Stack trace"))]
    return (useful[-1] if useful else lines[-1] if lines else "unknown error")[:300]


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv):
    mode = argv[0]
    skip = set()
    if "--skip" in argv:
        skip = set(filter(None, argv[argv.index("--skip") + 1].split(",")))
    from . import _native

    _native.load()
    if mode == "patched":
        _native.activate()
    import mxnet  # noqa: F401

    # An alias (nnvm add_alias) is the same op under another name: it is reported
    # as its op, which alone is probed (inside gradient graphs every node carries
    # the op's own name).
    aliases = _native.op_aliases()
    for alias in sorted(aliases):
        emit({"op": alias, "alias_of": aliases[alias]})
    all_ops = sorted(set(_native.registered_op_names()) - set(aliases))

    symbols = _control_flow_symbols()
    symbols.update(_user_code_symbols())
    # Forward ops first, so backward ops are met with the attributes their
    # forward graphs give them.
    queue = [op for op in all_ops if not op.startswith("_backward")]
    queue += [op for op in all_ops if op.startswith("_backward")]
    # The distinct attributes each op was met with inside other gradient graphs.
    found_attrs = {}
    # The gradient graphs (ops or error) of nodes met inside other gradient
    # graphs, for ops that cannot be rebuilt from attributes alone.
    found_graphs = {}
    done = set()
    while queue:
        op = queue.pop(0)
        if op in done:
            continue
        done.add(op)
        priority = _native.gradient_priority(op)
        row = {
            "op": op,
            "fgradient": priority > 0,
            "priority": priority,
            "rule": _native.has_rule(op),
            "children": [],
            "attrs": {},
            "error": None,
        }
        if priority <= 0:
            emit(row)
            continue
        if (op in NOT_PROBED and op not in symbols) or op in skip:
            row["error"] = NOT_PROBED.get(op, "probing it crashed the process")
            emit(row)
            continue
        row["variants"] = variants = []
        emit({"probing": op})
        if op in symbols:
            row["probed_as"] = PROBED_AS.get(op)
            variants.append(
                _variant({}, _native.probe_symbol(*symbols[op]), found_graphs.get(op, ()))
            )
        else:
            for attrs in attr_variants(op, found_attrs.get(op, [])):
                result = _native.probe(op, dict(attrs), PROBE_SHAPES.get(op))
                variants.append(_variant(attrs, result, found_graphs.get(op, ())))
        row["attrs"] = variants[0]["attrs"]
        row["error"] = next((v["error"] for v in variants if v["error"]), None)
        for variant in variants:
            nodes = variant.pop("nodes")
            for child in variant["children"]:
                if child not in row["children"]:
                    row["children"].append(child)
            for node in nodes:
                child, attrs = node["op"], node.get("attrs")
                met = found_attrs.setdefault(child, [])
                if attrs is not None and attrs not in met and len(met) < MAX_FOUND_VARIANTS:
                    met.append(attrs)
                    if child in done:
                        done.discard(child)  # probe it again, with these attributes too
                        queue.append(child)
                if attrs is not None and ("grad_ops" in node or "grad_error" in node):
                    graph = {k: node[k] for k in ("attrs", "grad_ops", "grad_error") if k in node}
                    found_graphs.setdefault(child, []).append(graph)
                if child not in done and child not in queue:
                    queue.append(child)
        emit(row)


if __name__ == "__main__":
    main(sys.argv[1:])
