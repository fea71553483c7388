"""Probe every operator's gradient graph, in a child process of the coverage tool.

    python -m mxnet_ho._probe {stock|patched} [--skip OP,OP...]

prints one JSON object per line: {"op", "fgradient", "priority", "rule",
"children", "attrs", "error"} ("rule": the FGradient registered is one of
mxnet-ho's rules; every other op with a gradient keeps stock's, wrapped so that
it skips the zero heads of higher-order passes). "stock" loads and self-checks
the native library without registering anything; "patched" registers
mxnet-ho's rules first. Gradients are built as a higher-order pass builds them
(create_graph). Before each
probe it prints {"probing": op}, so that the parent can tell which op brought
the process down, should a stock gradient function crash on placeholders.
"""

import json
import sys

# Attributes an op needs before its gradient can be built on placeholders.
PROBE_ATTRS = {
    "Activation": {"act_type": "tanh"},
    "_npx_activation": {"act_type": "tanh"},
    "_npx_fully_connected": {"num_hidden": "3"},
    "_npx_embedding": {"input_dim": "5", "output_dim": "3"},
    "expand_dims": {"axis": "0"},
    "crop": {"begin": "(0,)", "end": "(1,)"},
    "clip": {"a_min": "-1", "a_max": "1"},
    "scatter_nd": {"shape": "(3,)"},
    "cast": {"dtype": "float32"},
    "_npx_convolution": {"kernel": "(3,3)", "num_filter": "2"},
    "_npx_deconvolution": {"kernel": "(3,3)", "num_filter": "2"},
    "_npx_pooling": {"kernel": "(2,2)", "pool_type": "max"},
    "reverse": {"axis": "(0,)"},
    "flip": {"axis": "(0,)"},
    "stack": {"num_args": "2"},
    "_split_v2": {"indices": "(0, 1)"},
    "Concat": {"num_args": "2"},
    "concat": {"num_args": "2"},
    "split": {"num_outputs": "2"},
    "pad": {"mode": "constant", "pad_width": "(0,0,0,0,1,1,1,1)"},
    "BatchNorm": {},
    "Cast": {"dtype": "float32"},
    "Convolution": {"kernel": "(3,3)", "num_filter": "2"},
    "Deconvolution": {"kernel": "(3,3)", "num_filter": "2"},
    "ElementWiseSum": {"num_args": "2"},
    "Embedding": {"input_dim": "5", "output_dim": "3"},
    "FullyConnected": {"num_hidden": "3"},
    "LeakyReLU": {"act_type": "leaky"},
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
    "_contrib_ROIAlign": {"pooled_size": "(2, 2)", "spatial_scale": "1"},
    "SpatialTransformer": {
        "transform_type": "affine",
        "sampler_type": "bilinear",
        "target_shape": "(3, 4)",
    },
    # Every mode, two layers, both directions: the union of their gradient graphs.
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
    "slice_axis": {"axis": "0", "begin": "0", "end": "1"},
    "tile": {"reps": "(2,)"},
    "transpose": {},
    # The NumPy interface's shape and joining ops (family numpy_shape).
    "_np_reshape": {"newshape": "(-1,)"},
    "_npi_reshape": {"newshape": "(-1,)"},
    "_npx_reshape": {"newshape": "(-1,)"},
    "_np_moveaxis": {"source": "(0,)", "destination": "(1,)"},
    "_np_roll": {"shift": "(1,)", "axis": "(0,)"},
    "_np_repeat": {"repeats": "2"},
    "_np_atleast_1d": {"num_args": "1"},
    "_np_atleast_2d": {"num_args": "1"},
    "_np_atleast_3d": {"num_args": "1"},
    "_npi_concatenate": {"num_args": "2"},
    "_npi_stack": {"num_args": "2"},
    "_npi_vstack": {"num_args": "2"},
    "_npi_hstack": {"num_args": "2"},
    "_npi_dstack": {"num_args": "2"},
    "_npi_column_stack": {"num_args": "2"},
    "_npi_split": {"indices": "(0, 1)"},
    "_npi_hsplit": {"indices": "(0, 1)"},
    "_npi_dsplit": {"indices": "(0, 1)"},
    "_npi_expand_dims": {"axis": "0"},
    "_npi_flip": {"axis": "(0,)"},
    "_npi_tile": {"reps": "(2,)"},
    "_npi_pad": {"pad_width": "((1, 1),)", "mode": "constant"},
    "_npi_slice": {"begin": "(0,)", "end": "(1,)"},
    "_npx_slice": {"begin": "(0,)", "end": "(1,)"},
    "_npi_clip": {"a_min": "-1", "a_max": "1"},
    "_npi_cast": {"dtype": "float32"},
    "_npx_cast": {"dtype": "float32"},
    "_npi_tensordot": {"a_axes_summed": "(1,)", "b_axes_summed": "(0,)"},
    "_npi_tensordot_int_axes": {"axes": "1"},
    # A contraction (stock's backward op) and a diagonal (the composed gradient).
    "_npi_einsum": [
        {"num_args": "2", "subscripts": "ij,jk->ik"},
        {"num_args": "2", "subscripts": "ii,ij->ij"},
    ],
    "_npx_one_hot": {"depth": "3"},
    "_npi_full_like": {"fill_value": "1"},
}
# The interleaved attention products (family transformer) and their backward ops.
for _product in ("selfatt_qk", "selfatt_valatt", "encdec_qk", "encdec_valatt"):
    PROBE_ATTRS["_contrib_interleaved_matmul_" + _product] = {"heads": "2"}
    PROBE_ATTRS["_backward_interleaved_matmul_" + _product] = {"heads": "2"}

PROBE_ATTRS["_npx_rnn"] = PROBE_ATTRS["RNN"]

# The shapes of placeholder inputs a rule needs (the fused RNN's sequence length,
# which a higher-order pass reads off the recorded arrays).
PROBE_SHAPES = {"RNN": {"input0": (3, 2, 4)}}
PROBE_SHAPES["_npx_rnn"] = PROBE_SHAPES["RNN"]


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


# Ops whose FGradient needs real graph context that placeholders cannot give.
NOT_PROBED = {
    "_CachedOp": "a hybridized graph: its gradient needs the cached graph state",
    "_backward_CachedOp": "a hybridized graph: its gradient needs the cached graph state",
    "Custom": "a Python custom op: its gradient needs the registered class",
}


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

    from mxnet.base import _LIB, check_call, py_str
    import ctypes

    size = ctypes.c_uint()
    names = ctypes.POINTER(ctypes.c_char_p)()
    check_call(_LIB.MXListAllOpNames(ctypes.byref(size), ctypes.byref(names)))
    all_ops = sorted(py_str(names[i]) for i in range(size.value))

    symbols = _control_flow_symbols()
    # Forward ops first, so backward ops are met with the attributes their
    # forward graphs give them.
    queue = [op for op in all_ops if not op.startswith("_backward")]
    queue += [op for op in all_ops if op.startswith("_backward")]
    found_attrs = {}
    # The gradient-graph ops of nodes met inside other gradient graphs, for ops
    # that cannot be rebuilt from attributes alone.
    found_children = {}
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
        if op in NOT_PROBED or op in skip:
            row["error"] = NOT_PROBED.get(op, "probing it crashed the process")
            emit(row)
            continue
        attr_sets = PROBE_ATTRS.get(op, found_attrs.get(op, {}))
        attr_sets = attr_sets if isinstance(attr_sets, list) else [attr_sets]
        row["attrs"] = attr_sets[0]
        emit({"probing": op})
        if op in symbols:
            result = _native.probe_symbol(*symbols[op])
        else:
            result = {"nodes": []}
            for attrs in attr_sets:
                one = _native.probe(op, dict(attrs), PROBE_SHAPES.get(op))
                if "error" in one:
                    result = one
                    break
                result["nodes"] += one["nodes"]
        if "error" in result and op in found_children:
            result = {"nodes": [{"op": c, "attrs": {}} for c in found_children[op]]}
        if "error" in result:
            row["error"] = _message(result["error"])
        else:
            children = []
            for node in result["nodes"]:
                child = node["op"]
                if child not in children:
                    children.append(child)
                found_attrs.setdefault(child, node["attrs"])
                if "grad_ops" in node:
                    found_children.setdefault(child, node["grad_ops"])
                if child not in done and child not in queue:
                    queue.append(child)
            row["children"] = children
        emit(row)


if __name__ == "__main__":
    main(sys.argv[1:])
