"""Regularization layers: Dropout, SpatialDropout1D/2D, GaussianNoise."""

from __future__ import annotations

from typing import Any

from unikeras import config, random
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Dropout(Layer):
    """Zeroes inputs with probability ``rate`` during training and scales the rest by
    ``1 / (1 - rate)``; the identity at inference.

    Args:
        rate: float in ``[0, 1)``.
        noise_shape: shape of the binary mask (broadcast over the inputs), optional.
        seed: optional int seed of this layer's random stream.
    """

    supports_masking = True

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


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` during training; the
    identity at inference.

    Args:
        stddev: float >= 0.
        seed: optional int seed of this layer's random stream.
    """

    supports_masking = True

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(stddev, (int, float)) or isinstance(stddev, bool) or stddev < 0:
            raise ValueError(f"GaussianNoise '{self.name}': `stddev` must be a float >= 0, received {stddev!r}.")
        self.stddev = float(stddev)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.stddev > 0.0:
            b = active()
            noise = random.normal(
                b.shape(inputs), 0.0, self.stddev, dtype=b.dtype_name(inputs), seed=self.seed_generator
            )
            return b.add(inputs, noise)
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class _SpatialDropout(Layer):
    """Drops whole channels (feature maps) with probability ``rate`` during training."""

    supports_masking = True

    _rank = 3

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = self._rank
        kind = type(self).__name__
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate < 1.0:
            raise ValueError(f"{kind} '{self.name}': `rate` must be in [0, 1), received {rate!r}.")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != self._rank:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expects {self._rank}-d inputs, "
                f"received shape {tuple(input_shape)}."
            )

    def _noise_shape(self, shape: tuple) -> tuple:
        return (shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.rate > 0.0:
            noise_shape = self._noise_shape(active().shape(inputs))
            return random.dropout(inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator)
        return inputs

    def get_config(self) -> dict:
        config = {**super().get_config(), "rate": self.rate, "seed": self.seed}
        config.pop("trainable")  # Keras's spatial dropout layers take no `trainable` argument
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of ``(batch, steps, channels)`` inputs: mask shape ``(batch, 1, channels)``.

    Args:
        rate: float in ``[0, 1)``.
        seed: optional int seed of this layer's random stream.
    """

    _rank = 3


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of 4-d inputs: mask shape ``(batch, 1, 1, channels)``
    (``(batch, channels, 1, 1)`` for channels_first).

    Args:
        rate: float in ``[0, 1)``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``).
        seed: optional int seed of this layer's random stream.
    """

    _rank = 4

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = config.standardize_data_format(data_format, f"SpatialDropout2D '{self.name}'")

    def _noise_shape(self, shape: tuple) -> tuple:
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1)
        return (shape[0], 1, 1, shape[3])

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}
