"""Bidirectional: forward against NumPy (tests/reference/recurrent.py) for every merge mode, with masks
and initial states; gradients against finite differences; shapes; config; parity with Keras 3
(outputs, weight order, parameter counts); errors; training with fit."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import recurrent as ref
from unikeras import layers, ops
from unikeras.layers.layer import get_keras_mask
from unikeras.layers.wrappers import Bidirectional

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

BATCH, TIME, FEATURES, UNITS = 3, 4, 3, 2
MERGE_MODES = ["concat", "sum", "mul", "ave", None]
MASK = np.array([[True, True, True, False], [False, True, True, True], [True, False, True, True]])
CLASSES = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}


def _np(x):
    return ops.convert_to_numpy(x)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _random_weights(layer, rng):
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_forward_matches_numpy(backend, rng, merge_mode, return_sequences):
    layer = Bidirectional(layers.LSTM(UNITS, return_sequences=return_sequences), merge_mode=merge_mode)
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    layer(x)
    weights = _random_weights(layer, rng)
    got = _as_list(layer(x, mask=MASK))
    want, _, _ = ref.bidirectional(
        "lstm", x, weights[:3], weights[3:], merge_mode, mask=MASK, return_sequences=return_sequences
    )
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(_np(g), w, rtol=1e-4, atol=1e-5)
    unmasked, _, _ = ref.bidirectional(
        "lstm", x, weights[:3], weights[3:], merge_mode, return_sequences=return_sequences
    )
    for g, w in zip(_as_list(layer(x)), unmasked):
        np.testing.assert_allclose(_np(g), w, rtol=1e-4, atol=1e-5)
    assert not np.allclose(want[0], unmasked[0], atol=1e-3)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_initial_state_halves_and_return_state(backend, rng, kind):
    layer = Bidirectional(CLASSES[kind](UNITS, return_sequences=True, return_state=True), merge_mode="sum")
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    n = ref.NUM_STATES[kind]
    states = [rng.standard_normal((BATCH, UNITS)).astype("float32") for _ in range(2 * n)]
    layer(x)
    weights = _random_weights(layer, rng)
    got = layer(x, initial_state=states, mask=MASK)
    assert len(got) == 1 + 2 * n
    want, forward_states, backward_states = ref.bidirectional(
        kind, x, weights[:3], weights[3:], "sum", mask=MASK, return_sequences=True, states=states
    )
    for g, w in zip(got, want + forward_states + backward_states):
        np.testing.assert_allclose(_np(g), w, rtol=1e-4, atol=1e-5)


def test_gradients_match_finite_differences(backend, rng):
    layer = Bidirectional(layers.GRU(UNITS, return_sequences=True), merge_mode="concat")
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    layer(x)
    weights = [w.astype("float64") for w in _random_weights(layer, rng)]
    target = rng.standard_normal((BATCH, TIME, 2 * UNITS))
    mask = ops.convert_to_tensor(MASK)

    def loss_fn():
        return ops.sum(ops.multiply(layer(x, mask=mask), ops.convert_to_tensor(target.astype("float32"))))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    assert len(grads) == 6

    def numpy_loss(ws):
        (out,), _, _ = ref.bidirectional("gru", x, ws[:3], ws[3:], "concat", mask=MASK, return_sequences=True)
        return np.sum(out * target)

    h = 1e-6
    for index, grad in enumerate(grads):
        numeric = np.zeros_like(weights[index])
        for i in np.ndindex(numeric.shape):
            plus = [w.copy() for w in weights]
            minus = [w.copy() for w in weights]
            plus[index][i] += h
            minus[index][i] -= h
            numeric[i] = (numpy_loss(plus) - numpy_loss(minus)) / (2 * h)
        np.testing.assert_allclose(_np(grad), numeric, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("merge_mode", ["concat", None])
@pytest.mark.parametrize("return_state", [False, True])
def test_output_shapes(backend, rng, merge_mode, return_state):
    def make():
        return Bidirectional(layers.LSTM(UNITS, return_sequences=True, return_state=return_state), merge_mode)

    layer = make()
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    real = [tuple(ops.shape(t)) for t in _as_list(layer(x))]
    computed = layer.compute_output_shape((BATCH, TIME, FEATURES))
    computed = [tuple(s) for s in computed] if isinstance(computed, list) else [tuple(computed)]
    symbolic = [(BATCH,) + tuple(t.shape)[1:] for t in _as_list(make()(unikeras.Input((TIME, FEATURES))))]
    assert real == computed == symbolic
    width = 2 * UNITS if merge_mode == "concat" else UNITS
    outputs = [(BATCH, TIME, width)] * (1 if merge_mode else 2)
    assert real == outputs + ([(BATCH, UNITS)] * 4 if return_state else [])


def test_output_mask(backend, rng):
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    sequences = Bidirectional(layers.GRU(UNITS, return_sequences=True))(x, mask=MASK)
    np.testing.assert_array_equal(_np(get_keras_mask(sequences)), MASK)
    assert get_keras_mask(Bidirectional(layers.GRU(UNITS))(x, mask=MASK)) is None
    pair = Bidirectional(layers.GRU(UNITS, return_sequences=True), merge_mode=None)(x, mask=MASK)
    for tensor in pair:
        np.testing.assert_array_equal(_np(get_keras_mask(tensor)), MASK)


def test_sublayers_names_and_weight_order(backend, rng):
    inner = layers.LSTM(UNITS, return_sequences=True, name="enc")
    layer = Bidirectional(inner)
    assert layer.forward_layer is not inner
    assert (layer.forward_layer.name, layer.backward_layer.name) == ("forward_enc", "backward_enc")
    assert not layer.forward_layer.go_backwards and layer.backward_layer.go_backwards
    assert layer.forward_layer.zero_output_for_mask and layer.backward_layer.zero_output_for_mask
    layer(rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32"))
    assert layer.weights[:3] == layer.forward_layer.weights and layer.weights[3:] == layer.backward_layer.weights
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"] * 2


def test_config_round_trip(backend, rng):
    backward = layers.GRU(UNITS, go_backwards=True, activation="relu", name="back")
    layer = Bidirectional(layers.GRU(UNITS, name="fwd"), merge_mode="mul", backward_layer=backward, name="bi")
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    layer(x)
    weights = _random_weights(layer, rng)
    config = layer.get_config()
    assert config["merge_mode"] == "mul"
    assert config["layer"]["class_name"] == "GRU" and config["layer"]["config"]["name"] == "forward_fwd"
    assert config["backward_layer"]["config"]["name"] == "back"
    clone = Bidirectional.from_config(config)
    assert clone.backward_layer.name == "back" and clone.backward_layer.activation is unikeras.activations.relu
    clone(x)
    clone.set_weights(weights)
    assert clone.get_config() == config
    np.testing.assert_allclose(_np(clone(x, mask=MASK)), _np(layer(x, mask=MASK)), rtol=1e-6)
    assert set(config) - {"build_input_shape"} == set(keras.layers.Bidirectional(keras.layers.GRU(UNITS)).get_config())


def test_initial_weights_argument(backend, rng):
    donor = Bidirectional(layers.SimpleRNN(UNITS))
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    donor(x)
    weights = _random_weights(donor, rng)
    layer = Bidirectional(layers.SimpleRNN(UNITS), weights=weights)
    np.testing.assert_allclose(_np(layer(x)), _np(donor(x)), rtol=1e-6)


# ---------------------------------------------------------------------- Keras 3 oracle
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
def test_matches_keras(backend, rng, merge_mode):
    kind = "gru" if merge_mode in ("sum", None) else "lstm"
    ids = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 5, 1], [1, 2, 3, 4, 5]])
    options = {"return_sequences": merge_mode != "ave", "return_state": merge_mode in ("mul", None)}
    keras_rnn = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kind]
    their_emb = keras.layers.Embedding(7, FEATURES, mask_zero=True)
    theirs = keras.layers.Bidirectional(keras_rnn(UNITS, **options), merge_mode=merge_mode)
    theirs(their_emb(ids))
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    their_out = _as_list(theirs(their_emb(ids)))
    our_emb = layers.Embedding(7, FEATURES, mask_zero=True)
    ours = Bidirectional(CLASSES[kind](UNITS, **options), merge_mode=merge_mode)
    ours(our_emb(ids))
    our_emb.set_weights(their_emb.get_weights())
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(weights)
    our_out = _as_list(ours(our_emb(ids)))
    assert len(our_out) == len(their_out)
    for got, want in zip(our_out, their_out):
        np.testing.assert_allclose(_np(got), keras.ops.convert_to_numpy(want), rtol=1e-4, atol=1e-5)


def test_summary_counts_match_keras(backend):
    def build(lib):
        bidirectional = Bidirectional if lib is unikeras else keras.layers.Bidirectional
        return lib.Sequential(
            [
                lib.Input((TIME,)),
                lib.layers.Embedding(20, 8, mask_zero=True),
                bidirectional(lib.layers.LSTM(6, return_sequences=True)),
                bidirectional(lib.layers.GRU(5), merge_mode="sum"),
                lib.layers.Dense(2),
            ]
        )

    ours, theirs = build(unikeras), build(keras)
    assert [layer.count_params() for layer in ours.layers] == [layer.count_params() for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params()
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert [layer._output_shape for layer in ours.layers[1:3]] == [(None, TIME, 12), (None, 5)]
    lines = []
    ours.summary(print_fn=lines.append)
    assert f"Total params: {theirs.count_params():,}" in lines[0]


# ---------------------------------------------------------------------- errors and training
def test_rejects_bad_arguments(backend, rng):
    with pytest.raises(ValueError, match=r"Bidirectional 'bi': `merge_mode` must be one of"):
        Bidirectional(layers.LSTM(2), merge_mode="max", name="bi")
    with pytest.raises(ValueError, match=r"Bidirectional '.*': `layer` must be a recurrent layer .*Dense"):
        Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match="`layer` must be a Layer instance"):
        Bidirectional("lstm")
    with pytest.raises(ValueError, match="must differ in `go_backwards`"):
        Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="must agree on `return_sequences`"):
        Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_sequences=True))
    layer = Bidirectional(layers.LSTM(2))
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    with pytest.raises(ValueError, match="even number of tensors"):
        layer(x, initial_state=[np.zeros((2, 2), "float32")] * 3)


def test_masked_bidirectional_model_trains(backend, rng):
    ids = rng.integers(1, 9, (64, 4))
    lengths = rng.integers(1, 5, 64)
    for row, length in zip(ids, lengths):
        row[length:] = 0
    y = (ids[:, :1] > 4).astype("float32")
    model = unikeras.Sequential(
        [
            unikeras.Input((4,)),
            layers.Embedding(9, 4, mask_zero=True),
            Bidirectional(layers.SimpleRNN(4)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(0.03), loss="binary_crossentropy")
    losses = model.fit(ids, y, batch_size=16, epochs=4, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.8 * losses[0], losses
