"""Plain NumPy references for the generic RNN loop, stacked cells and ConvLSTM (Keras semantics), in float64.

A step is ``step(x_t, states) -> (output, new_states)`` with ``states`` a flat list of arrays. The
dense steps (SimpleRNN, LSTM, GRU with ``reset_after``) are those of ``tests/reference/recurrent.py``;
this module adds GRU with ``reset_after=False``, the ConvLSTM step and the loop itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tests.reference import conv as conv_ref
from tests.reference.recurrent import gru_step, lstm_step, sigmoid, simple_rnn_step


def gru_reset_before_step(x, states, kernel, recurrent, bias=None):
    """GRU with ``reset_after=False``: the reset gate scales ``h`` before the candidate's matmul."""
    h = states[0]
    units = h.shape[-1]
    xz, xr, xh = np.split(x @ kernel + (0.0 if bias is None else bias), 3, axis=-1)
    z = sigmoid(xz + h @ recurrent[:, :units])
    r = sigmoid(xr + h @ recurrent[:, units : 2 * units])
    candidate = np.tanh(xh + (r * h) @ recurrent[:, 2 * units :])
    h = z * h + (1.0 - z) * candidate
    return h, [h]


DENSE_STEPS = {
    "simple_rnn": (simple_rnn_step, 1),
    "lstm": (lstm_step, 2),
    "gru": (gru_step, 1),
    "gru_reset_before": (gru_reset_before_step, 1),
}


def dense_step(kind: str, weights: Sequence[np.ndarray]) -> tuple[Callable, int]:
    """``(step, number of states)`` of a dense cell with its Keras weights ``[kernel, recurrent, (bias)]``."""
    step, count = DENSE_STEPS[kind]
    weights = [np.asarray(w, np.float64) for w in weights]
    return (lambda x, states: step(x, states, *weights)), count


def stacked_step(cells: Sequence[tuple[Callable, int]]) -> tuple[Callable, int]:
    """One step running ``cells`` (``(step, number of states)``) in order, each feeding the next."""

    def step(x, states):
        new_states, start = [], 0
        for cell_step, count in cells:
            x, out = cell_step(x, states[start : start + count])
            new_states.extend(out)
            start += count
        return x, new_states

    return step, sum(count for _, count in cells)


def conv_lstm_step(kernel, recurrent, bias, strides, padding, data_format="channels_last", dilation_rate=None):
    """The ConvLSTM step: input convolution with the given geometry, ``"same"`` recurrent convolution."""
    kernel, recurrent = np.asarray(kernel, np.float64), np.asarray(recurrent, np.float64)
    rank = kernel.ndim - 2
    axis = -1 if data_format == "channels_last" else 1
    bias_shape = (-1,) if data_format == "channels_last" else (-1,) + (1,) * rank

    def step(x, states):
        h, c = states
        z = conv_ref.conv(x, kernel, strides, padding, data_format, dilation_rate)
        if bias is not None:
            z = z + np.asarray(bias, np.float64).reshape(bias_shape)
        z = z + conv_ref.conv(h, recurrent, (1,) * rank, "same", data_format)
        i, f, g, o = np.split(z, 4, axis=axis)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        return h, [h, c]

    return step


def rnn(
    step: Callable,
    x: np.ndarray,
    states: Sequence[np.ndarray],
    mask: np.ndarray | None = None,
    return_sequences: bool = False,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(output, final states)`` of ``RNN`` looping ``step`` over axis 1 of ``x``.

    At a masked timestep the states are kept and the output repeats the previous one (zeros first),
    or is zero with ``zero_output_for_mask``; with ``go_backwards`` a returned sequence is in
    processing order."""
    x = np.asarray(x, np.float64)
    states = [np.asarray(s, np.float64) for s in states]
    time = x.shape[1]
    keep = np.ones(x.shape[:2], bool) if mask is None else np.asarray(mask, bool)
    previous = None
    outputs = []
    for t in range(time - 1, -1, -1) if go_backwards else range(time):
        new_output, new_states = step(x[:, t], states)
        k = keep[:, t].reshape((-1,) + (1,) * (new_output.ndim - 1))
        if previous is None:
            previous = np.zeros_like(new_output)
        output = np.where(k, new_output, np.zeros_like(new_output) if zero_output_for_mask else previous)
        states = [np.where(k.reshape((-1,) + (1,) * (n.ndim - 1)), n, o) for n, o in zip(new_states, states)]
        previous = output
        outputs.append(output)
    return (np.stack(outputs, axis=1) if return_sequences else outputs[-1]), states
