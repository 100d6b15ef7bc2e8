"""Pooling layers: Max/Average pooling (1-D, 2-D, 3-D) and their global variants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import config
from unikeras.layers.convolution import (
    check_rank,
    normalize_padding,
    normalize_tuple,
    output_length,
)
from unikeras.layers.layer import Layer
from unikeras.ops import nn
from unikeras.ops.dispatch import active


class _Pooling(Layer):
    """N-d max or average pooling; see the concrete classes."""

    rank = 0
    kind = ""

    def __init__(
        self,
        pool_size: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} '{self.name}'"
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = config.standardize_data_format(data_format, owner)

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def build(self, input_shape: tuple) -> None:
        check_rank(self._owner, input_shape, self.rank)

    def call(self, inputs: Any) -> Any:
        check_rank(self._owner, active().shape(inputs), self.rank)
        fn = nn.max_pool if self.kind == "max" else nn.average_pool
        return fn(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_rank(self._owner, input_shape, self.rank)
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = tuple(output_length(n, k, self.padding, s) for n, k, s in zip(spatial, self.pool_size, self.strides))
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + out

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        }


class MaxPooling1D(_Pooling):
    """Max pooling over ``(batch, steps, channels)`` (or channels first).

    Args:
        pool_size: int or tuple of ints, window size (2).
        strides: int or tuple of ints; ``None`` means ``pool_size``.
        padding: ``"valid"`` or ``"same"`` (padded cells never win).
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
    """

    rank, kind = 1, "max"


class MaxPooling2D(_Pooling):
    """2-D max pooling; arguments as ``MaxPooling1D``."""

    rank, kind = 2, "max"


class MaxPooling3D(_Pooling):
    """3-D max pooling; arguments as ``MaxPooling1D``."""

    rank, kind = 3, "max"


class AveragePooling1D(_Pooling):
    """Average pooling; arguments as ``MaxPooling1D`` (``"same"`` padding does not count padded cells)."""

    rank, kind = 1, "average"


class AveragePooling2D(_Pooling):
    """2-D average pooling; arguments as ``AveragePooling1D``."""

    rank, kind = 2, "average"


class AveragePooling3D(_Pooling):
    """3-D average pooling; arguments as ``AveragePooling1D``."""

    rank, kind = 3, "average"


class _GlobalPooling(Layer):
    """Max or mean over every spatial axis.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
        keepdims: keep the spatial axes with length 1.
    """

    rank = 0
    kind = ""

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format, f"{type(self).__name__} '{self.name}'")
        self.keepdims = bool(keepdims)

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    @property
    def _spatial_axes(self) -> tuple[int, ...]:
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def build(self, input_shape: tuple) -> None:
        check_rank(self._owner, input_shape, self.rank)

    def call(self, inputs: Any) -> Any:
        b = active()
        check_rank(self._owner, b.shape(inputs), self.rank)
        reduce = b.max if self.kind == "max" else b.mean
        return reduce(inputs, axis=self._spatial_axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_rank(self._owner, input_shape, self.rank)
        axes = self._spatial_axes
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling):
    __doc__ = _GlobalPooling.__doc__
    rank, kind = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    __doc__ = _GlobalPooling.__doc__
    rank, kind = 2, "max"


class GlobalMaxPooling3D(_GlobalPooling):
    __doc__ = _GlobalPooling.__doc__
    rank, kind = 3, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis; with a ``(batch, steps)`` mask, the mean of the kept steps only.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
        keepdims: keep the steps axis with length 1.
    """

    rank, kind = 1, "average"

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return super().call(inputs)
        b = active()
        check_rank(self._owner, b.shape(inputs), self.rank)
        last = self.data_format == "channels_last"
        weights = b.expand_dims(b.cast(mask, b.dtype_name(inputs)), 2 if last else 1)
        steps = 1 if last else 2
        total = b.sum(b.multiply(inputs, weights), axis=steps, keepdims=self.keepdims)
        return b.divide(total, b.sum(weights, axis=steps, keepdims=self.keepdims))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None  # the steps axis is gone


class GlobalAveragePooling2D(_GlobalPooling):
    __doc__ = _GlobalPooling.__doc__
    rank, kind = 2, "average"


class GlobalAveragePooling3D(_GlobalPooling):
    __doc__ = _GlobalPooling.__doc__
    rank, kind = 3, "average"


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
)

__all__ = [
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
]
