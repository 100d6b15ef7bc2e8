"""Reshaping layers."""

from __future__ import annotations

import math
from typing import Any

from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = b.shape(inputs)
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = b.transpose(inputs, (0,) + tuple(range(2, len(shape))) + (1,))
        return b.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}
