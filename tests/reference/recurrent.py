"""Plain NumPy references for recurrent layers (Keras semantics), in float64.

Weights are in Keras's layout: ``kernel (features, gates * units)``, ``recurrent_kernel
(units, gates * units)``, ``bias`` (GRU with ``reset_after``: ``(2, 3 * units)``, input bias then
recurrent bias). Gate order: LSTM i, f, c, o; GRU z, r, h.

Masking (``mask``: ``(batch, time)`` booleans, ``False`` = skip): at a skipped timestep every state
keeps its previous value and the output is the previous step's output (zeros before the first
step), or zeros with ``zero_output_for_mask``.
"""

from __future__ import annotations

import numpy as np

NUM_STATES = {"simple_rnn": 1, "lstm": 2, "gru": 1}


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(x, states, kernel, recurrent, bias=None):
    z = x @ kernel + states[0] @ recurrent
    h = np.tanh(z if bias is None else z + bias)
    return h, [h]


def lstm_step(x, states, kernel, recurrent, bias=None):
    h, c = states
    z = x @ kernel + h @ recurrent
    if bias is not None:
        z = z + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def gru_step(x, states, kernel, recurrent, bias=None):
    """GRU with ``reset_after=True``."""
    h = states[0]
    input_bias, recurrent_bias = (0.0, 0.0) if bias is None else (bias[0], bias[1])
    x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)
    r_z, r_r, r_h = np.split(h @ recurrent + recurrent_bias, 3, axis=-1)
    z = sigmoid(x_z + r_z)
    r = sigmoid(x_r + r_r)
    candidate = np.tanh(x_h + r * r_h)
    h = z * h + (1.0 - z) * candidate
    return h, [h]


STEPS = {"simple_rnn": simple_rnn_step, "lstm": lstm_step, "gru": gru_step}


def rnn(
    kind,
    x,
    weights,
    initial_state=None,
    mask=None,
    return_sequences=False,
    go_backwards=False,
    zero_output_for_mask=False,
):
    """``(output, final states)`` of a SimpleRNN / LSTM / GRU layer on ``x (batch, time, features)``.

    With ``go_backwards`` the timesteps are visited last to first and a returned sequence is in
    that (reversed) order, as Keras returns it.
    """
    x = np.asarray(x, dtype="float64")
    weights = [np.asarray(w, dtype="float64") for w in weights]
    batch, time = x.shape[:2]
    units = weights[1].shape[0]
    if initial_state is None:
        states = [np.zeros((batch, units)) for _ in range(NUM_STATES[kind])]
    else:
        states = [np.asarray(s, dtype="float64") for s in initial_state]
    keep = np.ones((batch, time), bool) if mask is None else np.asarray(mask, bool)
    order = range(time - 1, -1, -1) if go_backwards else range(time)
    previous = np.zeros((batch, units))
    outputs = []
    for t in order:
        new_output, new_states = STEPS[kind](x[:, t], states, *weights)
        k = keep[:, t][:, None]
        skipped = np.zeros_like(new_output) if zero_output_for_mask else previous
        output = np.where(k, new_output, skipped)
        states = [np.where(k, new, old) for new, old in zip(new_states, states)]
        previous = output
        outputs.append(output)
    result = np.stack(outputs, axis=1) if return_sequences else outputs[-1]
    return result, states


def bidirectional(
    kind, x, forward_weights, backward_weights, merge_mode="concat", mask=None, return_sequences=False, states=None
):
    """``(outputs, forward states, backward states)`` of ``Bidirectional(<kind>)``; ``outputs`` is a list
    (two arrays for ``merge_mode=None``, else one). ``states``: initial states, forward then backward."""
    half = None if states is None else len(states) // 2
    forward, forward_states = rnn(
        kind,
        x,
        forward_weights,
        initial_state=None if states is None else states[:half],
        mask=mask,
        return_sequences=return_sequences,
        zero_output_for_mask=return_sequences,
    )
    backward, backward_states = rnn(
        kind,
        x,
        backward_weights,
        initial_state=None if states is None else states[half:],
        mask=mask,
        return_sequences=return_sequences,
        go_backwards=True,
        zero_output_for_mask=return_sequences,
    )
    if return_sequences:
        backward = backward[:, ::-1]
    merged = {
        "concat": lambda: [np.concatenate([forward, backward], axis=-1)],
        "sum": lambda: [forward + backward],
        "mul": lambda: [forward * backward],
        "ave": lambda: [(forward + backward) / 2.0],
        None: lambda: [forward, backward],
    }[merge_mode]()
    return merged, forward_states, backward_states


def masking(x, mask_value=0.0):
    """``(outputs, mask)`` of ``Masking(mask_value)``."""
    x = np.asarray(x)
    mask = np.any(x != mask_value, axis=-1)
    return x * mask[..., None], mask
