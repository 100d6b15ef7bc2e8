"""Convolutional LSTM layers (ConvLSTM1D, ConvLSTM2D, ConvLSTM3D).

An LSTM whose input and recurrent transformations are convolutions (Shi et al. 2015), run by the
generic ``RNN`` loop. Keras's weight layout: ``kernel`` ``(*kernel_size, channels, 4 * filters)``,
``recurrent_kernel`` ``(*kernel_size, filters, 4 * filters)``, ``bias`` ``(4 * filters,)``, gate blocks
i, f, c, o along the last axis. The input convolution uses ``strides``, ``padding`` and
``dilation_rate``; the recurrent one is a ``"same"`` convolution with unit strides on the state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import activations, config, constraints, initializers, regularizers
from unikeras.layers.convolution import normalize_padding, normalize_tuple, output_length, positive_int
from unikeras.layers.recurrent import _UnitForgetBias
from unikeras.layers.rnn import RNN, _DropoutCell
from unikeras.ops.dispatch import active

__all__: list[str] = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


class _ConvLSTMCell(_DropoutCell):
    """One ConvLSTM step on ``(batch, *spatial, channels)`` (or channels first) inputs; states ``[h, c]``."""

    _gates = 4

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size: tuple[int, ...],
        strides: tuple[int, ...],
        padding: str,
        data_format: str,
        dilation_rate: tuple[int, ...],
        recurrent_activation: Any,
        unit_forget_bias: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(filters, **kwargs)
        self._expected_ndim = rank + 2
        self.rank = rank
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = data_format
        self.dilation_rate = dilation_rate
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [filters, filters]
        self.output_size = filters
        self._step_shape: tuple | None = None

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, step_shape: tuple) -> tuple:
        return tuple(step_shape[1:-1] if self.data_format == "channels_last" else step_shape[2:])

    def _state_tail(self, step_shape: tuple) -> tuple:
        """The shape (without batch) of the output and of each state for step inputs of ``step_shape``."""
        spatial = tuple(
            output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(self._spatial(step_shape), self.kernel_size, self.strides, self.dilation_rate)
        )
        return (*spatial, self.filters) if self.data_format == "channels_last" else (self.filters, *spatial)

    def _state_tails(self) -> list[tuple[int, ...]]:
        tail = self._state_tail(self._step_shape)
        return [tail, tail]

    def build(self, input_shape: tuple) -> None:
        channels = input_shape[self._channel_axis]
        if channels is None or None in self._spatial(input_shape):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the spatial and channel axes of the input must be known, "
                f"received step shape {tuple(input_shape)}."
            )
        self._step_shape = tuple(input_shape)
        width = 4 * self.filters
        self.kernel = self.add_weight(
            (*self.kernel_size, channels, width),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            (*self.kernel_size, self.filters, width),
            self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            initializer = (
                _UnitForgetBias(self.bias_initializer, self.filters) if self.unit_forget_bias else self.bias_initializer
            )
            self.bias = self.add_weight(
                (width,),
                initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._expected_axes = {self._channel_axis: channels}

    def _dropout_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return tuple(self._step_shape[1:]), self._state_tail(self._step_shape)

    def _mask_count(self) -> int:
        return 4  # Keras draws one mask per gate for ConvLSTM, with or without recurrent dropout

    def _gate_convs(self, x: Any, kernel: Any, masks: list | None, strides: Any, padding: str, dilation: Any) -> Any:
        """The four gates' convolutions of ``x`` concatenated on the channel axis (``x`` dropped per gate)."""
        b = active()
        if masks is None:
            return b.conv(x, kernel, strides, padding, self.data_format, dilation)
        if len(masks) == 1:
            masks = masks * 4
        blocks = b.split(kernel, 4, axis=-1)
        outs = [
            b.conv(b.multiply(x, m), k, strides, padding, self.data_format, dilation) for m, k in zip(masks, blocks)
        ]
        return b.concatenate(outs, axis=self._channel_axis)

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list]:
        b = active()
        h_prev, c_prev = self._states_in(states)[:2]
        axis = self._channel_axis
        x = self._gate_convs(
            inputs,
            self.kernel.value,
            self._input_masks(inputs, training),
            self.strides,
            self.padding,
            self.dilation_rate,
        )
        if self.bias is not None:
            bias = self.bias.value
            if self.data_format == "channels_first":
                bias = b.reshape(bias, (-1,) + (1,) * self.rank)
            x = b.add(x, bias)
        ones = (1,) * self.rank
        recurrent = self._gate_convs(
            h_prev, self.recurrent_kernel.value, self._state_masks(h_prev, training), ones, "same", ones
        )
        z_i, z_f, z_c, z_o = b.split(b.add(x, recurrent), 4, axis=axis)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = b.add(b.multiply(f, c_prev), b.multiply(i, self.activation(z_c)))
        o = self.recurrent_activation(z_o)
        h = b.multiply(o, self.activation(c))
        return h, [h, c]


class ConvLSTM(RNN):
    """Base of ``ConvLSTM1D`` / ``2D`` / ``3D``: the arguments of an N-d convolution and of an LSTM."""

    _lists_activity_regularizer = True
    rank = 0

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs: Any,
    ) -> None:
        self._cell_args = {
            "filters": filters,
            "kernel_size": kernel_size,
            "strides": strides,
            "padding": padding,
            "data_format": data_format,
            "dilation_rate": dilation_rate,
            "activation": activation,
            "recurrent_activation": recurrent_activation,
            "use_bias": use_bias,
            "kernel_initializer": kernel_initializer,
            "recurrent_initializer": recurrent_initializer,
            "bias_initializer": bias_initializer,
            "unit_forget_bias": unit_forget_bias,
            "kernel_regularizer": kernel_regularizer,
            "recurrent_regularizer": recurrent_regularizer,
            "bias_regularizer": bias_regularizer,
            "kernel_constraint": kernel_constraint,
            "recurrent_constraint": recurrent_constraint,
            "bias_constraint": bias_constraint,
            "dropout": dropout,
            "recurrent_dropout": recurrent_dropout,
            "seed": seed,
        }
        super().__init__(
            None,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self._expected_min_ndim = None
        self._expected_ndim = self.rank + 3

    def _make_cell(self, cell: Any) -> _ConvLSTMCell:
        args = dict(self._cell_args)
        owner = f"{type(self).__name__} '{self.name}'"
        rank = self.rank
        filters = positive_int(args.pop("filters"), "filters", owner)
        kernel_size = normalize_tuple(args.pop("kernel_size"), rank, "kernel_size", owner)
        strides = normalize_tuple(args.pop("strides"), rank, "strides", owner)
        padding = normalize_padding(args.pop("padding"), owner)
        data_format = config.standardize_data_format(args.pop("data_format"), owner)
        dilation_rate = normalize_tuple(args.pop("dilation_rate"), rank, "dilation_rate", owner)
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise ValueError(
                f"{owner}: `strides` > 1 is not supported together with `dilation_rate` > 1, received "
                f"strides={strides}, dilation_rate={dilation_rate}."
            )
        return _ConvLSTMCell(
            rank,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            name="conv_lstm_cell",
            dtype=self.dtype_policy,
            **args,
        )

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != self.rank + 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected an input of rank {self.rank + 3} "
                f"(batch, time, {self.rank} spatial axes and channels), received shape {tuple(input_shape)}."
            )
        super().build(input_shape)

    def _output_tail(self) -> tuple[int, ...]:
        return self.cell._state_tails()[0]

    def compute_output_shape(self, input_shape: tuple) -> Any:
        batch, time = input_shape[0], input_shape[1]
        tail = self.cell._state_tail((batch, *input_shape[2:]))
        output = (batch, time, *tail) if self.return_sequences else (batch, *tail)
        if self.return_state:
            return [output, (batch, *tail), (batch, *tail)]
        return output

    def get_config(self) -> dict:
        cell = self.cell
        base = super().get_config()
        del base["cell"]
        return {
            **base,
            "filters": cell.filters,
            "kernel_size": cell.kernel_size,
            "strides": cell.strides,
            "padding": cell.padding,
            "data_format": cell.data_format,
            "dilation_rate": cell.dilation_rate,
            "activation": activations.serialize(cell.activation),
            "recurrent_activation": activations.serialize(cell.recurrent_activation),
            "use_bias": cell.use_bias,
            "kernel_initializer": initializers.serialize(cell.kernel_initializer),
            "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
            "bias_initializer": initializers.serialize(cell.bias_initializer),
            "unit_forget_bias": cell.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
            "kernel_constraint": constraints.serialize(cell.kernel_constraint),
            "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
            "bias_constraint": constraints.serialize(cell.bias_constraint),
            "dropout": cell.dropout,
            "recurrent_dropout": cell.recurrent_dropout,
            "seed": cell.seed,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> ConvLSTM:
        config = dict(config)
        config.pop("build_input_shape", None)
        return cls(**config)


def _forward(name: str) -> property:
    return property(lambda self: getattr(self.cell, name))


for _name in (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "activation",
    "recurrent_activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "unit_forget_bias",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
):
    setattr(ConvLSTM, _name, _forward(_name))

_DOC = """{rank}-D convolutional LSTM on inputs ``(batch, time, {axes}, channels)`` (``channels_last``) or
    ``(batch, time, channels, {axes})`` (``channels_first``).

    Args:
        filters: positive int, the number of output channels (and of each state's channels).
        kernel_size: int or tuple of {rank} ints, the convolution window.
        strides: int or tuple of {rank} ints, the input convolution's strides (not with ``dilation_rate`` > 1).
        padding: ``"valid"`` or ``"same"``, the input convolution's padding.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when ``None``).
        dilation_rate: int or tuple of {rank} ints, the input convolution's dilation.
        activation: activation of the candidate and output (``"tanh"``).
        recurrent_activation: activation of the gates (``"sigmoid"``).
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        unit_forget_bias: initialize the forget-gate bias to ones.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections after each update.
        dropout: fraction of the inputs dropped in training (one mask per gate and call).
        recurrent_dropout: fraction of the recurrent state dropped in training (likewise).
        seed: optional int seed of the dropout masks.
        return_sequences: return the whole output sequence instead of the last output.
        return_state: also return the last states: ``[output, h, c]``.
        go_backwards: process the sequence backwards.
        stateful: only ``False`` is supported.

    Call arguments: ``inputs``; ``initial_state``: ``[h, c]``; ``mask``: ``(batch, time)`` booleans; ``training``.
    """


class ConvLSTM1D(ConvLSTM):
    __doc__ = _DOC.format(rank=1, axes="steps")
    rank = 1


class ConvLSTM2D(ConvLSTM):
    __doc__ = _DOC.format(rank=2, axes="rows, cols")
    rank = 2


class ConvLSTM3D(ConvLSTM):
    __doc__ = _DOC.format(rank=3, axes="depth, rows, cols")
    rank = 3
