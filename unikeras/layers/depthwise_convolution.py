"""Depthwise and separable convolution layers: DepthwiseConv1D/2D (kernel ``(*kernel_size, in_channels,
depth_multiplier)``) and SeparableConv1D/2D (depthwise then pointwise), Keras semantics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import constraints, initializers, regularizers
from unikeras.layers.convolution import BaseConv, positive_int
from unikeras.ops import nn


class _DepthwiseConv(BaseConv):
    """N-d depthwise convolution; see ``DepthwiseConv1D`` / ``DepthwiseConv2D``."""

    strided_dilation = True

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
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
            **kwargs,
        )
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", self._owner)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape: tuple) -> None:
        in_channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            self.kernel_size + (in_channels, self.depth_multiplier),
            self.depthwise_initializer,
            name="kernel",
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self._add_bias(in_channels * self.depth_multiplier)

    def _convolve(self, inputs: Any) -> Any:
        kernel = self.kernel.value
        return nn.depthwise_conv(inputs, kernel, self.strides, self.padding, self.data_format, self.dilation_rate)

    def _output_channels(self, in_channels: int | None) -> int | None:
        return None if in_channels is None else in_channels * self.depth_multiplier

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        }


class DepthwiseConv1D(_DepthwiseConv):
    """1-D depthwise convolution over ``(batch, steps, channels)`` (or ``(batch, channels, steps)``): each
    input channel is convolved with its own ``depth_multiplier`` filters; output channel
    ``c * depth_multiplier + m`` comes from input channel ``c``.

    Args:
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int (1).
        padding: ``"valid"`` or ``"same"``.
        depth_multiplier: positive int, filters per input channel (1).
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
        dilation_rate: int or tuple of 1 int (1).
        activation: name or callable; ``None`` is linear.
        use_bias: whether to add a bias vector of shape ``(in_channels * depth_multiplier,)``.
        depthwise_initializer: initializer for the ``(*kernel_size, in_channels, depth_multiplier)`` kernel.
        bias_initializer: initializer for the bias (``"zeros"``).
        depthwise_regularizer, bias_regularizer: penalties added to ``layer.losses``.
        activity_regularizer: penalty on the outputs, added to ``losses`` per call (divided by the batch size).
        depthwise_constraint, bias_constraint: projections applied after each optimizer update.
    """

    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """2-D depthwise convolution over ``(batch, rows, cols, channels)`` (or channels first); arguments as
    ``DepthwiseConv1D`` with tuples of 2 ints."""

    rank = 2


class _SeparableConv(BaseConv):
    """N-d separable convolution; see ``SeparableConv1D`` / ``SeparableConv2D``."""

    strided_dilation = True

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
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
            **kwargs,
        )
        self.filters = positive_int(filters, "filters", self._owner)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", self._owner)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape: tuple) -> None:
        in_channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            self.kernel_size + (in_channels, self.depth_multiplier),
            self.depthwise_initializer,
            name="depthwise_kernel",
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            (1,) * self.rank + (in_channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer,
            name="pointwise_kernel",
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._add_bias(self.filters)

    def _convolve(self, inputs: Any) -> Any:
        return nn.separable_conv(
            inputs,
            self.depthwise_kernel.value,
            self.pointwise_kernel.value,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
        )

    def _output_channels(self, in_channels: int | None) -> int:
        return self.filters

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        }


class SeparableConv1D(_SeparableConv):
    """1-D separable convolution over ``(batch, steps, channels)`` (or ``(batch, channels, steps)``): a
    depthwise convolution (``depth_multiplier`` filters per input channel, with ``strides``, ``padding``
    and ``dilation_rate``) followed by a pointwise (size-1) convolution to ``filters`` channels.

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 1 int, the depthwise window.
        strides: int or tuple of 1 int (1).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
        dilation_rate: int or tuple of 1 int (1).
        depth_multiplier: positive int, depthwise filters per input channel (1).
        activation: name or callable; ``None`` is linear.
        use_bias: whether to add a bias vector of shape ``(filters,)``.
        depthwise_initializer: initializer for the ``(*kernel_size, in_channels, depth_multiplier)`` kernel.
        pointwise_initializer: initializer for the ``(1, in_channels * depth_multiplier, filters)`` kernel.
        bias_initializer: initializer for the bias (``"zeros"``).
        depthwise_regularizer, pointwise_regularizer, bias_regularizer: penalties added to ``layer.losses``.
        activity_regularizer: penalty on the outputs, added to ``losses`` per call (divided by the batch size).
        depthwise_constraint, pointwise_constraint, bias_constraint: projections applied after each
            optimizer update.
    """

    rank = 1


class SeparableConv2D(_SeparableConv):
    """2-D separable convolution over ``(batch, rows, cols, channels)`` (or channels first); arguments as
    ``SeparableConv1D`` with tuples of 2 ints (pointwise kernel ``(1, 1, in * depth_multiplier, filters)``)."""

    rank = 2


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

__all__ = [
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
]
