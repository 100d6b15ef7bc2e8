"""ONNX export rules: one function per layer class, ``rule(g, layer, inputs, out_specs, kwargs) -> names``.

``g`` is the ``OnnxGraph`` being built, ``inputs`` the layer's input ``Tensor``s (name, static shape,
dtype), ``out_specs`` one ``(shape, dtype)`` per output and ``kwargs`` the call's keyword arguments
(KerasTensors replaced by ``Tensor``s). Keras layers are channels_last: convolutions and poolings are
wrapped in transposes to ONNX's channels-first layout and kernels are transposed to ONNX's
``(out, in / groups, *window)``. Opset 17 ops only (reduction axes as the opset wants, see
``OnnxGraph.reduce``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from unikeras import activations
from unikeras.export.onnx_export import OnnxGraph, Tensor, _layer_label, emit_layer
from unikeras.layers import (
    activation as activation_layers,
)
from unikeras.layers import (
    convolution,
    core,
    embedding,
    merging,
    multi_head_attention,
    normalization,
    op_layer,
    pooling,
    recurrent,
    regularization,
    reshaping,
    wrappers,
)
from unikeras.ops import nn as nn_ops

Rule = Callable[..., Any]
RULES: dict[type, Rule] = {}

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805
_LARGE_NEGATIVE = -1e9  # what masked attention logits become (as in the layers)


def rule(*classes: type) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for cls in classes:
            RULES[cls] = fn
        return fn

    return register


def _fail(layer: Any, what: str) -> ValueError:
    return ValueError(f"ONNX export: {_layer_label(layer)}: {what}")


# ---------------------------------------------------------------------- activations
def _activation_table() -> dict[Any, str]:
    """Activation function objects (from ``unikeras.activations`` and ``unikeras.ops.nn``) -> rule key."""
    table: dict[Any, str] = {}
    keys = (
        "linear relu softmax log_softmax tanh exponential sigmoid elu selu softplus softsign silu swish "
        "hard_sigmoid hard_silu hard_swish leaky_relu relu6 log_sigmoid"
    ).split()
    for key in keys:
        for module in (nn_ops, activations):
            fn = getattr(module, key, None)
            if fn is not None:
                table.setdefault(fn, {"swish": "silu", "hard_swish": "hard_silu"}.get(key, key))
    table[activations.gelu] = "gelu_erf"  # Keras's activation: exact form by default
    table[nn_ops.gelu] = "gelu_tanh"  # the op: tanh approximation by default
    return table


_ACTIVATIONS = _activation_table()


def _activation_key(fn: Any) -> str | None:
    if isinstance(fn, functools.partial) and fn.func in (activations.gelu, nn_ops.gelu) and not fn.args:
        if set(fn.keywords) <= {"approximate"}:
            approximate = fn.keywords.get("approximate", fn.func is nn_ops.gelu)
            return "gelu_tanh" if approximate else "gelu_erf"
        return None
    while fn is not None:  # ops wrapped for symbolic calls keep the function in ``__wrapped__``
        try:
            key = _ACTIVATIONS.get(fn)
        except TypeError:  # unhashable callable
            return None
        if key is not None:
            return key
        fn = getattr(fn, "__wrapped__", None)
    return None


def _gelu(g: OnnxGraph, x: str, approximate: bool) -> str:
    half_x = g.op("Mul", [x, g.const(0.5)], "gelu_half")
    if approximate:  # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
        cube = g.op("Mul", [g.op("Mul", [x, x]), x], "gelu_cube")
        inner = g.op("Add", [x, g.op("Mul", [cube, g.const(0.044715)])], "gelu_inner")
        t = g.op("Tanh", [g.op("Mul", [inner, g.const(math.sqrt(2.0 / math.pi))])], "gelu_tanh")
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        t = g.op("Erf", [g.op("Mul", [x, g.const(1.0 / math.sqrt(2.0))])], "gelu_erf")
    return g.op("Mul", [half_x, g.op("Add", [t, g.const(1.0)])], "gelu")


def apply_activation(g: OnnxGraph, fn: Any, x: str, owner: Any) -> str:
    """The nodes of activation ``fn`` applied to ``x``; ValueError naming ``owner`` if ONNX cannot express it."""
    key = _activation_key(fn)
    if key is None:
        raise _fail(owner, f"activation {getattr(fn, '__name__', fn)!r} has no ONNX export rule.")
    if key == "linear":
        return x
    simple = {
        "relu": "Relu",
        "tanh": "Tanh",
        "sigmoid": "Sigmoid",
        "exponential": "Exp",
        "softplus": "Softplus",
        "softsign": "Softsign",
    }
    if key in simple:
        return g.op(simple[key], [x], key)
    if key == "softmax":
        return g.op("Softmax", [x], key, axis=-1)
    if key == "log_softmax":
        return g.op("LogSoftmax", [x], key, axis=-1)
    if key == "elu":
        return g.op("Elu", [x], key, alpha=1.0)
    if key == "selu":
        return g.op("Selu", [x], key, alpha=_SELU_ALPHA, gamma=_SELU_SCALE)
    if key == "silu":
        return g.op("Mul", [x, g.op("Sigmoid", [x])], key)
    if key == "hard_sigmoid":
        return g.op("HardSigmoid", [x], key, alpha=1.0 / 6.0, beta=0.5)
    if key == "hard_silu":
        return g.op("HardSwish", [x], key)
    if key == "leaky_relu":
        return g.op("LeakyRelu", [x], key, alpha=0.2)
    if key == "relu6":
        return g.op("Clip", [x, g.const(0.0), g.const(6.0)], key)
    if key == "log_sigmoid":
        return g.op("Neg", [g.op("Softplus", [g.op("Neg", [x])])], key)
    return _gelu(g, x, approximate=key == "gelu_tanh")


# ---------------------------------------------------------------------- core and activation layers
@rule(core.Dense)
def _dense(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    weights = layer.get_weights()
    y = g.op("MatMul", [inputs[0].name, g.const(weights[0], "kernel")], "matmul")
    if layer.use_bias:
        y = g.op("Add", [y, g.const(weights[1], "bias")], "bias_add")
    return apply_activation(g, layer.activation, y, layer)


@rule(activation_layers.Activation)
def _activation(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    out = apply_activation(g, layer.activation, inputs[0].name, layer)
    return g.op("Identity", [out], "output") if out == inputs[0].name else out


@rule(activation_layers.ReLU)
def _relu_layer(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    x = inputs[0].name
    if layer.negative_slope == 0.0 and layer.threshold == 0.0:
        out = g.op("Relu", [x], "relu")
    else:  # x where x >= threshold, else negative_slope * (x - threshold)
        low = g.op("Mul", [g.op("Sub", [x, g.const(layer.threshold)]), g.const(layer.negative_slope)], "below")
        out = g.op("Where", [g.op("GreaterOrEqual", [x, g.const(layer.threshold)]), x, low], "relu")
    if layer.max_value is not None:
        out = g.op("Min", [out, g.const(float(layer.max_value))], "cap")
    return out


@rule(activation_layers.LeakyReLU)
def _leaky_relu_layer(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    return g.op("LeakyRelu", [inputs[0].name], "leaky_relu", alpha=float(layer.negative_slope))


@rule(activation_layers.ELU)
def _elu_layer(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    return g.op("Elu", [inputs[0].name], "elu", alpha=float(layer.alpha))


def _softmax_over(g: OnnxGraph, x: str, axes: tuple) -> str:
    shifted = g.op("Sub", [x, g.reduce("ReduceMax", x, axes, True, "max")], "shifted")
    exp = g.op("Exp", [shifted], "exp")
    return g.op("Div", [exp, g.reduce("ReduceSum", exp, axes, True, "sum")], "softmax")


@rule(activation_layers.Softmax)
def _softmax_layer(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    if kwargs.get("mask") is not None:
        raise _fail(layer, "a `mask` argument is not exported.")
    if isinstance(layer.axis, int):
        return g.op("Softmax", [inputs[0].name], "softmax", axis=layer.axis)
    return _softmax_over(g, inputs[0].name, tuple(layer.axis))


@rule(activation_layers.PReLU)
def _prelu_layer(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    (alpha,) = layer.get_weights()
    return g.op("PRelu", [inputs[0].name, g.const(alpha, "alpha")], "prelu")


def _identity(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    """Layers that only act in training (dropout, noise): the identity at inference."""
    return g.op("Identity", [inputs[0].name], "identity")


rule(
    regularization.Dropout,
    regularization.SpatialDropout1D,
    regularization.SpatialDropout2D,
    regularization.GaussianNoise,
)(_identity)


# ---------------------------------------------------------------------- convolution and pooling
def _to_channels_first(g: OnnxGraph, x: str, rank: int) -> str:
    return g.op("Transpose", [x], "to_channels_first", perm=[0, rank + 1, *range(1, rank + 1)])


def _to_channels_last(g: OnnxGraph, x: str, rank: int) -> str:
    return g.op("Transpose", [x], "to_channels_last", perm=[0, *range(2, rank + 2), 1])


def _window_padding(padding: str, spatial: tuple, window: tuple, strides: tuple, dilation: tuple) -> dict[str, Any]:
    """ONNX ``pads`` (begin values, then end values) reproducing Keras's padding ("same" puts the odd cell at
    the end). With stride 1 "same" pads ``(k - 1) * d`` whatever the size; a strided axis of unknown size
    uses ``auto_pad="SAME_UPPER"`` (the same rule, computed at run time; Keras forbids dilation there)."""
    rank = len(window)
    if padding == "valid":
        return {"pads": [0] * (2 * rank)}
    if padding == "causal":
        return {"pads": [dilation[0] * (window[0] - 1), 0]}
    if any(n is None and s > 1 for n, s in zip(spatial, strides)):
        return {"auto_pad": "SAME_UPPER"}
    begin, end = [], []
    for n, k, s, d in zip(spatial, window, strides, dilation):
        total = (k - 1) * d if s == 1 else max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return {"pads": begin + end}


@rule(convolution.Conv1D, convolution.Conv2D, convolution.Conv3D)
def _conv(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    rank = layer.rank
    weights = layer.get_weights()
    kernel = np.transpose(weights[0], (rank + 1, rank, *range(rank)))  # (out, in / groups, *window)
    x = inputs[0]
    last = layer.data_format == "channels_last"
    spatial = x.shape[1:-1] if last else x.shape[2:]
    data = _to_channels_first(g, x.name, rank) if last else x.name
    conv_inputs = [data, g.const(kernel, "kernel")]
    if layer.use_bias:
        conv_inputs.append(g.const(weights[1], "bias"))
    y = g.op(
        "Conv",
        conv_inputs,
        "conv",
        kernel_shape=list(layer.kernel_size),
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        group=layer.groups,
        **_window_padding(layer.padding, spatial, layer.kernel_size, layer.strides, layer.dilation_rate),
    )
    y = apply_activation(g, layer.activation, y, layer)
    return _to_channels_last(g, y, rank) if last else y


@rule(
    pooling.MaxPooling1D,
    pooling.MaxPooling2D,
    pooling.MaxPooling3D,
    pooling.AveragePooling1D,
    pooling.AveragePooling2D,
    pooling.AveragePooling3D,
)
def _pool(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    rank = layer.rank
    x = inputs[0]
    last = layer.data_format == "channels_last"
    spatial = x.shape[1:-1] if last else x.shape[2:]
    data = _to_channels_first(g, x.name, rank) if last else x.name
    attrs = _window_padding(layer.padding, spatial, layer.pool_size, layer.strides, (1,) * rank)
    if layer.kind == "max":
        y = g.op(
            "MaxPool", [data], "max_pool", kernel_shape=list(layer.pool_size), strides=list(layer.strides), **attrs
        )
    else:  # padded cells are not counted, as in Keras
        y = g.op(
            "AveragePool",
            [data],
            "average_pool",
            kernel_shape=list(layer.pool_size),
            strides=list(layer.strides),
            count_include_pad=0,
            **attrs,
        )
    return _to_channels_last(g, y, rank) if last else y


@rule(
    pooling.GlobalMaxPooling1D,
    pooling.GlobalMaxPooling2D,
    pooling.GlobalMaxPooling3D,
    pooling.GlobalAveragePooling1D,
    pooling.GlobalAveragePooling2D,
    pooling.GlobalAveragePooling3D,
)
def _global_pool(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    if kwargs.get("mask") is not None:
        raise _fail(layer, "a `mask` argument is not exported.")
    op_type = "ReduceMax" if layer.kind == "max" else "ReduceMean"
    return g.reduce(op_type, inputs[0].name, layer._spatial_axes, layer.keepdims, "pool")


# ---------------------------------------------------------------------- normalization and embedding
def _named_weights(layer: Any, dtype: Any = None) -> dict[str, np.ndarray]:
    """``get_weights()`` keyed by the weights' Keras names (``gamma``, ``beta``, ``moving_mean``, ...)."""
    names = [w.name.split("/")[-1] for w in layer.weights]
    return {n: np.asarray(v, dtype=dtype) for n, v in zip(names, layer.get_weights())}


@rule(normalization.BatchNormalization)
def _batch_norm(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    """Inference form, folded: ``x * scale + offset`` with ``scale = gamma / sqrt(moving_variance + eps)`` and
    ``offset = beta - moving_mean * scale`` (folded in float64, stored as float32)."""
    weights = _named_weights(layer, np.float64)
    scale = 1.0 / np.sqrt(weights["moving_variance"] + layer.epsilon)
    if "gamma" in weights:
        scale = scale * weights["gamma"]
    offset = -weights["moving_mean"] * scale
    if "beta" in weights:
        offset = offset + weights["beta"]
    shape = layer._broadcast_shape
    y = g.op("Mul", [inputs[0].name, g.const(scale.reshape(shape).astype(np.float32), "scale")], "scale")
    return g.op("Add", [y, g.const(offset.reshape(shape).astype(np.float32), "offset")], "offset")


@rule(normalization.LayerNormalization)
def _layer_norm(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    """``(x - mean) / sqrt(variance + eps) * gamma + beta`` over ``axis`` (population variance); with
    ``rms_scaling``, ``x / sqrt(variance + eps) * gamma``."""
    x = inputs[0].name
    axes = list(layer._axes)
    weights = _named_weights(layer)
    mean = g.reduce("ReduceMean", x, axes, True, "mean")
    centered = g.op("Sub", [x, mean], "centered")
    variance = g.reduce("ReduceMean", g.op("Mul", [centered, centered], "squared"), axes, True, "variance")
    inv = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [variance, g.const(np.float32(layer.epsilon))])])], "inv_std")
    shape = layer._broadcast_shape
    if layer.rms_scaling:
        y = g.op("Mul", [x, inv], "scaled")
        return g.op("Mul", [y, g.const(weights["gamma"].reshape(shape), "gamma")], "gamma")
    if "gamma" in weights:
        inv = g.op("Mul", [inv, g.const(weights["gamma"].reshape(shape), "gamma")], "inv_gamma")
    y = g.op("Mul", [centered, inv], "normalized")
    if "beta" in weights:
        y = g.op("Add", [y, g.const(weights["beta"].reshape(shape), "beta")], "beta")
    return y


@rule(embedding.Embedding)
def _embedding(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    if layer.mask_zero:
        raise _fail(layer, "`mask_zero=True` is not exported (Keras masks have no ONNX form).")
    x = inputs[0]
    indices = x.name if x.dtype in ("int32", "int64") else g.op("Cast", [x.name], "indices", to=6)
    return g.op("Gather", [g.const(layer.get_weights()[0], "embeddings"), indices], "gather", axis=0)


# ---------------------------------------------------------------------- reshaping and merging
@rule(reshaping.Flatten)
def _flatten(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    x = inputs[0]
    data = x.name
    if layer.data_format == "channels_first" and x.rank > 2:
        data = g.op("Transpose", [data], "channels_last", perm=[0, *range(2, x.rank), 1])
    return g.op("Reshape", [data, g.int64s([0, -1], "shape")], "flatten")


@rule(reshaping.Reshape)
def _reshape(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    target = [0, *layer.target_shape]  # 0: keep the batch size
    return g.op("Reshape", [inputs[0].name, g.int64s(target, "shape")], "reshape")


@rule(reshaping.Permute)
def _permute(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    return g.op("Transpose", [inputs[0].name], "permute", perm=[0, *layer.dims])


@rule(merging.Add, merging.Subtract, merging.Multiply, merging.Maximum, merging.Minimum)
def _merge(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    op_type = {
        merging.Add: "Add",
        merging.Subtract: "Sub",
        merging.Multiply: "Mul",
        merging.Maximum: "Max",
        merging.Minimum: "Min",
    }[type(layer)]
    out = inputs[0].name
    for x in inputs[1:]:
        out = g.op(op_type, [out, x.name], op_type.lower())
    return out


@rule(merging.Average)
def _average(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    out = inputs[0].name
    for x in inputs[1:]:
        out = g.op("Add", [out, x.name], "add")
    return g.op("Div", [out, g.const(np.float32(len(inputs)))], "average")


@rule(merging.Concatenate)
def _concatenate(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    return g.op("Concat", [x.name for x in inputs], "concat", axis=layer.axis)


# ---------------------------------------------------------------------- recurrent layers
def _rnn_activation(layer: Any, fn: Any) -> tuple[str, float | None, float | None]:
    """ONNX's name (and alpha, beta) of an activation inside LSTM / GRU / RNN nodes."""
    key = _activation_key(fn)
    table = {
        "sigmoid": ("Sigmoid", None, None),
        "tanh": ("Tanh", None, None),
        "relu": ("Relu", None, None),
        "hard_sigmoid": ("HardSigmoid", 1.0 / 6.0, 0.5),
        "linear": ("Affine", 1.0, 0.0),
    }
    if key not in table:
        raise _fail(
            layer,
            f"activation {getattr(fn, '__name__', fn)!r} cannot be used inside an ONNX recurrent node "
            f"(supported: {', '.join(sorted(table))}).",
        )
    return table[key]


def _rnn_attrs(layer: Any, fns: list) -> dict[str, Any]:
    specs = [_rnn_activation(layer, fn) for fn in fns]
    attrs: dict[str, Any] = {"activations": [s[0] for s in specs], "hidden_size": layer.units}
    if any(s[1] is not None for s in specs):  # alpha/beta consumed in order by the functions that take them
        attrs["activation_alpha"] = [s[1] for s in specs if s[1] is not None]
        attrs["activation_beta"] = [s[2] for s in specs if s[2] is not None]
    return attrs


def _rnn(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict, op_type: str) -> list[str]:
    """Shared by SimpleRNN, LSTM and GRU: ``W`` / ``R`` / ``B`` built by the caller's ``_onnx_weights``."""
    if kwargs.get("mask") is not None:
        raise _fail(layer, "a `mask` argument is not exported.")
    x = inputs[0].name
    if layer.go_backwards:  # Keras runs the reversed sequence and returns outputs in processing order
        x = _reverse_steps(g, x)
    time_major = g.op("Transpose", [x], "time_major", perm=[1, 0, 2])
    w, r, b, fns, extra = _RNN_WEIGHTS[type(layer)](layer)
    node_inputs = [time_major, g.const(w, "W"), g.const(r, "R"), g.const(b, "B"), ""]
    states = kwargs.get("initial_state")
    if states is not None:
        states = states if isinstance(states, (list, tuple)) else [states]
        node_inputs += [g.op("Unsqueeze", [s.name, g.int64s([0], "axis0")], "initial_state") for s in states]
    n_out = 3 if op_type == "LSTM" else 2
    outs = g.op(op_type, node_inputs, op_type.lower(), outputs=n_out, **_rnn_attrs(layer, fns), **extra)
    axis0 = g.int64s([0], "axis0")
    if layer.return_sequences:
        seq = g.op("Squeeze", [outs[0], g.int64s([1], "axis1")], "sequence")
        result = g.op("Transpose", [seq], "sequences", perm=[1, 0, 2])
    else:
        result = g.op("Squeeze", [outs[1], axis0], "last_output")
    if not layer.return_state:
        return [result]
    return [result] + [g.op("Squeeze", [s, axis0], "state") for s in outs[1:]]


def _lstm_weights(layer: Any) -> tuple:
    """Keras's gate blocks i, f, c, o reordered to ONNX's i, o, f, c; ONNX holds ``W.T``."""
    weights = layer.get_weights()
    u = layer.units

    def reorder(m: np.ndarray) -> np.ndarray:
        i, f, c, o = (m[..., k * u : (k + 1) * u] for k in range(4))
        return np.concatenate([i, o, f, c], axis=-1)

    w = reorder(weights[0]).T[None]
    r = reorder(weights[1]).T[None]
    bias = reorder(weights[2]) if layer.use_bias else np.zeros(4 * u, np.float32)
    b = np.concatenate([bias, np.zeros(4 * u, np.float32)])[None]
    return w, r, b, [layer.recurrent_activation, layer.activation, layer.activation], {}


def _gru_weights(layer: Any) -> tuple:
    """Gate blocks z, r, h in both Keras and ONNX; ``reset_after=True`` is ONNX's ``linear_before_reset=1``."""
    weights = layer.get_weights()
    u = layer.units
    w, r = weights[0].T[None], weights[1].T[None]
    if not layer.use_bias:
        b = np.zeros(6 * u, np.float32)
    elif layer.reset_after:
        b = weights[2].reshape(6 * u)  # input bias, then recurrent bias
    else:
        b = np.concatenate([weights[2], np.zeros(3 * u, np.float32)])
    extra = {"linear_before_reset": int(layer.reset_after)}
    return w, r, b[None], [layer.recurrent_activation, layer.activation], extra


def _simple_rnn_weights(layer: Any) -> tuple:
    weights = layer.get_weights()
    u = layer.units
    bias = weights[2] if layer.use_bias else np.zeros(u, np.float32)
    b = np.concatenate([bias, np.zeros(u, np.float32)])[None]
    return weights[0].T[None], weights[1].T[None], b, [layer.activation], {}


_RNN_WEIGHTS = {recurrent.LSTM: _lstm_weights, recurrent.GRU: _gru_weights, recurrent.SimpleRNN: _simple_rnn_weights}


@rule(recurrent.LSTM)
def _lstm(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> list[str]:
    return _rnn(g, layer, inputs, out_specs, kwargs, "LSTM")


@rule(recurrent.GRU)
def _gru(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> list[str]:
    return _rnn(g, layer, inputs, out_specs, kwargs, "GRU")


@rule(recurrent.SimpleRNN)
def _simple_rnn(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> list[str]:
    return _rnn(g, layer, inputs, out_specs, kwargs, "RNN")


def _reverse_steps(g: OnnxGraph, x: str) -> str:
    ends = g.int64s([-(2**63) + 1], "ends")
    return g.op("Slice", [x, g.int64s([-1], "starts"), ends, g.int64s([1], "axes"), g.int64s([-1])], "reversed")


@rule(wrappers.Bidirectional)
def _bidirectional(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> list[str]:
    """The forward and backward layers' own rules; backward sequences reversed back to input order, then merged."""
    if kwargs.get("mask") is not None:
        raise _fail(layer, "a `mask` argument is not exported.")
    states = kwargs.get("initial_state")
    halves: list = [None, None]
    if states is not None:
        half = len(states) // 2
        halves = [list(states[:half]), list(states[half:])]
    results = []
    for sub, state in zip((layer.forward_layer, layer.backward_layer), halves):
        shapes = sub.compute_output_shape(inputs[0].shape)
        specs = [(tuple(s), "float32") for s in (shapes if isinstance(shapes, list) else [shapes])]
        results.append(emit_layer(g, sub, inputs[:1], specs, {"initial_state": state}))
    (y, *forward_states), (y_rev, *backward_states) = results
    if layer.return_sequences:
        y_rev = _reverse_steps(g, y_rev)
    mode = layer.merge_mode
    if mode == "concat":
        output = [g.op("Concat", [y, y_rev], "concat", axis=-1)]
    elif mode == "sum":
        output = [g.op("Add", [y, y_rev], "sum")]
    elif mode == "ave":
        output = [g.op("Mul", [g.op("Add", [y, y_rev], "sum"), g.const(np.float32(0.5))], "ave")]
    elif mode == "mul":
        output = [g.op("Mul", [y, y_rev], "mul")]
    else:
        output = [y, y_rev]
    return output + forward_states + backward_states


# ---------------------------------------------------------------------- attention
_MHA_CALL_ARGS = {"use_causal_mask", "return_attention_scores", "training"}


@rule(multi_head_attention.MultiHeadAttention)
def _multi_head_attention(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> Any:
    """MatMul / Softmax / Reshape / Transpose composition for inputs ``(batch, steps, features)`` attending over
    the steps axis; ``use_causal_mask`` becomes a constant mask (static step counts)."""
    unsupported = sorted(k for k, v in kwargs.items() if k not in _MHA_CALL_ARGS and v is not None)
    if unsupported:
        raise _fail(layer, f"call arguments {unsupported} are not exported.")
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    if query.rank != 3 or layer._projected_axes != (1,):
        raise _fail(layer, "only inputs of rank 3 (batch, steps, features) attending over the steps axis are exported.")
    heads, key_dim, value_dim = layer.num_heads, layer.key_dim, layer.value_dim

    def project(sub: Any, x: Tensor, depth: int, perm: list[int], hint: str) -> str:
        weights = sub.get_weights()
        kernel = weights[0].reshape(weights[0].shape[0], heads * depth)
        y = g.op("MatMul", [x.name, g.const(kernel, f"{hint}_kernel")], f"{hint}_matmul")
        if layer.use_bias:
            y = g.op("Add", [y, g.const(weights[1].reshape(heads * depth), f"{hint}_bias")], f"{hint}_bias_add")
        y = g.op("Reshape", [y, g.int64s([0, 0, heads, depth], "heads_shape")], f"{hint}_heads")
        return y if perm is None else g.op("Transpose", [y], f"{hint}_transposed", perm=perm)

    q = project(layer._query_dense, query, key_dim, [0, 2, 1, 3], "query")  # (batch, heads, T, key_dim)
    q = g.op("Mul", [q, g.const(np.float32(layer._inverse_sqrt_key_dim))], "query_scaled")
    k = project(layer._key_dense, key, key_dim, [0, 2, 3, 1], "key")  # (batch, heads, key_dim, S)
    v = project(layer._value_dense, value, value_dim, [0, 2, 1, 3], "value")  # (batch, heads, S, value_dim)
    scores = g.op("MatMul", [q, k], "scores")  # (batch, heads, T, S)
    if kwargs.get("use_causal_mask") or layer.sliding_window is not None:
        t, s = query.shape[1], key.shape[1]
        if t is None or s is None:
            raise _fail(layer, "a causal or sliding-window mask needs static query and key lengths.")
        allowed = np.ones((t, s), dtype=bool)
        if kwargs.get("use_causal_mask"):
            allowed &= np.tril(np.ones((t, s), dtype=bool))
        if layer.sliding_window is not None:
            allowed &= np.abs(np.arange(t)[:, None] - np.arange(s)[None, :]) < layer.sliding_window
        mask = g.const(allowed, "mask")
        logits = g.op("Where", [mask, scores, g.const(np.float32(_LARGE_NEGATIVE))], "masked_scores")
        probs = g.op("Where", [mask, g.op("Softmax", [logits], "softmax", axis=-1), g.const(np.float32(0.0))], "probs")
    else:
        probs = g.op("Softmax", [scores], "probs", axis=-1)
    out = g.op("MatMul", [probs, v], "attended")  # (batch, heads, T, value_dim)
    out = g.op("Transpose", [out], "attended_steps", perm=[0, 2, 1, 3])  # (batch, T, heads, value_dim)
    if layer.use_gate:
        gate = g.op("Sigmoid", [project(layer._gate_dense, query, value_dim, None, "gate")], "gate_sigmoid")
        out = g.op("Mul", [out, gate], "gated")
    out = g.op("Reshape", [out, g.int64s([0, 0, heads * value_dim], "merged_shape")], "merged")
    weights = layer._output_dense.get_weights()
    out_dims = weights[0].shape[2:]
    kernel = weights[0].reshape(heads * value_dim, int(np.prod(out_dims)))
    out = g.op("MatMul", [out, g.const(kernel, "output_kernel")], "output_matmul")
    if layer.use_bias:
        out = g.op("Add", [out, g.const(weights[1].reshape(-1), "output_bias")], "output_bias_add")
    if len(out_dims) > 1:
        out = g.op("Reshape", [out, g.int64s([0, 0, *out_dims], "output_shape")], "output")
    if kwargs.get("return_attention_scores"):
        return [out, probs]
    return [out]


# ---------------------------------------------------------------------- ops recorded on KerasTensors
_BINARY_OPS = {
    "add": "Add",
    "subtract": "Sub",
    "multiply": "Mul",
    "divide": "Div",
    "maximum": "Max",
    "minimum": "Min",
    "power": "Pow",
    "matmul": "MatMul",
}
_UNARY_OPS = {
    "negative": "Neg",
    "abs": "Abs",
    "exp": "Exp",
    "log": "Log",
    "sqrt": "Sqrt",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "relu": "Relu",
    "erf": "Erf",
}
_REDUCTIONS = {"mean": "ReduceMean", "sum": "ReduceSum", "max": "ReduceMax", "min": "ReduceMin"}


@rule(op_layer.OpLayer)
def _op_layer(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    import inspect

    args = op_layer._fill(layer.op_args, inputs)
    call_kwargs = op_layer._fill(layer.op_kwargs, inputs)
    try:
        bound = inspect.signature(layer._fn).bind(*args, **call_kwargs)
    except TypeError as err:
        raise _fail(layer, f"cannot read the arguments of op {layer.op!r}: {err}") from err
    bound.apply_defaults()
    a = bound.arguments
    dtype = inputs[0].dtype

    def operand(value: Any) -> str:
        if isinstance(value, Tensor):
            return value.name
        if isinstance(value, (int, float, np.ndarray, np.number, list)):
            return g.const(np.asarray(value, dtype=dtype), "operand")
        raise _fail(layer, f"operand {value!r} of op {layer.op!r} is not exported.")

    op = layer.op
    if op in _BINARY_OPS:
        x, y = list(a.values())[:2]
        return g.op(_BINARY_OPS[op], [operand(x), operand(y)], op)
    if op in _UNARY_OPS:
        return g.op(_UNARY_OPS[op], [operand(a["x"])], op)
    if op == "square":
        x = operand(a["x"])
        return g.op("Mul", [x, x], op)
    if op in _REDUCTIONS:
        return g.reduce(_REDUCTIONS[op], operand(a["x"]), a["axis"], a["keepdims"], op)
    if op == "transpose":
        perm = a["axes"] if a["axes"] is not None else list(range(inputs[0].rank))[::-1]
        return g.op("Transpose", [operand(a["x"])], op, perm=list(perm))
    if op == "reshape":
        shape = a["newshape"] if "newshape" in a else a["shape"]
        shape = [int(shape)] if isinstance(shape, (int, np.integer)) else list(shape)
        if 0 in shape:
            raise _fail(layer, "a reshape to a zero-size axis is not exported.")
        return g.op("Reshape", [operand(a["x"]), g.int64s(shape, "shape")], op)
    if op == "concatenate":
        return g.op("Concat", [operand(x) for x in a["xs"]], op, axis=int(a["axis"]))
    if op == "expand_dims":
        return g.op("Unsqueeze", [operand(a["x"]), g.int64s([a["axis"]], "axes")], op)
    if op == "softmax":
        return g.op("Softmax", [operand(a["x"])], op, axis=int(a["axis"]))
    raise _fail(layer, f"op {op!r} has no ONNX export rule.")


def _load_topic_rules() -> None:
    """Register the rules of the topic modules (``onnx_rules_<topic>.py`` beside this one)."""
    import importlib
    import pkgutil

    import unikeras.export as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("onnx_rules_"):
            importlib.import_module(f"unikeras.export.{info.name}")


_load_topic_rules()
