"""Recurrent layers: SimpleRNN, LSTM and GRU with Keras's arguments and weight layout.

In the plain case (standard activations, no mask, no dropout in training; GRU with
``reset_after=True``) the layer asks the backend for a fused kernel (``Backend.rnn``: PyTorch's
and MXNet's own LSTM/GRU/RNN kernels, as Keras uses cuDNN), weights staying in Keras's layout.
Otherwise, or where the backend has none, the recurrence is written with contract ops and looped by
``Backend.scan`` over the (static) timesteps (``lax.scan`` on JAX, a Python loop elsewhere, which a
traced graph unrolls); the input projection of every timestep is computed once, in one matmul.

Masking (a ``(batch, time)`` boolean ``mask``, from ``Embedding(mask_zero=True)``, ``Masking`` or
passed explicitly) follows Keras: at a masked timestep the states keep their previous values and
the output repeats the previous output (zeros before the first unmasked step), or is zero with
``zero_output_for_mask=True``. It is written with ``where``, so there is no data-dependent control flow.

Dropout follows Keras too: one mask per call for the inputs and one for the recurrent state, the same
at every timestep; with ``recurrent_dropout`` the LSTM and GRU draw one mask per gate (Keras's
``implementation=1``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras import activations, constraints, initializers, random, regularizers
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active
from unikeras.variables import Variable


class _UnitForgetBias(initializers.Initializer):
    """LSTM bias: ``bias_initializer`` for the i, c, o gates and ones for the forget gate."""

    def __init__(self, base: Any, units: int) -> None:
        self.base = base
        self.units = units

    def __call__(self, shape: tuple[int, ...], dtype: str | None = None) -> np.ndarray:
        u = self.units
        parts = [self.base((u,), dtype), np.ones((u,), dtype=dtype or "float32"), self.base((2 * u,), dtype)]
        return np.concatenate([np.asarray(p) for p in parts]).astype(dtype or "float32")


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x


def _rate(layer: Layer, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': `{name}` must be a float in [0, 1], received {value!r}."
        )
    return float(value)


class _RNN(Layer):
    """Shared machinery: argument checks, weights, dropout, the masked time loop, output and states.

    Subclasses set ``_gates`` (blocks of ``units`` in the kernel), ``_num_states`` and implement
    ``_step(x_t, states, params) -> (output, new_states)`` where ``x_t`` is the input projection of
    one timestep (input bias already added); ``params["recurrent_masks"]`` holds the recurrent
    dropout masks (``None`` outside training).
    """

    _lists_activity_regularizer = True

    _gates = 1
    _num_states = 1

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
        return_sequences: bool,
        return_state: bool,
        go_backwards: bool,
        stateful: bool,
        unroll: bool,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 3
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `units` must be a positive int, received {units!r}."
            )
        if stateful:
            raise ValueError(f"{type(self).__name__} '{self.name}': `stateful=True` is not supported.")
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
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = False
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask

    # ------------------------------------------------------------------ weights
    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected input of rank 3 (batch, time, features), "
                f"received shape {tuple(input_shape)}."
            )
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the last input axis must be known, received {input_shape}."
            )
        width = self._gates * self.units
        self.kernel = self.add_weight(
            (input_dim, width),
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
        self.bias = (
            self.add_weight(
                self._bias_shape(),
                self._bias_initializer(),
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )
        self._expected_axes = {-1: input_dim}

    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    def _input_bias(self) -> Any:
        """The bias added to the input projection (``None`` without bias)."""
        return None if self.bias is None else self.bias.value

    def _params(self) -> dict:
        """Tensors the step needs, read once per call."""
        return {"recurrent_kernel": self.recurrent_kernel.value}

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        raise NotImplementedError

    # ------------------------------------------------------------------ dropout
    def _dropout_masks(self, like: Any, rate: float, training: bool | None) -> list | None:
        """Scaled keep-masks shaped like ``like`` (one, or one per gate with recurrent dropout, as
        Keras's ``implementation=1``), or ``None`` outside training or for a rate of 0 or 1."""
        if not training or not 0.0 < rate < 1.0:
            return None
        count = self._gates if self.recurrent_dropout > 0.0 else 1
        ones = active().ones_like(like)
        return [random.dropout(ones, rate, seed=self.seed_generator) for _ in range(count)]

    def _project(self, inputs: Any, input_masks: Any) -> Any:
        """``inputs @ kernel + input bias`` for every timestep, each gate's block on its dropped inputs."""
        b = active()
        kernel = self.kernel.value
        if input_masks is None:
            projected = b.matmul(inputs, kernel)
        elif len(input_masks) == 1:
            projected = b.matmul(b.multiply(inputs, b.expand_dims(input_masks[0], 1)), kernel)
        else:
            blocks = b.split(kernel, len(input_masks), axis=1)
            projected = b.concatenate(
                [b.matmul(b.multiply(inputs, b.expand_dims(m, 1)), k) for m, k in zip(input_masks, blocks)],
                axis=-1,
            )
        input_bias = self._input_bias()
        return projected if input_bias is None else b.add(projected, input_bias)

    @staticmethod
    def _recurrent_matmul(h: Any, kernel: Any, masks: Any) -> Any:
        """``h @ kernel``, with ``h`` dropped by one mask per block of ``kernel``'s columns when given."""
        b = active()
        if masks is None:
            return b.matmul(h, kernel)
        if len(masks) == 1:
            return b.matmul(b.multiply(h, masks[0]), kernel)
        blocks = b.split(kernel, len(masks), axis=1)
        return b.concatenate([b.matmul(b.multiply(h, m), k) for m, k in zip(masks, blocks)], axis=-1)

    # ------------------------------------------------------------------ call
    def _fused_args(self) -> tuple[str, Any, Any] | None:
        """``(cell, input bias, recurrent bias)`` for ``Backend.rnn`` when this configuration is the
        one a fused kernel computes (standard activations), else ``None``."""
        return None

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None, training: bool | None = None) -> Any:
        b = active()
        timesteps = b.shape(inputs)[1]
        if timesteps is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the time axis must have a static length.")
        keep = self._step_masks(mask, timesteps)
        states = self._initial_states(initial_state, inputs, b)
        input_masks = recurrent_masks = None
        if training and self.dropout > 0.0:
            first_input = b.squeeze(b.split(inputs, [1], axis=1)[0], axis=1)
            input_masks = self._dropout_masks(first_input, self.dropout, training)
        if training and self.recurrent_dropout > 0.0:
            recurrent_masks = self._dropout_masks(states[0], self.recurrent_dropout, training)
        fused = None
        if keep is None and input_masks is None and recurrent_masks is None:
            fused = self._fused_args()
        if fused is not None:
            cell, input_bias, recurrent_bias = fused
            kernels = (self.kernel.value, self.recurrent_kernel.value)
            result = b.rnn(
                cell,
                inputs,
                states,
                *kernels,
                input_bias,
                recurrent_bias,
                self.go_backwards,
                return_sequences=self.return_sequences,
            )
            if result is not None:
                sequence, states = result[0], list(result[1])
                return self._result(sequence if self.return_sequences else states[0], states)
        return self._generic_call(inputs, states, keep, input_masks, recurrent_masks)

    def _generic_call(self, inputs: Any, states: list, keep: Any, input_masks: Any, recurrent_masks: Any) -> Any:
        """The recurrence written with contract ops, looped by ``Backend.scan`` over the time axis."""
        b = active()
        projected = self._project(inputs, input_masks)  # (batch, time, gates * units)
        xs = [projected] if keep is None else [projected, keep]
        params = self._params()
        params["recurrent_masks"] = recurrent_masks
        sequences = self.return_sequences
        zero_output = self.zero_output_for_mask

        if keep is None:

            def step(carry: list, x: list) -> tuple[list, list]:
                output, new_states = self._step(x[0], carry, params)
                return new_states, [output] if sequences else []

            states, ys = b.scan(step, states, xs, axis=1, reverse=self.go_backwards)
            output = states[0]  # every cell's output is its first state
        else:

            def step(carry: list, x: list) -> tuple[list, list]:
                previous, old_states = carry[0], carry[1:]
                new_output, new_states = self._step(x[0], old_states, params)
                fallback = b.zeros_like(new_output) if zero_output else previous
                output = b.where(x[1], new_output, fallback)
                new_states = [b.where(x[1], new, old) for new, old in zip(new_states, old_states)]
                return [output, *new_states], [output] if sequences else []

            init = [b.zeros_like(states[0]), *states]
            carry, ys = b.scan(step, init, xs, axis=1, reverse=self.go_backwards)
            output, states = carry[0], carry[1:]
        if not sequences:
            return self._result(output, states)
        # scan keeps each step's output at its input position; go_backwards returns processing order
        return self._result(b.flip(ys[0], axis=1) if self.go_backwards else ys[0], states)

    def _result(self, output: Any, states: list) -> Any:
        return [output, *states] if self.return_state else output

    def _step_masks(self, mask: Any, timesteps: int) -> Any:
        """The ``(batch, time)`` mask as a boolean ``(batch, time, 1)`` tensor (or ``None``)."""
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
        if b.dtype_name(mask) != "bool":
            mask = b.cast(mask, "bool")
        return b.expand_dims(mask, -1)

    def _initial_states(self, initial_state: Any, inputs: Any, b: Any) -> list:
        if initial_state is None:
            batch = b.shape(inputs)[0]
            if batch is not None:
                return [b.zeros((batch, self.units), b.dtype_name(inputs))] * self._num_states
            # zeros of shape (batch, units) from a (maybe dynamic) batch size: one (batch, units) product
            first = b.squeeze(b.split(inputs, [1], axis=1)[0], axis=1)
            block = b.split(self.kernel.value, [self.units], axis=1)[0]
            return [b.zeros_like(b.matmul(first, block))] * self._num_states
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if len(initial_state) != self._num_states:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected {self._num_states} initial state tensor(s), "
                f"received {len(initial_state)}."
            )
        out = []
        for s in initial_state:
            s = _value(s)
            if not b.is_tensor(s):
                s = b.convert_to_tensor(np.asarray(s, dtype=self.compute_dtype), self.compute_dtype)
            out.append(s)
        return out

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
        output = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [output] + [(batch, self.units)] * self._num_states
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


class SimpleRNN(_RNN):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Args:
        units: positive int, size of the output and state.
        activation: name or callable (``"tanh"``).
        return_state: also return the last state: ``[output, h]``.
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties added to ``losses``.
        kernel_constraint, recurrent_constraint, bias_constraint: projections applied after each
            optimizer update.
        dropout: fraction of the inputs dropped in training (one mask per call, for every timestep).
        recurrent_dropout: fraction of the recurrent state dropped in training (likewise).
        seed: optional int seed of the dropout masks.
        return_sequences: return the whole output sequence instead of the last output.
        go_backwards: process the sequence backwards (sequences come out in processing order).
        stateful: only ``False`` is supported.
        unroll: accepted for Keras compatibility (the backend's ``scan`` decides).
        zero_output_for_mask: zeros at masked timesteps instead of the previous output.

    Call arguments: ``inputs`` ``(batch, time, features)``; ``initial_state``: list of ``(batch, units)``
    tensors; ``mask``: ``(batch, time)`` booleans, ``False`` at timesteps to skip; ``training``.
    """

    _gates = 1
    _num_states = 1

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
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
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
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )

    def _fused_args(self) -> tuple[str, Any, Any] | None:
        if self.activation is not activations.tanh:
            return None
        return "simple_rnn", self._input_bias(), None

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        b = active()
        recurrent = self._recurrent_matmul(states[0], params["recurrent_kernel"], params["recurrent_masks"])
        h = self.activation(b.add(x_t, recurrent))
        return h, [h]


class LSTM(_RNN):
    """Long short-term memory (Hochreiter 1997); gate blocks in Keras's order i, f, c, o.

    Args:
        units: positive int, size of the output and states.
        activation: activation of the cell candidate and output (``"tanh"``).
        recurrent_activation: activation of the gates (``"sigmoid"``).
        unit_forget_bias: initialize the forget-gate bias to ones (Jozefowicz et al. 2015).
        return_state: also return the last states: ``[output, h, c]``.
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties added to ``losses``.
        kernel_constraint, recurrent_constraint, bias_constraint: projections applied after each
            optimizer update.
        dropout: fraction of the inputs dropped in training (one mask per call, for every timestep).
        recurrent_dropout: fraction of the recurrent state dropped in training (likewise).
        seed: optional int seed of the dropout masks.
        return_sequences: return the whole output sequence instead of the last output.
        go_backwards: process the sequence backwards (sequences come out in processing order).
        stateful: only ``False`` is supported.
        unroll: accepted for Keras compatibility (the backend's ``scan`` decides).
        zero_output_for_mask: zeros at masked timesteps instead of the previous output.

    Call arguments: ``inputs`` ``(batch, time, features)``; ``initial_state``: list of ``(batch, units)``
    tensors; ``mask``: ``(batch, time)`` booleans, ``False`` at timesteps to skip; ``training``.
    """

    _gates = 4
    _num_states = 2

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
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
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
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    def _bias_initializer(self) -> Any:
        return _UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias else self.bias_initializer

    def _fused_args(self) -> tuple[str, Any, Any] | None:
        if self.activation is not activations.tanh or self.recurrent_activation is not activations.sigmoid:
            return None
        return "lstm", self._input_bias(), None

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        b = active()
        h_prev, c_prev = states
        recurrent = self._recurrent_matmul(h_prev, params["recurrent_kernel"], params["recurrent_masks"])
        z_i, z_f, z_c, z_o = b.split(b.add(x_t, recurrent), 4, axis=-1)
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


class GRU(_RNN):
    """Gated recurrent unit (Cho et al. 2014); gate blocks in Keras's order z, r, h.

    With ``reset_after=True`` (Keras's and cuDNN's default) the reset gate is applied after the
    recurrent matmul and the bias has shape ``(2, 3 * units)``: input bias, then recurrent bias.

    Args:
        units: positive int, size of the output and state.
        activation: activation of the candidate (``"tanh"``).
        recurrent_activation: activation of the gates (``"sigmoid"``).
        return_state: also return the last state: ``[output, h]``.
        reset_after: apply the reset gate after (``True``) or before the recurrent matmul.
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties added to ``losses``.
        kernel_constraint, recurrent_constraint, bias_constraint: projections applied after each
            optimizer update.
        dropout: fraction of the inputs dropped in training (one mask per call, for every timestep).
        recurrent_dropout: fraction of the recurrent state dropped in training (likewise).
        seed: optional int seed of the dropout masks.
        return_sequences: return the whole output sequence instead of the last output.
        go_backwards: process the sequence backwards (sequences come out in processing order).
        stateful: only ``False`` is supported.
        unroll: accepted for Keras compatibility (the backend's ``scan`` decides).
        zero_output_for_mask: zeros at masked timesteps instead of the previous output.

    Call arguments: ``inputs`` ``(batch, time, features)``; ``initial_state``: list of ``(batch, units)``
    tensors; ``mask``: ``(batch, time)`` booleans, ``False`` at timesteps to skip; ``training``.
    """

    _gates = 3
    _num_states = 1

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
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        reset_after: bool = True,
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
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _split_bias(self) -> tuple[Any, Any]:
        b = active()
        if self.bias is None:
            return None, None
        if not self.reset_after:
            return self.bias.value, None
        input_bias, recurrent_bias = b.split(self.bias.value, 2, axis=0)
        shape = (3 * self.units,)
        return b.reshape(input_bias, shape), b.reshape(recurrent_bias, shape)

    def _input_bias(self) -> Any:
        return self._split_bias()[0]

    def _params(self) -> dict:
        b = active()
        kernel = self.recurrent_kernel.value
        params = {"recurrent_kernel": kernel, "recurrent_bias": self._split_bias()[1]}
        if not self.reset_after:
            params["recurrent_zr"], params["recurrent_h"] = b.split(kernel, [2 * self.units], axis=1)
        return params

    def _fused_args(self) -> tuple[str, Any, Any] | None:
        standard = self.activation is activations.tanh and self.recurrent_activation is activations.sigmoid
        if not standard or not self.reset_after:
            return None
        return ("gru", *self._split_bias())

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        b = active()
        h_prev = states[0]
        masks = params["recurrent_masks"]
        x_z, x_r, x_h = b.split(x_t, 3, axis=-1)
        if self.reset_after:
            inner = self._recurrent_matmul(h_prev, params["recurrent_kernel"], masks)
            if params["recurrent_bias"] is not None:
                inner = b.add(inner, params["recurrent_bias"])
            rec_z, rec_r, rec_h = b.split(inner, 3, axis=-1)
            z = self.recurrent_activation(b.add(x_z, rec_z))
            r = self.recurrent_activation(b.add(x_r, rec_r))
            candidate = self.activation(b.add(x_h, b.multiply(r, rec_h)))
        else:
            zr_masks = None if masks is None else masks[:2]
            rec_z, rec_r = b.split(self._recurrent_matmul(h_prev, params["recurrent_zr"], zr_masks), 2, axis=-1)
            z = self.recurrent_activation(b.add(x_z, rec_z))
            r = self.recurrent_activation(b.add(x_r, rec_r))
            h_for_candidate = h_prev if masks is None else b.multiply(h_prev, masks[2])
            candidate = self.activation(b.add(x_h, b.matmul(b.multiply(r, h_for_candidate), params["recurrent_h"])))
        # z * h_prev + (1 - z) * candidate
        h = b.add(candidate, b.multiply(z, b.subtract(h_prev, candidate)))
        return h, [h]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
