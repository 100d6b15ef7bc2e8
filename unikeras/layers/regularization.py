"""Regularization layers."""

from __future__ import annotations

from typing import Any

from unikeras import random
from unikeras.layers.layer import Layer


class Dropout(Layer):
    """Zeroes inputs with probability ``rate`` during training and scales the rest by
    ``1 / (1 - rate)``; the identity at inference.

    Args:
        rate: float in ``[0, 1)``.
        noise_shape: shape of the binary mask (broadcast over the inputs), optional.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(self, rate: float, noise_shape: tuple | None = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout '{self.name}': `rate` must be in [0, 1), received {rate!r}.")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.rate > 0.0:
            return random.dropout(inputs, self.rate, noise_shape=self.noise_shape, seed=self.seed_generator)
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
