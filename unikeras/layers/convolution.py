"""Convolution layers: Conv1D, Conv2D, Conv3D (Keras semantics, kernel ``(*kernel_size, in // groups, filters)``),
and the base class the transposed, depthwise and separable convolutions share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import activations, config, constraints, initializers, regularizers
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


def normalize_padding(padding: Any, owner: str, allow_causal: bool = False) -> str:
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if not isinstance(padding, str) or padding.lower() not in allowed:
        names = " or ".join(repr(p) for p in allowed)
        raise ValueError(f"{owner}: `padding` must be {names}, received {padding!r}.")
    return padding.lower()


def output_length(size: int | None, window: int, padding: str, stride: int, dilation: int = 1) -> int | None:
    """Keras's ``conv_output_length``: valid ``floor((n - d*(k-1) - 1)/s) + 1``, same (and causal) ``ceil(n/s)``."""
    if size is None:
        return None
    if padding in ("same", "causal"):
        return -(-size // stride)
    return max((size - dilation * (window - 1) - 1) // stride + 1, 0)


def check_rank(owner: str, input_shape: tuple, rank: int) -> None:
    if len(input_shape) != rank + 2:
        raise ValueError(
            f"{owner}: expected an input of rank {rank + 2} (batch, {rank} spatial axes, channels), "
            f"received shape {tuple(input_shape)}."
        )


def positive_int(value: Any, arg: str, owner: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: `{arg}` must be a positive int, received {value!r}.")
    return value


class BaseConv(Layer):
    """What every convolution layer shares: window arguments, the bias, the activation, shapes.

    Subclasses set ``rank``, create their kernels in ``build`` (after ``_input_channels``) and
    compute ``_convolve(inputs)`` and ``_output_channels(in_channels)``.
    """

    rank = 0
    #: Keras forbids strides > 1 together with dilation_rate > 1 for these layers.
    strided_dilation = False

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        bias_initializer: Any = "zeros",
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        bias_constraint: Any = None,
        allow_causal: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = self._owner
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, self.rank, "strides", owner)
        self.padding = normalize_padding(padding, owner, allow_causal)
        self.data_format = config.standardize_data_format(data_format, owner)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", owner)
        if not self.strided_dilation and max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{owner}: `strides` > 1 is not supported together with `dilation_rate` > 1, received "
                f"strides={self.strides}, dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:])

    def _input_channels(self, input_shape: tuple) -> int:
        """The input's channel count (checked known), recorded as the axis every later input must match."""
        check_rank(self._owner, input_shape, self.rank)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(
                f"{self._owner}: the channel axis of the input must be known, received shape {tuple(input_shape)}."
            )
        self._expected_axes = {self._channel_axis: channels}
        return channels

    def _add_bias(self, units: int) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                (units,),
                self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _check_input_shape(self, shape: tuple) -> None:
        check_rank(self._owner, shape, self.rank)
        super()._check_input_shape(shape)

    def _convolve(self, inputs: Any) -> Any:
        raise NotImplementedError

    def _output_channels(self, in_channels: int | None) -> int | None:
        raise NotImplementedError

    def _output_spatial(self, spatial: tuple) -> tuple:
        return tuple(
            output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )

    def call(self, inputs: Any) -> Any:
        outputs = self._convolve(inputs)
        if self.bias is not None:
            b = active()
            bias = self.bias.value
            if self.data_format == "channels_first":
                bias = b.reshape(bias, (-1,) + (1,) * self.rank)
            outputs = b.add(outputs, bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        check_rank(self._owner, input_shape, self.rank)
        spatial = self._output_spatial(self._spatial(input_shape))
        channels = self._output_channels(input_shape[self._channel_axis])
        if self.data_format == "channels_last":
            return (input_shape[0], *spatial, channels)
        return (input_shape[0], channels, *spatial)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class _Conv(BaseConv):
    """N-d convolution; see ``Conv1D`` / ``Conv2D`` / ``Conv3D``."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            bias_initializer,
            bias_regularizer,
            activity_regularizer,
            bias_constraint,
            allow_causal=self.rank == 1,
            **kwargs,
        )
        self.filters = positive_int(filters, "filters", self._owner)
        self.groups = positive_int(groups, "groups", self._owner)
        if filters % groups:
            raise ValueError(
                f"{self._owner}: `filters` must be a multiple of `groups`, received filters={filters}, groups={groups}."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape: tuple) -> None:
        in_channels = self._input_channels(input_shape)
        if in_channels % self.groups:
            raise ValueError(
                f"{self._owner}: the input's channels must be a multiple of `groups`={self.groups}, received "
                f"input of shape {tuple(input_shape)} ({in_channels} channels)."
            )
        self.kernel = self.add_weight(
            self.kernel_size + (in_channels // self.groups, self.filters),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._add_bias(self.filters)

    def call(self, inputs: Any) -> Any:
        if self.bias is None or self.groups != 1 or self.padding == "causal":
            return super().call(inputs)
        outputs = active().conv_bias(
            inputs, self.kernel.value, self.bias.value, self.strides, self.padding, self.data_format, self.dilation_rate
        )
        return self.activation(outputs)

    def _convolve(self, inputs: Any) -> Any:
        padding = self.padding
        if padding == "causal":  # Conv1D: pad the past only, so step t never sees steps after t
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            pads = [(0, 0), (left, 0), (0, 0)] if self.data_format == "channels_last" else [(0, 0), (0, 0), (left, 0)]
            inputs, padding = active().pad(inputs, pads), "valid"
        return nn.conv(inputs, self.kernel.value, self.strides, padding, self.data_format, self.dilation_rate)

    def _output_channels(self, in_channels: int | None) -> int:
        return self.filters

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)`` (or ``(batch, channels, steps)``).

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int (1).
        padding: ``"valid"``, ``"same"`` or ``"causal"`` (left padding only: output step ``t`` sees
            input steps up to ``t``).
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
        dilation_rate: int or tuple of 1 int (1); cannot be combined with strides > 1.
        groups: positive int; the channels are split into ``groups`` convolved separately, each with
            ``filters // groups`` filters (input channels and ``filters`` must be multiples of it).
        activation: name or callable; ``None`` is linear.
        use_bias: whether to add a bias vector of shape ``(filters,)``.
        kernel_initializer: initializer for the ``(*kernel_size, in_channels // groups, filters)`` kernel.
        bias_initializer: initializer for the bias (``"zeros"``).
        kernel_regularizer, bias_regularizer: penalties added to ``layer.losses``.
        activity_regularizer: penalty on the outputs, added to ``losses`` per call (divided by the batch size).
        kernel_constraint, bias_constraint: projections applied after each optimizer update.
    """

    rank = 1


class Conv2D(_Conv):
    """2-D convolution over ``(batch, rows, cols, channels)`` (or channels first); arguments as ``Conv1D``
    with tuples of 2 ints (``padding`` ``"valid"`` or ``"same"``)."""

    rank = 2


class Conv3D(_Conv):
    """3-D convolution over ``(batch, d1, d2, d3, channels)`` (or channels first); arguments as ``Conv1D``
    with tuples of 3 ints (``padding`` ``"valid"`` or ``"same"``)."""

    rank = 3


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"]
