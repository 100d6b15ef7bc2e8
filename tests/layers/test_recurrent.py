"""SimpleRNN, LSTM, GRU: forward against NumPy cells, parity with Keras 3 (weight layout),
training with fit, config round trip, symbolic shapes."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import ops
from unikeras.initializers import Orthogonal
from unikeras.layers import GRU, LSTM, SimpleRNN

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

BATCH, TIME, FEATURES, UNITS = 3, 5, 4, 6
CLASSES = {"simple_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}


# ---------------------------------------------------------------------- NumPy reference cells
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _simple_rnn_step(x, states, kernel, recurrent, bias):
    h = np.tanh(x @ kernel + states[0] @ recurrent + bias)
    return h, [h]


def _lstm_step(x, states, kernel, recurrent, bias):
    h, c = states
    i, f, g, o = np.split(x @ kernel + h @ recurrent + bias, 4, axis=-1)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h = _sigmoid(o) * np.tanh(c)
    return h, [h, c]


def _gru_step(x, states, kernel, recurrent, bias):
    h = states[0]
    x_z, x_r, x_h = np.split(x @ kernel + bias[0], 3, axis=-1)
    r_z, r_r, r_h = np.split(h @ recurrent + bias[1], 3, axis=-1)
    z = _sigmoid(x_z + r_z)
    r = _sigmoid(x_r + r_r)
    candidate = np.tanh(x_h + r * r_h)
    h = z * h + (1.0 - z) * candidate
    return h, [h]


STEPS = {"simple_rnn": _simple_rnn_step, "lstm": _lstm_step, "gru": _gru_step}
NUM_STATES = {"simple_rnn": 1, "lstm": 2, "gru": 1}


def reference_rnn(kind, x, weights, initial_state=None, return_sequences=False, go_backwards=False):
    """``(output, states)`` of a recurrent layer in float64 NumPy."""
    x = x.astype("float64")
    weights = [w.astype("float64") for w in weights]
    if initial_state is None:
        states = [np.zeros((x.shape[0], weights[1].shape[0]))] * NUM_STATES[kind]
    else:
        states = [s.astype("float64") for s in initial_state]
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs = []
    for t in order:
        out, states = STEPS[kind](x[:, t], states, *weights)
        outputs.append(out)
    return (np.stack(outputs, axis=1) if return_sequences else outputs[-1]), states


def _random_weights(layer, rng):
    """Random weights (not the defaults) so zero biases and orthogonality hide nothing."""
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def _np(x):
    return ops.convert_to_numpy(x)


# ---------------------------------------------------------------------- forward vs NumPy
@pytest.mark.parametrize("kind", sorted(CLASSES))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_forward_matches_numpy(backend, rng, kind, return_sequences, go_backwards):
    layer = CLASSES[kind](UNITS, return_sequences=return_sequences, go_backwards=go_backwards, return_state=True)
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    layer(x)
    weights = _random_weights(layer, rng)
    out, *states = layer(x)
    want, want_states = reference_rnn(kind, x, weights, return_sequences=return_sequences, go_backwards=go_backwards)
    expected_shape = (BATCH, TIME, UNITS) if return_sequences else (BATCH, UNITS)
    assert tuple(ops.shape(out)) == expected_shape
    np.testing.assert_allclose(_np(out), want, rtol=1e-5, atol=1e-5)
    assert len(states) == NUM_STATES[kind]
    for got, expected in zip(states, want_states):
        np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_initial_state_matches_numpy(backend, rng, kind):
    layer = CLASSES[kind](UNITS, return_sequences=True)
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    initial = [rng.standard_normal((BATCH, UNITS)).astype("float32") for _ in range(NUM_STATES[kind])]
    layer(x)
    weights = _random_weights(layer, rng)
    out = layer(x, initial_state=[ops.convert_to_tensor(s) for s in initial])
    want, _ = reference_rnn(kind, x, weights, initial_state=initial, return_sequences=True)
    np.testing.assert_allclose(_np(out), want, rtol=1e-5, atol=1e-5)
    # NumPy initial states work too, and differ from the zero state
    np.testing.assert_allclose(_np(layer(x, initial_state=initial)), want, rtol=1e-5, atol=1e-5)
    assert not np.allclose(_np(layer(x)), want, atol=1e-3)


def test_weight_shapes_follow_keras(backend, rng):
    x = rng.standard_normal((2, 3, FEATURES)).astype("float32")
    shapes = {}
    for kind, cls in CLASSES.items():
        layer = cls(UNITS)
        layer(x)
        shapes[kind] = [tuple(w.shape) for w in layer.weights]
        assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert shapes["simple_rnn"] == [(FEATURES, UNITS), (UNITS, UNITS), (UNITS,)]
    assert shapes["lstm"] == [(FEATURES, 4 * UNITS), (UNITS, 4 * UNITS), (4 * UNITS,)]
    assert shapes["gru"] == [(FEATURES, 3 * UNITS), (UNITS, 3 * UNITS), (2, 3 * UNITS)]
    lstm = LSTM(UNITS, use_bias=False)
    lstm(x)
    assert len(lstm.weights) == 2
    gru = GRU(UNITS, reset_after=False)
    gru(x)
    assert tuple(gru.weights[2].shape) == (3 * UNITS,)


def test_default_initializers(backend, rng):
    lstm = LSTM(UNITS)
    lstm(rng.standard_normal((2, 3, FEATURES)).astype("float32"))
    _, recurrent, bias = lstm.get_weights()
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(UNITS), atol=1e-5)  # orthogonal rows
    np.testing.assert_array_equal(bias, np.concatenate([np.zeros(UNITS), np.ones(UNITS), np.zeros(2 * UNITS)]))
    no_forget = LSTM(UNITS, unit_forget_bias=False)
    no_forget(rng.standard_normal((2, 3, FEATURES)).astype("float32"))
    np.testing.assert_array_equal(no_forget.get_weights()[2], 0.0)


def test_orthogonal_initializer():
    square = Orthogonal(seed=3)((5, 5))
    np.testing.assert_allclose(square @ square.T, np.eye(5), atol=1e-5)
    tall = Orthogonal(gain=2.0, seed=3)((7, 3))
    np.testing.assert_allclose(tall.T @ tall, 4.0 * np.eye(3), atol=1e-5)
    np.testing.assert_array_equal(Orthogonal(seed=1)((4, 6)), Orthogonal(seed=1)((4, 6)))
    assert Orthogonal(seed=1)((4, 6)).dtype == np.float32
    unikeras.utils.set_random_seed(9)
    first = Orthogonal()((4, 4))
    unikeras.utils.set_random_seed(9)
    np.testing.assert_array_equal(Orthogonal()((4, 4)), first)


# ---------------------------------------------------------------------- Keras 3 oracle
def _keras_layer(kind, **kwargs):
    return {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kind](
        UNITS, **kwargs
    )


@pytest.mark.parametrize("kind", sorted(CLASSES))
@pytest.mark.parametrize(
    "options",
    [{}, {"return_sequences": True, "go_backwards": True}, {"return_state": True}, {"use_bias": False}],
    ids=["default", "sequences_backwards", "state", "no_bias"],
)
def test_matches_keras(backend, rng, kind, options):
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    theirs = _keras_layer(kind, **options)
    their_out = theirs(x)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    their_out = theirs(x)
    ours = CLASSES[kind](UNITS, **options)
    ours(x)
    ours.set_weights(theirs.get_weights())
    our_out = ours(x)
    if not isinstance(their_out, (list, tuple)):
        their_out, our_out = [their_out], [our_out]
    assert len(our_out) == len(their_out)
    for got, want in zip(our_out, their_out):
        np.testing.assert_allclose(_np(got), keras.ops.convert_to_numpy(want), rtol=1e-4, atol=1e-5)


def test_gru_reset_before_matches_keras(backend, rng):
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    theirs = keras.layers.GRU(UNITS, reset_after=False, return_sequences=True)
    theirs(x)
    theirs.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in theirs.get_weights()])
    ours = GRU(UNITS, reset_after=False, return_sequences=True)
    ours(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------- training
def test_lstm_model_learns_sequence_sum(backend, rng):
    x = rng.uniform(-1.0, 1.0, (256, 6, 1)).astype("float32")
    y = x.sum(axis=1)
    model = unikeras.Sequential([unikeras.Input((6, 1)), LSTM(16), unikeras.layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.Adam(learning_rate=0.01), loss="mse")
    losses = model.fit(x, y, batch_size=32, epochs=10, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] <= 0.5 * losses[0], losses


# ---------------------------------------------------------------------- config and shapes
@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_config_round_trip(backend, kind):
    extra = {"lstm": {"unit_forget_bias": False}, "gru": {"reset_after": False}, "simple_rnn": {}}[kind]
    layer = CLASSES[kind](
        5, activation="relu", return_sequences=True, go_backwards=True, return_state=True, name="r", **extra
    )
    config = layer.get_config()
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    clone = CLASSES[kind].from_config(config)
    assert clone.get_config() == config
    assert clone.units == 5 and clone.activation is unikeras.activations.relu
    assert isinstance(clone.recurrent_initializer, Orthogonal)


@pytest.mark.parametrize("kind", sorted(CLASSES))
@pytest.mark.parametrize("return_sequences", [False, True])
def test_symbolic_shapes_match_real_outputs(backend, rng, kind, return_sequences):
    inputs = unikeras.Input((TIME, FEATURES))
    layer = CLASSES[kind](UNITS, return_sequences=return_sequences, return_state=True)
    symbolic = layer(inputs)
    real = layer(rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32"))
    assert isinstance(symbolic, list) and len(symbolic) == 1 + NUM_STATES[kind]
    for s, r in zip(symbolic, real):
        assert (BATCH,) + tuple(s.shape)[1:] == tuple(ops.shape(r))
    plain = CLASSES[kind](UNITS, return_sequences=return_sequences)(inputs)
    assert tuple(plain.shape) == tuple(symbolic[0].shape)


def test_functional_model_with_states(backend, rng):
    inputs = unikeras.Input((TIME, FEATURES))
    sequences, h, c = LSTM(UNITS, return_sequences=True, return_state=True)(inputs)
    outputs = GRU(3)(sequences)
    model = unikeras.Model(inputs, [outputs, h, c])
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    preds = model.predict(x, verbose=0)
    assert [p.shape for p in preds] == [(BATCH, 3), (BATCH, UNITS), (BATCH, UNITS)]


def test_rejects_bad_inputs(backend, rng):
    with pytest.raises(ValueError, match="units"):
        LSTM(0)
    with pytest.raises(ValueError, match="rank 3"):
        SimpleRNN(2)(rng.standard_normal((2, 3)).astype("float32"))
    layer = LSTM(2)
    with pytest.raises(ValueError, match="2 initial state"):
        layer(rng.standard_normal((2, 3, 4)).astype("float32"), initial_state=[np.zeros((2, 2), "float32")])
