"""The generic RNN layer, its cells (SimpleRNNCell, GRUCell, LSTMCell) and StackedRNNCells.

``RNN(cell)`` loops a cell over the time axis of ``(batch, time, ...)`` inputs with ``Backend.scan``
(``lax.scan`` on JAX, a Python loop elsewhere). A cell is any object with a ``state_size`` (an int,
or a list of ints, one per state; nested lists for ``StackedRNNCells``) and a
``call(inputs, states[, training]) -> (output, new_states)``; a list of cells is stacked. The cells'
weights are in Keras's layout (``kernel``, ``recurrent_kernel``, ``bias``; LSTM gates i, f, c, o; GRU
gates z, r, h, ``reset_after``) and their step is the step of ``SimpleRNN``, ``LSTM`` and ``GRU``.

Masking, dropout and ``go_backwards`` follow ``unikeras.layers.recurrent``: a masked timestep keeps
the states and repeats the previous output (or zeros with ``zero_output_for_mask``); the dropout masks
of a cell are drawn once per call of the RNN and used at every timestep.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from unikeras import activations, constraints, initializers, random, regularizers
from unikeras.layers import serialization
from unikeras.layers.layer import Layer
from unikeras.layers.recurrent import _rate, _UnitForgetBias
from unikeras.ops.dispatch import active
from unikeras.variables import Variable

__all__: list[str] = ["RNN", "SimpleRNNCell", "GRUCell", "LSTMCell", "StackedRNNCells"]


# ---------------------------------------------------------------------- helpers
def _flatten(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


def _pack(structure: Any, flat: list) -> Any:
    """``flat`` (leaves in order) in the nesting of ``structure``."""
    leaves = iter(flat)

    def build(node: Any) -> Any:
        if isinstance(node, (list, tuple)):
            return [build(child) for child in node]
        return next(leaves)

    return build(structure)


def _batch_zeros(ref: Any, tail: tuple[int, ...]) -> Any:
    """Zeros of shape ``(batch, *tail)`` in ``ref``'s dtype, ``batch`` being ``ref``'s (maybe dynamic) first axis."""
    b = active()
    shape = b.shape(ref)
    dtype = b.dtype_name(ref)
    if shape[0] is not None:
        return b.zeros((shape[0], *tail), dtype)
    size = math.prod(s for s in shape[1:])
    column = b.split(b.reshape(b.zeros_like(ref), (-1, size)), [1], axis=1)[0]  # (batch, 1)
    column = b.reshape(column, (-1,) + (1,) * len(tail))
    return b.add(column, b.zeros((1, *tail), dtype))


def _as_tensor(x: Any, dtype: str) -> Any:
    b = active()
    x = x.value if isinstance(x, Variable) else x
    return x if b.is_tensor(x) else b.convert_to_tensor(np.asarray(x, dtype=dtype), dtype)


def _serialize_cell(cell: Any) -> dict:
    """A cell's ``{"module", "class_name", "config"}``, with its registered name when it has one."""
    from unikeras.saving.object_registration import get_registered_name, is_registered

    spec = serialization.serialize(cell)
    if is_registered(type(cell)):
        spec["registered_name"] = get_registered_name(type(cell))
    return spec


def _cell_output_size(cell: Any) -> Any:
    size = getattr(cell, "output_size", None)
    if size is None:
        size = cell.state_size
        while isinstance(size, (list, tuple)):
            size = size[0]
    return size


def _call_cell(cell: Any, inputs: Any, states: Any, training: bool | None) -> tuple[Any, Any]:
    """``cell.call`` on one timestep (the training flag passed where ``call`` takes it)."""
    if isinstance(cell, Layer):
        if cell._call_has_training:
            return cell.call(inputs, states, training=training)
        return cell.call(inputs, states)
    return cell.call(inputs, states)


def _check_cell(owner: str, cell: Any, what: str = "`cell`") -> None:
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{owner}: {what} must have a `call(inputs, states)` method, received {cell!r}.")
    if getattr(cell, "state_size", None) is None:
        raise ValueError(
            f"{owner}: {what} must have a `state_size` attribute (an int or a list of ints, one per state), "
            f"received {cell!r}."
        )


# ---------------------------------------------------------------------- cells
class _DropoutCell(Layer):
    """What the built-in cells share: argument checks, the weights, the cached dropout masks."""

    _gates = 1

    def __init__(
        self,
        units: int,
        *,
        activation: Any,
        use_bias: bool,
        kernel_initializer: Any,
        recurrent_initializer: Any,
        bias_initializer: Any,
        kernel_regularizer: Any,
        recurrent_regularizer: Any,
        bias_regularizer: Any,
        kernel_constraint: Any,
        recurrent_constraint: Any,
        bias_constraint: Any,
        dropout: float,
        recurrent_dropout: float,
        seed: int | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 2
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `units` must be a positive int, received {units!r}."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(self, "dropout", dropout)
        self.recurrent_dropout = _rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        if 0.0 < self.dropout < 1.0 or 0.0 < self.recurrent_dropout < 1.0:
            self.seed_generator = random.SeedGenerator(seed)
        self._dropout_masks: list | None = None
        self._recurrent_dropout_masks: list | None = None

    # ------------------------------------------------------------------ weights
    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected step inputs of shape (batch, features) with known "
                f"features, received shape {tuple(input_shape)}."
            )
        width = self._gates * self.units
        self.kernel = self.add_weight(
            (input_shape[-1], width),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            (self.units, width),
            self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                self._bias_shape(),
                self._bias_initializer(),
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._expected_axes = {-1: input_shape[-1]}

    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    # ------------------------------------------------------------------ dropout
    def _dropout_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The shapes (without batch) of the step input and of the state the masks multiply."""
        return (self.kernel.shape[0],), (self.units,)

    def _new_masks(self, like: Any, rate: float) -> list:
        """Scaled keep-masks shaped like ``like``: one, or one per gate with recurrent dropout (Keras's
        ``implementation=1``)."""
        ones = active().ones_like(like)
        return [random.dropout(ones, rate, seed=self.seed_generator) for _ in range(self._mask_count())]

    def _mask_count(self) -> int:
        return self._gates if self.recurrent_dropout > 0.0 else 1

    def _prepare_dropout(self, ref: Any, training: bool | None) -> None:
        """Draw this call's masks (batch from ``ref``) so every timestep uses the same ones."""
        input_shape, state_shape = self._dropout_shapes()
        if training and 0.0 < self.dropout < 1.0:
            self._dropout_masks = self._new_masks(_batch_zeros(ref, input_shape), self.dropout)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            self._recurrent_dropout_masks = self._new_masks(_batch_zeros(ref, state_shape), self.recurrent_dropout)

    def _reset_dropout(self) -> None:
        self._dropout_masks = None
        self._recurrent_dropout_masks = None

    def _input_masks(self, inputs: Any, training: bool | None) -> list | None:
        if not training or not 0.0 < self.dropout < 1.0:
            return None
        return self._dropout_masks if self._dropout_masks is not None else self._new_masks(inputs, self.dropout)

    def _state_masks(self, h: Any, training: bool | None) -> list | None:
        if not training or not 0.0 < self.recurrent_dropout < 1.0:
            return None
        if self._recurrent_dropout_masks is not None:
            return self._recurrent_dropout_masks
        return self._new_masks(h, self.recurrent_dropout)

    @staticmethod
    def _masked_matmul(x: Any, kernel: Any, masks: list | None) -> Any:
        """``x @ kernel``, ``x`` dropped by one mask per block of ``kernel``'s columns when given."""
        b = active()
        if masks is None:
            return b.matmul(x, kernel)
        if len(masks) == 1:
            return b.matmul(b.multiply(x, masks[0]), kernel)
        blocks = b.split(kernel, len(masks), axis=1)
        return b.concatenate([b.matmul(b.multiply(x, m), k) for m, k in zip(masks, blocks)], axis=-1)

    def _states_in(self, states: Any) -> list:
        b = active()
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        dtype = self.compute_dtype
        return [s if b.is_tensor(s) else _as_tensor(s, dtype) for s in states]

    # ------------------------------------------------------------------ states and config
    def get_initial_state(self, batch_size: int | None = None) -> list:
        """Zero states ``(batch_size, size)``, one per entry of ``state_size``."""
        b = active()
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [b.zeros((batch_size, size), self.compute_dtype) for size in sizes]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


_CELL_ARGS_DOC = """
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties added to ``losses``.
        kernel_constraint, recurrent_constraint, bias_constraint: projections applied after each
            optimizer update.
        dropout: fraction of the inputs dropped in training.
        recurrent_dropout: fraction of the recurrent state dropped in training.
        seed: optional int seed of the dropout masks.
"""


class SimpleRNNCell(_DropoutCell):
    """The step of ``SimpleRNN``: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Args:
        units: positive int, size of the output and state.
        activation: name or callable (``"tanh"``).
        use_bias: whether the cell has a bias; the initializers, regularizers and constraints of
            ``kernel``, ``recurrent_kernel`` and ``bias``, ``dropout``, ``recurrent_dropout`` and ``seed``
            are those of ``SimpleRNN``.

    Call arguments: ``inputs`` ``(batch, features)``; ``states``: ``[h]`` (or ``h``); ``training``.
    Returns ``(h, [h])`` (``(h, h)`` when ``states`` is a tensor).
    """

    _gates = 1

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.state_size = units
        self.output_size = units

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, Any]:
        b = active()
        listed = isinstance(states, (list, tuple))
        (h_prev,) = self._states_in(states)[:1]
        h = self._masked_matmul(inputs, self.kernel.value, self._input_masks(inputs, training))
        if self.bias is not None:
            h = b.add(h, self.bias.value)
        recurrent = self._masked_matmul(h_prev, self.recurrent_kernel.value, self._state_masks(h_prev, training))
        h = self.activation(b.add(h, recurrent))
        return h, ([h] if listed else h)


class LSTMCell(_DropoutCell):
    """The step of ``LSTM`` (gate blocks i, f, c, o in the kernels and the bias).

    Args:
        units: positive int, size of the output and of each state.
        activation: activation of the candidate and of the output (``"tanh"``).
        recurrent_activation: activation of the gates (``"sigmoid"``).
        unit_forget_bias: initialize the forget-gate bias to ones.
        use_bias: whether the cell has a bias; the initializers, regularizers and constraints of
            ``kernel``, ``recurrent_kernel`` and ``bias``, ``dropout``, ``recurrent_dropout`` and ``seed``
            are those of ``LSTM``.

    Call arguments: ``inputs`` ``(batch, features)``; ``states``: ``[h, c]``; ``training``.
    Returns ``(h, [h, c])``.
    """

    _gates = 4

    def __init__(
        self,
        units: int,
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
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)  # Keras's mathematically equivalent kernel split; one path here
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]
        self.output_size = units

    def _bias_initializer(self) -> Any:
        return _UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias else self.bias_initializer

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list]:
        b = active()
        h_prev, c_prev = self._states_in(states)[:2]
        z = self._masked_matmul(inputs, self.kernel.value, self._input_masks(inputs, training))
        if self.bias is not None:
            z = b.add(z, self.bias.value)
        recurrent = self._masked_matmul(h_prev, self.recurrent_kernel.value, self._state_masks(h_prev, training))
        z_i, z_f, z_c, z_o = b.split(b.add(z, recurrent), 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = b.add(b.multiply(f, c_prev), b.multiply(i, self.activation(z_c)))
        o = self.recurrent_activation(z_o)
        h = b.multiply(o, self.activation(c))
        return h, [h, c]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


class GRUCell(_DropoutCell):
    """The step of ``GRU`` (gate blocks z, r, h). With ``reset_after=True`` (the default) the reset gate
    multiplies the recurrent projection and the bias is ``(2, 3 * units)``: input bias, recurrent bias.

    Args:
        units: positive int, size of the output and state.
        activation: activation of the candidate (``"tanh"``).
        recurrent_activation: activation of the gates (``"sigmoid"``).
        reset_after: apply the reset gate after (``True``) or before the recurrent matmul.
        use_bias: whether the cell has a bias; the initializers, regularizers and constraints of
            ``kernel``, ``recurrent_kernel`` and ``bias``, ``dropout``, ``recurrent_dropout`` and ``seed``
            are those of ``GRU``.

    Call arguments: ``inputs`` ``(batch, features)``; ``states``: ``[h]`` (or ``h``); ``training``.
    Returns ``(h, [h])`` (``(h, h)`` when ``states`` is a tensor).
    """

    _gates = 3

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = units
        self.output_size = units

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, Any]:
        b = active()
        listed = isinstance(states, (list, tuple))
        (h_prev,) = self._states_in(states)[:1]
        units = self.units
        input_bias = recurrent_bias = None
        if self.bias is not None:
            if self.reset_after:
                input_bias, recurrent_bias = (b.reshape(v, (3 * units,)) for v in b.split(self.bias.value, 2, axis=0))
            else:
                input_bias = self.bias.value
        x = self._masked_matmul(inputs, self.kernel.value, self._input_masks(inputs, training))
        if input_bias is not None:
            x = b.add(x, input_bias)
        x_z, x_r, x_h = b.split(x, 3, axis=-1)
        masks = self._state_masks(h_prev, training)
        kernel = self.recurrent_kernel.value
        if self.reset_after:
            inner = self._masked_matmul(h_prev, kernel, masks)
            if recurrent_bias is not None:
                inner = b.add(inner, recurrent_bias)
            rec_z, rec_r, rec_h = b.split(inner, 3, axis=-1)
            z = self.recurrent_activation(b.add(x_z, rec_z))
            r = self.recurrent_activation(b.add(x_r, rec_r))
            candidate = self.activation(b.add(x_h, b.multiply(r, rec_h)))
        else:
            kernel_zr, kernel_h = b.split(kernel, [2 * units], axis=1)
            zr_masks = None if masks is None else masks[:2]
            rec_z, rec_r = b.split(self._masked_matmul(h_prev, kernel_zr, zr_masks), 2, axis=-1)
            z = self.recurrent_activation(b.add(x_z, rec_z))
            r = self.recurrent_activation(b.add(x_r, rec_r))
            h_for_candidate = h_prev if masks is None else b.multiply(h_prev, masks[-1])
            candidate = self.activation(b.add(x_h, b.matmul(b.multiply(r, h_for_candidate), kernel_h)))
        # z * h_prev + (1 - z) * candidate
        h = b.add(candidate, b.multiply(z, b.subtract(h_prev, candidate)))
        return h, ([h] if listed else h)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }


class StackedRNNCells(Layer):
    """Runs several cells as one: each timestep, the first cell's output is the second cell's input, and
    so on; the states are the cells' states in order (``state_size`` a list of the cells' ``state_size``).

    Args:
        cells: list of cells (objects with ``state_size`` and ``call(inputs, states)``).
    """

    def __init__(self, cells: list, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells '{self.name}': `cells` must be a non-empty list, received {cells!r}.")
        for cell in cells:
            _check_cell(f"StackedRNNCells '{self.name}'", cell, "every cell")
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> Any:
        return _cell_output_size(self.cells[-1])

    def build(self, input_shape: tuple) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer):
                cell._maybe_build(shape)
            shape = (shape[0], _cell_output_size(cell))

    def get_initial_state(self, batch_size: int | None = None) -> list:
        """Each cell's initial states (its ``get_initial_state`` or zeros)."""
        b = active()
        states = []
        for cell in self.cells:
            if hasattr(cell, "get_initial_state"):
                states.append(cell.get_initial_state(batch_size=batch_size))
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
                states.append([b.zeros((batch_size, size), self.compute_dtype) for size in sizes])
        return states

    def call(self, inputs: Any, states: Any, training: bool | None = None) -> tuple[Any, list]:
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            listed = isinstance(cell_states, (list, tuple))
            inputs, out = _call_cell(cell, inputs, list(cell_states) if listed else [cell_states], training)
            out = list(out) if isinstance(out, (list, tuple)) else [out]
            new_states.append(out[0] if len(out) == 1 and not listed else out)
        return inputs, new_states

    def get_config(self) -> dict:
        return {**super().get_config(), "cells": [_serialize_cell(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> StackedRNNCells:
        config = dict(config)
        config.pop("build_input_shape", None)
        cells = [serialization.deserialize(spec, custom_objects) for spec in config.pop("cells")]
        return cls(cells, **config)


def _prepare_dropout(cell: Any, ref: Any, training: bool | None) -> None:
    if isinstance(cell, StackedRNNCells):
        for inner in cell.cells:
            _prepare_dropout(inner, ref, training)
    elif hasattr(cell, "_prepare_dropout"):
        cell._prepare_dropout(ref, training)


def _reset_dropout(cell: Any) -> None:
    if isinstance(cell, StackedRNNCells):
        for inner in cell.cells:
            _reset_dropout(inner)
    elif hasattr(cell, "_reset_dropout"):
        cell._reset_dropout()


# ---------------------------------------------------------------------- the layer
class RNN(Layer):
    """Loops a cell over the time axis of ``(batch, time, ...)`` inputs.

    Args:
        cell: an RNN cell (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``, or any layer or object with a
            ``state_size`` and ``call(inputs, states[, training]) -> (output, new_states)``), or a list
            of cells (run as ``StackedRNNCells``).
        return_sequences: return the whole output sequence instead of the last output.
        return_state: also return the final states (a flat list, after the output).
        go_backwards: process the sequence backwards (sequences come out in processing order).
        stateful: only ``False`` is supported.
        unroll: accepted for Keras compatibility (the backend's ``scan`` decides).
        zero_output_for_mask: zeros at masked timesteps instead of the previous output.

    Call arguments: ``inputs`` ``(batch, time, ...)``; ``initial_state``: the states (a list, flat or
    nested as ``state_size``); ``mask``: ``(batch, time)`` booleans, ``False`` at timesteps to skip;
    ``training``.
    """

    supports_masking = True

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._expected_min_ndim = 3
        cell = self._make_cell(cell)
        _check_cell(f"{type(self).__name__} '{self.name}'", cell)
        if not isinstance(cell.state_size, (int, list, tuple)):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the cell's `state_size` must be an int or a list of ints, "
                f"received {cell.state_size!r}."
            )
        if stateful:
            raise ValueError(f"{type(self).__name__} '{self.name}': `stateful=True` is not supported.")
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = False
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask

    def _make_cell(self, cell: Any) -> Any:
        return StackedRNNCells(list(cell)) if isinstance(cell, (list, tuple)) else cell

    # ------------------------------------------------------------------ states
    @property
    def state_size(self) -> list:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def _num_states(self) -> int:
        return len(_flatten(self.state_size))

    def _state_tails(self) -> list[tuple[int, ...]]:
        """The shape (without batch) of every state, flat."""
        tails = getattr(self.cell, "_state_tails", None)
        if tails is not None:
            return tails()
        return [(size,) for size in _flatten(self.state_size)]

    def _output_tail(self) -> tuple[int, ...]:
        return (_cell_output_size(self.cell),)

    # ------------------------------------------------------------------ building and calling
    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected an input of rank >= 3 (batch, time, ...), "
                f"received shape {tuple(input_shape)}."
            )
        if isinstance(self.cell, Layer):
            self.cell._maybe_build((input_shape[0], *input_shape[2:]))
        self._expected_axes = {axis: size for axis, size in enumerate(input_shape) if axis > 1 and size is not None}

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None, training: bool | None = None) -> Any:
        b = active()
        name = f"{type(self).__name__} '{self.name}'"
        shape = b.shape(inputs)
        timesteps = shape[1]
        if timesteps is None:
            raise ValueError(f"{name}: the time axis must have a static length.")
        first = b.squeeze(b.split(inputs, [1], axis=1)[0], axis=1)  # (batch, ...): the batch size, maybe dynamic
        states = self._initial_states(initial_state, first)
        keep = self._step_mask(mask, timesteps)
        structure = self.state_size
        cell = self.cell
        sequences = self.return_sequences
        zero_output = self.zero_output_for_mask

        def run_cell(x_t: Any, flat: list) -> tuple[Any, list]:
            output, new_states = _call_cell(cell, x_t, _pack(structure, flat), training)
            new_flat = _flatten(new_states)
            if len(new_flat) != len(flat):
                raise ValueError(
                    f"{name}: the cell returned {len(new_flat)} state tensor(s), its `state_size` declares {len(flat)}."
                )
            return output, new_flat

        _prepare_dropout(cell, first, training)
        try:
            if keep is None:

                def step(carry: list, x: list) -> tuple[list, list]:
                    output, new_flat = run_cell(x[0], carry[1:])
                    return [output, *new_flat], [output] if sequences else []

                xs = [inputs]
            else:

                def step(carry: list, x: list) -> tuple[list, list]:
                    previous, old = carry[0], carry[1:]
                    new_output, new_flat = run_cell(x[0], old)
                    fallback = b.zeros_like(new_output) if zero_output else previous
                    output = b.where(_expand(x[1], new_output), new_output, fallback)
                    new_flat = [b.where(_expand(x[1], n), n, o) for n, o in zip(new_flat, old)]
                    return [output, *new_flat], [output] if sequences else []

                xs = [inputs, keep]
            init = [_batch_zeros(first, self._output_tail()), *states]
            carry, ys = b.scan(step, init, xs, axis=1, reverse=self.go_backwards)
        finally:
            _reset_dropout(cell)
        output, states = carry[0], carry[1:]
        if sequences:
            # scan keeps each step's output at its input position; go_backwards returns processing order
            output = b.flip(ys[0], axis=1) if self.go_backwards else ys[0]
        return [output, *states] if self.return_state else output

    def _initial_states(self, initial_state: Any, first: Any) -> list:
        b = active()
        if initial_state is None:
            get_initial_state = getattr(self.cell, "get_initial_state", None)
            batch = b.shape(first)[0]
            if get_initial_state is not None and not isinstance(self.cell, (_DropoutCell, StackedRNNCells)):
                if batch is not None and not hasattr(self.cell, "_state_tails"):
                    return [_as_tensor(s, b.dtype_name(first)) for s in _flatten(get_initial_state(batch_size=batch))]
            return [_batch_zeros(first, tail) for tail in self._state_tails()]
        flat = _flatten(initial_state)
        if len(flat) != self._num_states:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected {self._num_states} initial state tensor(s) "
                f"(state_size {self.cell.state_size}), received {len(flat)}."
            )
        return [_as_tensor(s, self.compute_dtype) for s in flat]

    def _step_mask(self, mask: Any, timesteps: int) -> Any:
        """The ``(batch, time)`` mask as booleans (or ``None``)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if mask is None:
            return None
        b = active()
        if not b.is_tensor(mask):
            mask = b.convert_to_tensor(np.asarray(mask))
        shape = b.shape(mask)
        if len(shape) != 2 or (shape[1] is not None and shape[1] != timesteps):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `mask` must have shape (batch, {timesteps}), "
                f"received shape {tuple(shape)}."
            )
        return mask if b.dtype_name(mask) == "bool" else b.cast(mask, "bool")

    # ------------------------------------------------------------------ masks, shapes and config
    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask for ``return_sequences`` outputs, else ``None``; ``None`` for the states."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self._num_states
        return output_mask

    def compute_output_shape(self, input_shape: tuple) -> Any:
        batch, time = input_shape[0], input_shape[1]
        tail = self._output_tail()
        output = (batch, time, *tail) if self.return_sequences else (batch, *tail)
        if self.return_state:
            return [output] + [(batch, *state) for state in self._state_tails()]
        return output

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": _serialize_cell(self.cell),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> RNN:
        config = dict(config)
        config.pop("build_input_shape", None)
        cell = serialization.deserialize(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def _expand(keep: Any, like: Any) -> Any:
    """A ``(batch,)`` boolean step mask with trailing unit axes to broadcast against ``like``."""
    b = active()
    rank = len(b.shape(like))
    return b.reshape(keep, (-1,) + (1,) * (rank - 1)) if rank > 1 else keep
