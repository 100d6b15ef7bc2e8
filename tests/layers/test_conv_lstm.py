"""ConvLSTM1D/2D/3D on every backend against the NumPy reference (tests/reference/rnn_cells.py): both
data formats, strides, dilation, masks, initial states, go_backwards; errors; dropout; training.
Keras parity (channels_last: TensorFlow's CPU convolution has no channels_first), shapes and config
round trips run in the layer catalogue (tests/layers/catalogue_rnn.py), gradients in test_gradients.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import unikeras
from tests.reference import rnn_cells as ref
from unikeras import layers, ops

MASK = np.array([[True, False, True], [True, True, False]])


def _np(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_np(t) for t in x]
    return np.asarray(ops.convert_to_numpy(x))


def _random_weights(layer: Any, rng: np.random.Generator) -> list[np.ndarray]:
    weights = [rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def test_conv_lstm2d_channels_first_matches_numpy(backend, rng):
    x = rng.standard_normal((2, 3, 2, 5, 4)).astype("float32")  # (batch, time, channels, rows, cols)
    layer = layers.ConvLSTM2D(2, (3, 2), strides=(2, 1), data_format="channels_first", return_state=True)
    layer(x)
    kernel, recurrent, bias = _random_weights(layer, rng)
    assert kernel.shape == (3, 2, 2, 8) and recurrent.shape == (3, 2, 2, 8) and bias.shape == (8,)
    step = ref.conv_lstm_step(kernel, recurrent, bias, (2, 1), "valid", "channels_first")
    states = [rng.standard_normal((2, 2, 2, 3)).astype("float32") for _ in range(2)]
    want, want_states = ref.rnn(step, x, states, mask=MASK)
    got = _np(layer(x, initial_state=states, mask=MASK))
    assert len(got) == 3
    for a, b in zip(got, [want, *want_states]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert [tuple(s) for s in layer.compute_output_shape(x.shape)] == [a.shape for a in got]


def test_conv_lstm1d_dilated_backwards_matches_numpy(backend, rng):
    x = rng.standard_normal((2, 3, 6, 2)).astype("float32")
    layer = layers.ConvLSTM1D(3, 2, dilation_rate=2, padding="same", return_sequences=True, go_backwards=True)
    layer(x)
    kernel, recurrent, bias = _random_weights(layer, rng)
    step = ref.conv_lstm_step(kernel, recurrent, bias, (1,), "same", "channels_last", (2,))
    want, _ = ref.rnn(step, x, [np.zeros((2, 6, 3))] * 2, return_sequences=True, go_backwards=True)
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-4, atol=1e-5)
    symbolic = layers.ConvLSTM1D(3, 2, dilation_rate=2, padding="same", return_sequences=True)(
        unikeras.Input((3, 6, 2))
    )
    assert tuple(symbolic.shape) == (None, 3, 6, 3)


def test_bad_arguments_and_inputs_raise(backend):
    with pytest.raises(ValueError, match="ConvLSTM2D 'a'.*strides.*dilation_rate"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2, name="a")
    with pytest.raises(ValueError, match="ConvLSTM1D 'b'.*filters"):
        layers.ConvLSTM1D(0, 3, name="b")
    with pytest.raises(ValueError, match="ConvLSTM3D 'c'.*padding"):
        layers.ConvLSTM3D(2, 3, padding="causal", name="c")
    with pytest.raises(ValueError, match="ConvLSTM2D 'd'.*kernel_size"):
        layers.ConvLSTM2D(2, (3, 3, 3), name="d")
    with pytest.raises(ValueError, match="ConvLSTM2D 'e'.*stateful"):
        layers.ConvLSTM2D(2, 3, stateful=True, name="e")
    layer = layers.ConvLSTM1D(2, 2, name="f")
    with pytest.raises(ValueError, match="ConvLSTM1D 'f'.*rank 4"):
        layer(np.zeros((2, 3, 4), "float32"))
    layer(np.zeros((2, 3, 4, 1), "float32"))
    with pytest.raises(ValueError, match="ConvLSTM1D 'f'"):
        layer(np.zeros((2, 3, 4, 2), "float32"))


def test_dropout_and_training(backend, rng):
    layer = layers.ConvLSTM1D(2, 2, dropout=0.4, recurrent_dropout=0.4, seed=1)
    x = rng.standard_normal((2, 3, 5, 1)).astype("float32")
    layer(x)
    kernel, recurrent, bias = _random_weights(layer, rng)
    want, _ = ref.rnn(ref.conv_lstm_step(kernel, recurrent, bias, (1,), "valid"), x, [np.zeros((2, 4, 2))] * 2)
    np.testing.assert_allclose(_np(layer(x, training=False)), want, rtol=1e-4, atol=1e-5)
    assert not np.allclose(_np(layer(x, training=True)), want, atol=1e-3)

    y = rng.uniform(-1, 1, (32, 3, 4, 1)).astype("float32")
    target = y.sum(axis=(1, 2))
    model = unikeras.Sequential(
        [
            unikeras.Input((3, 4, 1)),
            layers.ConvLSTM1D(4, 2, padding="same"),
            layers.GlobalAveragePooling1D(),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(learning_rate=0.03), loss="mse")
    losses = model.fit(y, target, batch_size=8, epochs=5, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] <= 0.7 * losses[0], losses
