"""ONNX export rules of the remaining core layers: the training-only regularization layers and Identity
(ONNX ``Identity``), ZeroPadding3D (``Pad``), Cropping3D (``Slice``), RMSNormalization, and adaptive
pooling when every spatial size is a multiple of its output size (a plain ``AveragePool`` / ``MaxPool``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras.export.onnx_export import OnnxGraph, Tensor
from unikeras.export.onnx_rules import _fail, _to_channels_first, _to_channels_last, rule
from unikeras.layers import adaptive_pooling, core, normalization, regularization, reshaping


@rule(
    core.Identity,
    regularization.AlphaDropout,
    regularization.GaussianDropout,
    regularization.SpatialDropout3D,
    regularization.ActivityRegularization,
)
def _identity(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> Any:
    """The identity at inference (an Identity layer on several tensors passes each through)."""
    names = [g.op("Identity", [x.name], "identity") for x in inputs]
    return names if len(out_specs) > 1 else names[0]


def _spatial_axes(layer: Any) -> list[int]:
    return [1, 2, 3] if layer.data_format == "channels_last" else [2, 3, 4]


@rule(reshaping.ZeroPadding3D)
def _zero_padding3d(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    begins, ends = [0] * 5, [0] * 5
    for axis, (lo, hi) in zip(_spatial_axes(layer), layer.padding):
        begins[axis], ends[axis] = lo, hi
    return g.op("Pad", [inputs[0].name, g.int64s(begins + ends, "pads")], "pad", mode="constant")


@rule(reshaping.Cropping3D)
def _cropping3d(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    axes = _spatial_axes(layer)
    starts = [lo for lo, _ in layer.cropping]
    ends = [-hi if hi else np.iinfo(np.int64).max for _, hi in layer.cropping]
    args = [g.int64s(starts, "starts"), g.int64s(ends, "ends"), g.int64s(axes, "axes")]
    return g.op("Slice", [inputs[0].name, *args], "crop")


@rule(normalization.RMSNormalization)
def _rms_normalization(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    """``x / sqrt(mean(x * x, axes) + epsilon) * scale``."""
    x = inputs[0]
    axes = list(layer._resolve(x.shape))
    mean_square = g.reduce("ReduceMean", g.op("Mul", [x.name, x.name], "squared"), axes, True, "mean_square")
    rms = g.op("Sqrt", [g.op("Add", [mean_square, g.const(np.float32(layer.epsilon))], "plus_epsilon")], "rms")
    shape = [x.shape[a] if a in axes else 1 for a in range(x.rank)]
    scale = layer.get_weights()[0].reshape(shape)
    return g.op("Mul", [g.op("Div", [x.name, rms], "normalized"), g.const(scale, "scale")], "scaled")


@rule(*(getattr(adaptive_pooling, name) for name in adaptive_pooling.__all__))
def _adaptive_pool(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    x = inputs[0]
    rank = layer.rank
    last = layer.data_format == "channels_last"
    spatial = x.shape[1 : rank + 1] if last else x.shape[2:]
    if any(d is None or d % n for d, n in zip(spatial, layer.output_size)):
        raise _fail(
            layer,
            f"adaptive pooling is exported only when every spatial size {tuple(spatial)} is known and a multiple "
            f"of the output size {layer.output_size} (then it is a plain pooling).",
        )
    window = [d // n for d, n in zip(spatial, layer.output_size)]
    data = _to_channels_first(g, x.name, rank) if last else x.name
    op_type = "AveragePool" if layer.kind == "average" else "MaxPool"
    y = g.op(op_type, [data], "pool", kernel_shape=window, strides=window)
    return _to_channels_last(g, y, rank) if last else y
