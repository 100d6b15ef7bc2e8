"""Quantizers (``keras.quantizers``): the ``Quantizer`` base class, absolute-max int8 quantization and
the float8 scale rule. Keras's quantization configs (``Int8QuantizationConfig``, GPTQ, AWQ, ...) and
int4 packing are not part of unikeras yet."""

from __future__ import annotations

from typing import Any

from unikeras import config, ops
from unikeras.saving import serialization_lib


class Quantizer:
    """Base class of quantizers: ``__call__(x)`` returns the quantized value (here ``x`` unchanged).

    Args:
        output_dtype: the dtype of the quantized values.
    """

    def __init__(self, output_dtype: str = "int8") -> None:
        self.output_dtype = output_dtype

    def __call__(self, x: Any) -> Any:
        return x

    @classmethod
    def from_config(cls, config: dict) -> Quantizer:
        return cls(**config)

    def get_config(self) -> dict:
        return {"output_dtype": self.output_dtype}


def abs_max_quantize(
    inputs: Any,
    axis: Any,
    value_range: tuple[int, int] = (-127, 127),
    dtype: str = "int8",
    epsilon: float | None = None,
    to_numpy: bool = False,
) -> tuple[Any, Any]:
    """Quantize ``inputs`` symmetrically: ``scale = value_range[1] / (max |inputs| along axis + epsilon)``,
    ``quantized = clip(round(inputs * scale), *value_range)`` cast to ``dtype``.

    Args:
        inputs: the tensor.
        axis: the axis (or axes) the maximum is taken along (kept, with size 1, in ``scale``).
        value_range: the range of the quantized values.
        dtype: the dtype of the quantized tensor.
        epsilon: added to the maximum; ``None`` uses ``config.epsilon()``.
        to_numpy: compute on the host with NumPy (same result).

    Returns:
        ``(quantized, scale)``; ``scale`` has the dtype of ``inputs``.
    """
    import numpy as np

    epsilon = config.epsilon() if epsilon is None else epsilon
    if to_numpy:
        array = np.asarray(ops.convert_to_numpy(inputs))
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        scale = (value_range[1] / (np.max(np.abs(array), axis=axes, keepdims=True) + epsilon)).astype(array.dtype)
        quantized = np.clip(np.round(array * scale), value_range[0], value_range[1]).astype(dtype)
        return ops.convert_to_tensor(quantized), ops.convert_to_tensor(scale)
    inputs = ops.convert_to_tensor(inputs)
    dtype_in = ops.dtype(inputs)
    scale = ops.divide(value_range[1], ops.add(ops.max(ops.abs(inputs), axis=axis, keepdims=True), epsilon))
    scale = ops.cast(scale, dtype_in)
    quantized = ops.cast(ops.clip(ops.round(ops.multiply(inputs, scale)), value_range[0], value_range[1]), dtype)
    return quantized, scale


class AbsMaxQuantizer(Quantizer):
    """``abs_max_quantize`` as a quantizer object.

    Args:
        axis: default axis (deprecated in Keras: pass it to ``__call__``); -1 when neither is given.
        value_range: the range of the quantized values (within [-128, 127] for int8).
        epsilon: added to the maximum; ``None`` uses ``config.epsilon()``.
        output_dtype: the dtype of the quantized values.
    """

    def __init__(
        self,
        axis: Any = None,
        value_range: tuple[int, int] = (-127, 127),
        epsilon: float | None = None,
        output_dtype: str = "int8",
    ) -> None:
        super().__init__(output_dtype=output_dtype)
        self.axis = (axis,) if isinstance(axis, int) else (tuple(axis) if axis is not None else None)
        self.value_range = tuple(value_range)
        self.epsilon = config.epsilon() if epsilon is None else epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError(
                "AbsMaxQuantizer: with output_dtype='int8', `value_range` must lie within [-128, 127], "
                f"received {tuple(value_range)}."
            )

    def __call__(self, x: Any, axis: Any = None, to_numpy: bool = False) -> tuple[Any, Any]:
        axis = axis if axis is not None else (self.axis if self.axis is not None else -1)
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy)

    def get_config(self) -> dict:
        out = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            out["axis"] = self.axis
        return out


def compute_float8_scale(amax: Any, scale: Any, dtype_max: float, margin: int = 0) -> Any:
    """The new float8 scale from the running absolute maximum ``amax`` (Transformer Engine's rule):
    ``amax / dtype_max * 2**margin``, keeping ``scale`` where ``amax`` is 0 or not finite."""
    old = ops.reciprocal(scale)
    factor = ops.divide(ops.divide(dtype_max, amax), 2**margin)
    factor = ops.where(ops.greater(amax, 0.0), factor, old)
    factor = ops.where(ops.isfinite(amax), factor, old)
    return ops.reciprocal(factor)


_ALL = {"Quantizer": Quantizer, "AbsMaxQuantizer": AbsMaxQuantizer, "abs_max_quantizer": AbsMaxQuantizer}


def serialize(quantizer: Quantizer) -> dict:
    return serialization_lib.serialize_keras_object(quantizer)


def deserialize(config: Any, custom_objects: dict | None = None) -> Quantizer:
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects, module_objects=_ALL)


def get(identifier: Any, **kwargs: Any) -> Quantizer | None:
    """A quantizer from a quantizer, a name (``"abs_max_quantizer"``), a config dict, or ``None``."""
    if identifier is None:
        return None
    if isinstance(identifier, Quantizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier in _ALL:
        return _ALL[identifier](**kwargs)
    raise ValueError(f"Could not interpret quantizer identifier: {identifier!r}.")


__all__ = [
    "AbsMaxQuantizer",
    "Quantizer",
    "abs_max_quantize",
    "compute_float8_scale",
    "deserialize",
    "get",
    "serialize",
]
