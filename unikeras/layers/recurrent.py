"""Recurrent layers: SimpleRNN, LSTM and GRU with Keras's arguments and weight layout.

The time loop is a plain Python loop over the (static) timesteps written with contract ops,
so it runs eagerly and inside a compiled step (``jax.jit``, ``tf.function``) alike. The input
projection of every timestep is computed once, before the loop, in one matmul.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras import activations, initializers
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


class _RNN(Layer):
    """Shared machinery: argument checks, weights, the time loop, output and state plumbing.

    Subclasses set ``_gates`` (blocks of ``units`` in the kernel), ``_num_states`` and implement
    ``_build_bias`` and ``_step(x_t, states, params) -> (output, new_states)`` where ``x_t`` is the
    input projection of one timestep (input bias already added).
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
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
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
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards

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
        self.kernel = self.add_weight((input_dim, width), self.kernel_initializer, name="kernel")
        self.recurrent_kernel = self.add_weight(
            (self.units, width), self.recurrent_initializer, name="recurrent_kernel"
        )
        self.bias = self._build_bias() if self.use_bias else None
        self._expected_axes = {-1: input_dim}

    def _build_bias(self) -> Variable:
        return self.add_weight((self._gates * self.units,), self.bias_initializer, name="bias")

    def _input_bias(self) -> Any:
        """The bias added to the input projection (``None`` without bias)."""
        return None if self.bias is None else self.bias.value

    def _params(self) -> dict:
        """Tensors the step needs, read once per call."""
        return {"recurrent_kernel": self.recurrent_kernel.value}

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        raise NotImplementedError

    # ------------------------------------------------------------------ call
    def call(self, inputs: Any, initial_state: Any = None, training: bool | None = None) -> Any:
        b = active()
        projected = b.matmul(inputs, self.kernel.value)
        input_bias = self._input_bias()
        if input_bias is not None:
            projected = b.add(projected, input_bias)
        timesteps = b.shape(inputs)[1]
        if timesteps is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the time axis must have a static length.")
        steps = [b.squeeze(x, axis=1) for x in b.split(projected, timesteps, axis=1)]
        if self.go_backwards:
            steps = steps[::-1]
        states = self._initial_states(initial_state, steps[0], b)
        params = self._params()
        outputs = []
        output = None
        for x_t in steps:
            output, states = self._step(x_t, states, params)
            if self.return_sequences:
                outputs.append(output)
        result = b.stack(outputs, axis=1) if self.return_sequences else output
        if self.return_state:
            return [result, *states]
        return result

    def _initial_states(self, initial_state: Any, first_step: Any, b: Any) -> list:
        if initial_state is None:
            # zeros of shape (batch, units) without reading the (maybe dynamic) batch size
            block = b.split(first_step, self._gates, axis=-1)[0] if self._gates > 1 else first_step
            return [b.zeros_like(block)] * self._num_states
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
                s = b.convert_to_tensor(np.asarray(s, dtype=self.dtype), self.dtype)
            out.append(s)
        return out

    # ------------------------------------------------------------------ shapes and config
    def compute_output_shape(self, input_shape: tuple) -> Any:
        batch, time = input_shape[0], input_shape[1]
        output = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [output] + [(batch, self.units)] * self._num_states
        return output

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
        }


class SimpleRNN(_RNN):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Args:
        units: positive int, size of the output and state.
        activation: name or callable (``"tanh"``).
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        return_sequences: return the whole output sequence instead of the last output.
        return_state: also return the last state: ``[output, h]``.
        go_backwards: process the sequence backwards (sequences come out in processing order).
    """

    _gates = 1
    _num_states = 1

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        b = active()
        h = self.activation(b.add(x_t, b.matmul(states[0], params["recurrent_kernel"])))
        return h, [h]


class LSTM(_RNN):
    """Long short-term memory (Hochreiter 1997); gate blocks in Keras's order i, f, c, o.

    Args:
        units: positive int, size of the output and states.
        activation: activation of the cell candidate and output (``"tanh"``).
        recurrent_activation: activation of the gates (``"sigmoid"``).
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        unit_forget_bias: initialize the forget-gate bias to ones (Jozefowicz et al. 2015).
        return_sequences: return the whole output sequence instead of the last output.
        return_state: also return the last states: ``[output, h, c]``.
        go_backwards: process the sequence backwards (sequences come out in processing order).
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
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    def _build_bias(self) -> Variable:
        init = _UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias else self.bias_initializer
        return self.add_weight((4 * self.units,), init, name="bias")

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        b = active()
        h_prev, c_prev = states
        z = b.add(x_t, b.matmul(h_prev, params["recurrent_kernel"]))
        z_i, z_f, z_c, z_o = b.split(z, 4, axis=-1)
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
        use_bias: whether to add bias vectors.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        return_sequences: return the whole output sequence instead of the last output.
        return_state: also return the last state: ``[output, h]``.
        go_backwards: process the sequence backwards (sequences come out in processing order).
        reset_after: apply the reset gate after (``True``) or before the recurrent matmul.
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
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
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
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def _build_bias(self) -> Variable:
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        return self.add_weight(shape, self.bias_initializer, name="bias")

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

    def _step(self, x_t: Any, states: list, params: dict) -> tuple[Any, list]:
        b = active()
        h_prev = states[0]
        x_z, x_r, x_h = b.split(x_t, 3, axis=-1)
        if self.reset_after:
            inner = b.matmul(h_prev, params["recurrent_kernel"])
            if params["recurrent_bias"] is not None:
                inner = b.add(inner, params["recurrent_bias"])
            rec_z, rec_r, rec_h = b.split(inner, 3, axis=-1)
            z = self.recurrent_activation(b.add(x_z, rec_z))
            r = self.recurrent_activation(b.add(x_r, rec_r))
            candidate = self.activation(b.add(x_h, b.multiply(r, rec_h)))
        else:
            rec_z, rec_r = b.split(b.matmul(h_prev, params["recurrent_zr"]), 2, axis=-1)
            z = self.recurrent_activation(b.add(x_z, rec_z))
            r = self.recurrent_activation(b.add(x_r, rec_r))
            candidate = self.activation(b.add(x_h, b.matmul(b.multiply(r, h_prev), params["recurrent_h"])))
        # z * h_prev + (1 - z) * candidate
        h = b.add(candidate, b.multiply(z, b.subtract(h_prev, candidate)))
        return h, [h]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
