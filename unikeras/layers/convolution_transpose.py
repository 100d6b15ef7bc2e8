"""Transposed convolution layers: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose (Keras semantics,
kernel ``(*kernel_size, filters, in_channels)``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import constraints, initializers, regularizers
from unikeras.backends.base import conv_transpose_geometry
from unikeras.layers.convolution import BaseConv, normalize_tuple, positive_int
from unikeras.ops import nn


class _ConvTranspose(BaseConv):
    """N-d transposed convolution; see ``Conv1DTranspose`` / ``Conv2DTranspose`` / ``Conv3DTranspose``."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        output_padding: int | Sequence[int] | None = None,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
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
            **kwargs,
        )
        self.filters = positive_int(filters, "filters", self._owner)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(
                output_padding, self.rank, "output_padding", self._owner, allow_zero=True
            )
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"{self._owner}: each `output_padding` must be smaller than the matching stride, received "
                    f"output_padding={self.output_padding}, strides={self.strides}."
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape: tuple) -> None:
        in_channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            self.kernel_size + (self.filters, in_channels),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._add_bias(self.filters)

    def _convolve(self, inputs: Any) -> Any:
        return nn.conv_transpose(
            inputs,
            self.kernel.value,
            self.strides,
            self.padding,
            self.output_padding,
            self.data_format,
            self.dilation_rate,
        )

    def _output_channels(self, in_channels: int | None) -> int:
        return self.filters

    def _output_spatial(self, spatial: tuple) -> tuple:
        pads = self.output_padding or (None,) * self.rank
        geometry = zip(spatial, self.kernel_size, self.strides, pads, self.dilation_rate)
        return tuple(
            None if n is None else conv_transpose_geometry(n, k, s, self.padding, p, d)[0] for n, k, s, p, d in geometry
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "output_padding": self.output_padding,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv1DTranspose(_ConvTranspose):
    """1-D transposed convolution (the gradient of ``Conv1D`` with respect to its input; "deconvolution")
    over ``(batch, steps, channels)`` (or ``(batch, channels, steps)``).

    Output length: ``"valid"`` ``(steps - 1) * strides + (kernel_size - 1) * dilation_rate + 1 +
    output_padding``; ``"same"`` ``steps * strides`` (with ``output_padding``: ``(steps - 1) * strides +
    effective kernel size % 2 + output_padding``).

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int (1).
        padding: ``"valid"`` or ``"same"``.
        output_padding: ``None``, or int or tuple of 1 int, each smaller than its stride: extra output
            cells (``None``: ``max(strides - kernel_size, 0)`` for ``"valid"``).
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when omitted).
        dilation_rate: int or tuple of 1 int (1); cannot be combined with strides > 1.
        activation: name or callable; ``None`` is linear.
        use_bias: whether to add a bias vector of shape ``(filters,)``.
        kernel_initializer: initializer for the ``(*kernel_size, filters, in_channels)`` kernel.
        bias_initializer: initializer for the bias (``"zeros"``).
        kernel_regularizer, bias_regularizer: penalties added to ``layer.losses``.
        activity_regularizer: penalty on the outputs, added to ``losses`` per call (divided by the batch size).
        kernel_constraint, bias_constraint: projections applied after each optimizer update.
    """

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """2-D transposed convolution over ``(batch, rows, cols, channels)`` (or channels first); arguments as
    ``Conv1DTranspose`` with tuples of 2 ints."""

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """3-D transposed convolution over ``(batch, d1, d2, d3, channels)`` (or channels first); arguments as
    ``Conv1DTranspose`` with tuples of 3 ints."""

    rank = 3


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose

__all__ = [
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "Convolution1DTranspose",
    "Convolution2DTranspose",
    "Convolution3DTranspose",
]
