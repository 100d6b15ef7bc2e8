"""ONNX export rules of the integer lookup and encoding layers: ``CategoryEncoding``, ``Discretization`` and
``IntegerLookup`` (``output_mode`` int / one_hot / multi_hot / count / tf_idf, floormod OOV indices, not
inverted). Lookups are comparisons against the vocabulary (``Equal`` + ``ArgMax``), buckets are counts of
boundaries ``<= x`` (``GreaterOrEqual`` + ``ReduceSum``), encodings compare indices with ``0..depth-1`` and
reduce the last input axis (``ReduceMax`` for multi_hot, ``ReduceSum`` for count). String and hashing layers
have no ONNX form (ONNX has no FarmHash)."""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras.export.onnx_export import OnnxGraph, Tensor
from unikeras.export.onnx_rules import _fail, rule
from unikeras.layers import lookup

_ONNX_INT64, _ONNX_INT32, _ONNX_FLOAT = 7, 6, 1
_CASTS = {"int64": _ONNX_INT64, "int32": _ONNX_INT32, "float32": _ONNX_FLOAT}


def _encode(g: OnnxGraph, layer: Any, indices: str, shape: tuple, mode: str, depth: int, out_dtype: str) -> str:
    """int64 ``indices`` of static ``shape`` encoded as the layer's ``mode`` into ``out_dtype``."""
    if mode == "int":
        return g.op("Cast", [indices], "output", to=_CASTS[out_dtype])
    if mode == "one_hot" and len(shape) > 1 and shape[-1] == 1:
        indices = g.op("Squeeze", [indices, g.int64s([-1], "axes")], "squeezed")
    elif mode != "one_hot" and len(shape) != 2:
        raise _fail(layer, f"output_mode={mode!r} is exported for inputs of rank 2 (batch, values), got {shape}.")
    expanded = g.op("Unsqueeze", [indices, g.int64s([-1], "axes")], "expanded")
    hot = g.op("Equal", [expanded, g.int64s(np.arange(depth), "tokens")], "hot")
    hot = g.op("Cast", [hot], "hot_float", to=_CASTS[out_dtype] if out_dtype in _CASTS else _ONNX_FLOAT)
    if mode == "one_hot":
        return hot
    return g.reduce("ReduceMax" if mode == "multi_hot" else "ReduceSum", hot, -2, False, "encoded")


@rule(lookup.CategoryEncoding)
def _category_encoding(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    if kwargs.get("count_weights") is not None:
        raise _fail(layer, "`count_weights` is not exported.")
    x = inputs[0]
    indices = g.op("Cast", [x.name], "indices", to=_ONNX_INT64)
    return _encode(g, layer, indices, x.shape, layer.output_mode, layer.num_tokens, "float32")


@rule(lookup.Discretization)
def _discretization(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    x = inputs[0]
    values = g.op("Cast", [x.name], "values", to=_ONNX_FLOAT) if x.dtype != "float32" else x.name
    expanded = g.op("Unsqueeze", [values, g.int64s([-1], "axes")], "expanded")
    bounds = g.const(np.asarray(layer.bin_boundaries, "float32").reshape(-1), "bin_boundaries")
    above = g.op("Cast", [g.op("GreaterOrEqual", [expanded, bounds], "above")], "above_int", to=_ONNX_INT64)
    indices = g.reduce("ReduceSum", above, -1, False, "buckets")
    out_dtype = "int32" if layer.output_mode == "int" else "float32"
    return _encode(g, layer, indices, x.shape, layer.output_mode, len(layer.bin_boundaries) + 1, out_dtype)


@rule(lookup.IntegerLookup)
def _integer_lookup(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    if layer.invert or not layer._runs_on_tensors() or layer.num_oov_indices == 0:
        raise _fail(layer, "only lookups with floormod OOV indices (num_oov_indices >= 1, not inverted) are exported.")
    if not layer._tokens:
        raise _fail(layer, "the layer has no vocabulary.")
    x = inputs[0]
    values = g.op("Cast", [x.name], "values", to=_ONNX_INT64)
    expanded = g.op("Unsqueeze", [values, g.int64s([-1], "axes")], "expanded")
    match = g.op("Cast", [g.op("Equal", [expanded, g.int64s(layer._tokens, "vocabulary")], "match")], "m", to=7)
    position = g.op("Add", [g.op("ArgMax", [match], "argmax", axis=-1, keepdims=0), g.int64s(layer._token_start())])
    found = g.op("Cast", [g.reduce("ReduceMax", match, -1, False, "found_int")], "found", to=9)
    if layer.num_oov_indices == 1:
        oov = g.int64s(layer._oov_start(), "oov")
    else:
        remainder = g.op("Mod", [values, g.int64s(layer.num_oov_indices, "num_oov")], "remainder", fmod=0)
        oov = g.op("Add", [remainder, g.int64s(layer._oov_start())], "oov")
    out = g.op("Where", [found, position, oov], "indices")
    if layer.mask_token is not None:
        masked = g.op("Equal", [values, g.int64s(layer.mask_token, "mask_token")], "masked")
        out = g.op("Where", [masked, g.int64s(0 if layer.output_mode == "int" else -1), out], "masked_indices")
    if layer.output_mode == "int":
        return out
    mode = "count" if layer.output_mode == "tf_idf" else layer.output_mode
    encoded = _encode(g, layer, out, x.shape, mode, layer._depth(), "float32")
    if layer.output_mode == "tf_idf":
        encoded = g.op("Mul", [encoded, g.const(np.asarray(layer._idf, "float32"), "idf_weights")], "tf_idf")
    return encoded
