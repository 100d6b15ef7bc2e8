"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization."""

from __future__ import annotations

import math
from typing import Any

from unikeras import config, random, regularizers
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


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature maps of 5-d inputs: mask shape ``(batch, 1, 1, 1, channels)``
    (``(batch, channels, 1, 1, 1)`` for channels_first).

    Args:
        rate: float in ``[0, 1)``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``).
        seed: optional int seed of this layer's random stream.
    """

    _rank = 5

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = config.standardize_data_format(data_format, f"SpatialDropout3D '{self.name}'")

    def _noise_shape(self, shape: tuple) -> tuple:
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1, 1)
        return (shape[0], 1, 1, 1, shape[4])

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


def _check_rate(layer: Layer, rate: Any) -> float:
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate < 1.0:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `rate` must be in [0, 1), received {rate!r}.")
    return rate


class GaussianDropout(Layer):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))``
    during training; the identity at inference.

    Args:
        rate: float in ``[0, 1)``, the drop probability of the equivalent ``Dropout``.
        seed: optional int seed of this layer's random stream.
    """

    supports_masking = True

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = _check_rate(self, rate)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training and self.rate > 0.0:
            b = active()
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = random.normal(b.shape(inputs), 1.0, stddev, dtype=b.dtype_name(inputs), seed=self.seed_generator)
            return b.multiply(inputs, noise)
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of its inputs (for SELU networks): during training
    dropped entries are set to ``-alpha * scale`` of SELU, then all entries are mapped by the affine
    ``a * x + b`` that restores zero mean and unit variance; the identity at inference.

    Args:
        rate: float in ``[0, 1)``.
        noise_shape: shape of the binary mask (broadcast over the inputs; ``None`` entries take the
            inputs' size), optional.
        seed: optional int seed of this layer's random stream.
    """

    supports_masking = True

    def __init__(self, rate: float, noise_shape: tuple | None = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = _check_rate(self, rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def affine(self) -> tuple[float, float, float]:
        """``(dropped value, a, b)``: dropped entries become the first, then every entry ``a * x + b``."""
        dropped = -_SELU_ALPHA * _SELU_SCALE
        a = ((1.0 - self.rate) * (1.0 + self.rate * dropped**2)) ** -0.5
        return dropped, a, -a * dropped * self.rate

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if not training or self.rate <= 0.0:
            return inputs
        b = active()
        shape = b.shape(inputs)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))
        keep = b.greater_equal(random.uniform(shape, dtype=b.dtype_name(inputs), seed=self.seed_generator), self.rate)
        dropped, a, offset = self.affine()
        kept = b.where(keep, inputs, b.full(b.shape(inputs), dropped, b.dtype_name(inputs)))
        return b.add(b.multiply(kept, a), offset)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x**2)`` of its outputs (per sample) to ``losses``.

    Args:
        l1: float >= 0, the L1 factor.
        l2: float >= 0, the L2 factor.
    """

    supports_masking = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("activity_regularizer", None)  # the layer's own, from l1 and l2
        super().__init__(**kwargs)
        for arg, value in (("l1", l1), ("l2", l2)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(
                    f"ActivityRegularization '{self.name}': `{arg}` must be a float >= 0, received {value!r}."
                )
        self.l1 = l1
        self.l2 = l2
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)
        self.call = self._call_with_activity_penalty

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        config = {**super().get_config(), "l1": self.l1, "l2": self.l2}
        config.pop("activity_regularizer", None)
        return config
