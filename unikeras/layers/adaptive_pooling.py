"""Adaptive pooling layers: average or max pooling to a fixed output size (1-D, 2-D, 3-D).

Bin ``i`` of a spatial axis of length ``L`` pooled to ``n`` outputs covers
``[floor(i * L / n), ceil((i + 1) * L / n))``, as in Keras and PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import config
from unikeras.layers.layer import Layer
from unikeras.ops import nn_extra


class _AdaptivePooling(Layer):
    """Pools every spatial axis to ``output_size``; see the concrete classes."""

    rank = 0
    kind = ""

    def __init__(self, output_size: int | Sequence[int], data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} '{self.name}'"
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            output_size = (output_size,) * self.rank
        elif not isinstance(output_size, (tuple, list)) or len(output_size) != self.rank:
            error = ValueError if self.rank == 1 and isinstance(output_size, (tuple, list)) else TypeError
            raise error(f"{owner}: `output_size` must be an int or {self.rank} ints, received {output_size!r}.")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in output_size):
            raise ValueError(f"{owner}: `output_size` entries must be positive ints, received {output_size!r}.")
        self.output_size = tuple(output_size)
        self.data_format = config.standardize_data_format(data_format, owner)
        self._expected_ndim = self.rank + 2

    def call(self, inputs: Any) -> Any:
        pool = nn_extra.adaptive_average_pool if self.kind == "average" else nn_extra.adaptive_max_pool
        return pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self) -> dict:
        return {**super().get_config(), "output_size": list(self.output_size), "data_format": self.data_format}


_DOC = """Adaptive {kind} pooling of {rank}-D inputs to ``output_size`` positions per spatial axis.

    Inputs ``(batch, {axes}, channels)`` (channels_last) or ``(batch, channels, {axes})`` give outputs with
    the spatial axes of size ``output_size``; bin ``i`` of an axis of length ``L`` pooled to ``n`` covers
    ``[floor(i L / n), ceil((i + 1) L / n))``.

    Args:
        output_size: int (every spatial axis) or {rank} ints, the output size per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``).
    """

_AXES = {1: "length", 2: "height, width", 3: "depth, height, width"}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    __doc__ = _DOC.format(kind="average", rank=1, axes=_AXES[1])
    rank, kind = 1, "average"


class AdaptiveAveragePooling2D(_AdaptivePooling):
    __doc__ = _DOC.format(kind="average", rank=2, axes=_AXES[2])
    rank, kind = 2, "average"


class AdaptiveAveragePooling3D(_AdaptivePooling):
    __doc__ = _DOC.format(kind="average", rank=3, axes=_AXES[3])
    rank, kind = 3, "average"


class AdaptiveMaxPooling1D(_AdaptivePooling):
    __doc__ = _DOC.format(kind="max", rank=1, axes=_AXES[1])
    rank, kind = 1, "max"


class AdaptiveMaxPooling2D(_AdaptivePooling):
    __doc__ = _DOC.format(kind="max", rank=2, axes=_AXES[2])
    rank, kind = 2, "max"


class AdaptiveMaxPooling3D(_AdaptivePooling):
    __doc__ = _DOC.format(kind="max", rank=3, axes=_AXES[3])
    rank, kind = 3, "max"


__all__ = [
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
]
