"""Activation layers."""

from __future__ import annotations

from typing import Any

from unikeras import activations
from unikeras.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function by name or callable."""

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
