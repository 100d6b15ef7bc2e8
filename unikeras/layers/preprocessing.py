"""Preprocessing layers."""

from __future__ import annotations

from typing import Any

from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Rescaling(Layer):
    """``inputs * scale + offset``.

    Args:
        scale: float (or anything broadcasting against the inputs).
        offset: float added after scaling (0.0).
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs: Any) -> Any:
        b = active()
        dtype = b.dtype_name(inputs)
        if not dtype.startswith(("float", "bfloat")):
            inputs = b.cast(inputs, self.dtype)
            dtype = self.dtype
        scale = b.convert_to_tensor(self.scale, dtype)
        offset = b.convert_to_tensor(self.offset, dtype)
        return b.add(b.multiply(inputs, scale), offset)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
