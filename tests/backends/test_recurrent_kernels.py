"""The recurrent primitives: ``Backend.rnn`` (fused kernels) against the generic ``scan`` path of the
layers, values and gradients, and ``Backend.scan`` against a NumPy loop and the default Python loop."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import ops
from unikeras.backends.base import Backend
from unikeras.layers import GRU, LSTM, SimpleRNN

CLASSES = {"simple_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}
NUM_STATES = {"simple_rnn": 1, "lstm": 2, "gru": 1}
FUSED_BACKENDS = {"torch", "mxnet"}
BATCH, TIME, FEATURES, UNITS = 3, 4, 5, 4


@pytest.mark.parametrize(
    ("cell", "go_backwards", "use_bias", "return_sequences"),
    [
        ("simple_rnn", False, True, True),
        ("lstm", False, True, True),
        ("lstm", True, False, True),
        ("gru", True, True, True),
        ("gru", False, False, True),
        ("lstm", False, True, False),
        ("gru", True, True, False),
    ],
)
def test_fused_and_generic_paths_agree(backend, rng, monkeypatch, cell, go_backwards, use_bias, return_sequences):
    """Outputs, final states and gradients w.r.t. inputs, every weight and the initial states (the
    kernel may skip the sequence when the layer returns the last output only)."""
    layer = CLASSES[cell](
        UNITS, return_sequences=return_sequences, return_state=True, go_backwards=go_backwards, use_bias=use_bias
    )
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    layer(x)
    layer.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in layer.get_weights()])
    inputs = unikeras.Variable(x)
    initial = [
        unikeras.Variable(rng.standard_normal((BATCH, UNITS)).astype("float32")) for _ in range(NUM_STATES[cell])
    ]
    first = (BATCH, TIME, UNITS) if return_sequences else (BATCH, UNITS)
    targets = [ops.convert_to_tensor(rng.standard_normal(first).astype("float32"))]
    targets += [ops.convert_to_tensor(rng.standard_normal((BATCH, UNITS)).astype("float32")) for _ in initial]
    variables = [*layer.trainable_weights, inputs, *initial]

    # the fused kernel exists exactly where the backend has one (the default answers None, and the layer
    # then runs the generic path: nothing to compare)
    b = backend
    bias = None if layer.bias is None else layer.bias.value
    rec_bias = None
    if cell == "gru" and bias is not None:
        bias, rec_bias = (b.reshape(part, (3 * UNITS,)) for part in b.split(bias, 2, axis=0))
    weights = (layer.kernel.value, layer.recurrent_kernel.value, bias, rec_bias)
    fused = b.rnn(
        cell,
        b.convert_to_tensor(x),
        [s.value for s in initial],
        *weights,
        go_backwards,
        return_sequences=return_sequences,
    )
    assert (fused is not None) == (b.name in FUSED_BACKENDS)
    if fused is None:
        return

    def run():
        def loss_fn():
            outs = layer(inputs.value, initial_state=[s.value for s in initial])
            total = ops.sum(ops.multiply(outs[0], targets[0]))
            for out, target in zip(outs[1:], targets[1:]):
                total = ops.add(total, ops.sum(ops.multiply(out, target)))
            return total, outs

        (_, outs), grads = ops.value_and_grad(loss_fn, variables, has_aux=True)()
        return [ops.convert_to_numpy(o) for o in outs], [ops.convert_to_numpy(g) for g in grads]

    fused_outs, fused_grads = run()
    monkeypatch.setattr(layer, "_fused_args", lambda: None)
    generic_outs, generic_grads = run()
    assert len(fused_outs) == 1 + NUM_STATES[cell] and len(fused_grads) == len(variables)
    for got, want in zip(fused_outs + fused_grads, generic_outs + generic_grads):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert np.abs(fused_grads[-1]).max() > 0  # the initial states do reach the loss
    fused_first = fused[0] if return_sequences else fused[1][0]
    np.testing.assert_allclose(ops.convert_to_numpy(fused_first), fused_outs[0], rtol=1e-5, atol=1e-6)


def test_rnn_kernel_declines_unknown_cells(backend):
    x = backend.zeros((2, 3, 4))
    h = backend.zeros((2, 5))
    assert backend.rnn("lstm_peephole", x, [h], backend.zeros((4, 5)), backend.zeros((5, 5)), None, None, False) is None
    assert (
        Backend.rnn(backend, "lstm", x, [h, h], backend.zeros((4, 20)), backend.zeros((5, 20)), None, None, False)
        is None
    )


def _cumulative_step(b):
    def step(carry, x):
        total, count = carry
        value, weight = x
        total = b.add(b.multiply(total, 0.5), b.multiply(value, weight))
        return [total, b.add(count, 1.0)], [total, b.tanh(total)]

    return step


@pytest.mark.parametrize("default", [False, True])
@pytest.mark.parametrize(("axis", "reverse"), [(0, False), (1, True)])
def test_scan_matches_numpy(backend, rng, default, axis, reverse):
    """The adapter's scan and the default Python loop, over axis 0 and (reversed) over axis 1."""
    values = rng.standard_normal((6, 2, 3)).astype("float32")  # (time, batch, features)
    weights = rng.standard_normal((6, 2, 1)).astype("float32")
    init = [backend.zeros((2, 3)), backend.zeros((), "float32")]
    scan = Backend.scan.__get__(backend) if default else backend.scan
    xs = [values, weights] if axis == 0 else [np.swapaxes(values, 0, 1), np.swapaxes(weights, 0, 1)]
    xs = [backend.convert_to_tensor(a) for a in xs]
    carry, ys = scan(_cumulative_step(backend), init, xs, axis=axis, reverse=reverse)
    total = np.zeros((2, 3))
    want = np.zeros((6, 2, 3))
    for t in reversed(range(6)) if reverse else range(6):
        total = 0.5 * total + values[t] * weights[t]
        want[t] = total  # each step's output stays at its input position
    np.testing.assert_allclose(backend.to_numpy(carry[0]), total, rtol=1e-5, atol=1e-6)
    assert float(backend.to_numpy(carry[1])) == 6.0 and backend.dtype_name(carry[1]) == "float32"
    assert len(ys) == 2
    if axis == 1:
        want = np.swapaxes(want, 0, 1)
    np.testing.assert_allclose(backend.to_numpy(ys[0]), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(backend.to_numpy(ys[1]), np.tanh(want), rtol=1e-5, atol=1e-6)
    # no per-step outputs
    carry, ys = scan(lambda c, x: ([backend.add(c[0], x[0])], []), [backend.zeros((2, 3))], xs[:1], axis=axis)
    assert ys == []
    np.testing.assert_allclose(backend.to_numpy(carry[0]), values.sum(0), rtol=1e-5, atol=1e-5)


def test_scan_gradient(backend, rng):
    """Gradient through ``scan`` w.r.t. a closed-over weight and the sequence, of ``sum_t h_t`` with
    ``h_t = tanh(w h_{t-1} + x_t)``."""
    xs = rng.standard_normal((5, 2)).astype("float32")
    w = unikeras.Variable(np.float32(0.7))
    seq = unikeras.Variable(xs)
    b = backend

    def loss_fn():
        weight = w.value

        def step(carry, x):
            h = b.tanh(b.add(b.multiply(carry[0], weight), x[0]))
            return [h], [h]

        _, ys = b.scan(step, [b.zeros((2,))], [seq.value])
        return b.sum(ys[0])

    value, (grad_w, grad_x) = ops.value_and_grad(loss_fn, [w, seq])()

    def numpy_loss(weight, x):
        h, total = np.zeros(2), 0.0
        for t in range(5):
            h = np.tanh(weight * h + x[t])
            total += h.sum()
        return total

    x64 = xs.astype("float64")
    eps = 1e-6
    numeric_w = (numpy_loss(0.7 + eps, x64) - numpy_loss(0.7 - eps, x64)) / (2 * eps)
    numeric_x = np.zeros_like(x64)
    for i in np.ndindex(x64.shape):
        plus, minus = x64.copy(), x64.copy()
        plus[i] += eps
        minus[i] -= eps
        numeric_x[i] = (numpy_loss(0.7, plus) - numpy_loss(0.7, minus)) / (2 * eps)
    np.testing.assert_allclose(float(ops.convert_to_numpy(value)), numpy_loss(0.7, x64), rtol=1e-5)
    np.testing.assert_allclose(float(ops.convert_to_numpy(grad_w)), numeric_w, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(grad_x), numeric_x, rtol=1e-3, atol=1e-5)


def test_scan_inside_a_compiled_step(backend, rng):
    """The compiled path of ``scan`` (``lax.scan`` under ``jax.jit``, unrolled under ``tf.function``)."""
    values = rng.standard_normal((2, 6, 3)).astype("float32")  # (batch, time, features)
    weights = rng.standard_normal((2, 6, 1)).astype("float32")
    b = backend

    def fn(v, w):
        init = [b.zeros((2, 3)), b.zeros((), "float32")]
        carry, ys = b.scan(_cumulative_step(b), init, [v, w], axis=1, reverse=True)
        return carry[0], ys[0]

    step = b.make_step(fn, [], jit_compile=True)
    final, sequence = step(values, weights)
    total = np.zeros((2, 3))
    want = np.zeros((2, 6, 3))
    for t in reversed(range(6)):
        total = 0.5 * total + values[:, t] * weights[:, t]
        want[:, t] = total
    np.testing.assert_allclose(b.to_numpy(final), total, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.to_numpy(sequence), want, rtol=1e-5, atol=1e-6)
