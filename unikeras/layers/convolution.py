"""Convolution layers: Conv1D, Conv2D, Conv3D (Keras semantics, kernel ``(*kernel_size, in, filters)``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import activations, config, initializers
from unikeras.layers.layer import Layer
from unikeras.ops import nn
from unikeras.ops.dispatch import active


def normalize_tuple(value: Any, rank: int, arg: str, owner: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``value`` (an int or ``rank`` ints) as a tuple of ``rank`` positive ints; ValueError naming ``owner``."""
    if isinstance(value, int) and not isinstance(value, bool):
        values: tuple = (value,) * rank
    elif isinstance(value, Sequence) and not isinstance(value, str):
        values = tuple(value)
    else:
        raise ValueError(f"{owner}: `{arg}` must be an int or a tuple of {rank} ints, received {value!r}.")
    if len(values) != rank or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{owner}: `{arg}` must be an int or a tuple of {rank} ints, received {value!r}.")
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{owner}: `{arg}` must contain {kind} ints, received {value!r}.")
    return values


def normalize_padding(padding: Any, owner: str) -> str:
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{owner}: `padding` must be 'valid' or 'same', received {padding!r}.")
    return padding.lower()


def output_length(size: int | None, window: int, padding: str, stride: int, dilation: int = 1) -> int | None:
    """Keras's ``conv_output_length``: valid ``floor((n - d*(k-1) - 1)/s) + 1``, same ``ceil(n/s)``."""
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    return max((size - dilation * (window - 1) - 1) // stride + 1, 0)


def check_rank(owner: str, input_shape: tuple, rank: int) -> None:
    if len(input_shape) != rank + 2:
        raise ValueError(
            f"{owner}: expected an input of rank {rank + 2} (batch, {rank} spatial axes, channels), "
            f"received shape {tuple(input_shape)}."
        )


class _Conv(Layer):
    """N-d convolution; see ``Conv1D`` / ``Conv2D`` / ``Conv3D``."""

    rank = 0

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} '{self.name}'"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{owner}: `filters` must be a positive int, received {filters!r}.")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, self.rank, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = config.standardize_data_format(data_format, owner)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", owner)
        if any(s > 1 for s in self.strides) and any(d > 1 for d in self.dilation_rate):
            raise ValueError(
                f"{owner}: `strides` > 1 is not supported together with `dilation_rate` > 1, received "
                f"strides={self.strides}, dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape: tuple) -> None:
        check_rank(self._owner, input_shape, self.rank)
        in_channels = input_shape[self._channel_axis]
        if in_channels is None:
            raise ValueError(
                f"{self._owner}: the channel axis of the input must be known, received shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            self.kernel_size + (in_channels, self.filters), self.kernel_initializer, name="kernel"
        )
        self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias") if self.use_bias else None
        self._expected_axes = {self._channel_axis: in_channels}

    def _check_input_shape(self, shape: tuple) -> None:
        check_rank(self._owner, shape, self.rank)
        super()._check_input_shape(shape)

    def call(self, inputs: Any) -> Any:
        b = active()
        outputs = nn.conv(inputs, self.kernel.value, self.strides, self.padding, self.data_format, self.dilation_rate)
        if self.bias is not None:
            bias = self.bias.value
            if self.data_format == "channels_first":
                bias = b.reshape(bias, (self.filters,) + (1,) * self.rank)
            outputs = b.add(outputs, bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_rank(self._owner, input_shape, self.rank)
        if self.data_format == "channels_last":
            spatial = input_shape[1:-1]
        else:
            spatial = input_shape[2:]
        out = tuple(
            output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (self.filters,)
        return (input_shape[0], self.filters) + out

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)`` (or ``(batch, channels, steps)``).

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int (1).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
        dilation_rate: int or tuple of 1 int (1); cannot be combined with strides > 1.
        activation: name or callable; ``None`` is linear.
        use_bias: whether to add a bias vector of shape ``(filters,)``.
        kernel_initializer: initializer for the ``(*kernel_size, in_channels, filters)`` kernel.
        bias_initializer: initializer for the bias (``"zeros"``).
    """

    rank = 1


class Conv2D(_Conv):
    """2-D convolution over ``(batch, rows, cols, channels)`` (or channels first); arguments as ``Conv1D``
    with tuples of 2 ints."""

    rank = 2


class Conv3D(_Conv):
    """3-D convolution over ``(batch, d1, d2, d3, channels)`` (or channels first); arguments as ``Conv1D``
    with tuples of 3 ints."""

    rank = 3


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"]
