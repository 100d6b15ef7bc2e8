"""SimpleRNN, LSTM, GRU: forward against NumPy cells (tests/reference/recurrent.py), masking,
dropout, regularizers and constraints, gradients against finite differences, parity with Keras 3
(weight layout, masked padded batches), training with fit, config round trip, symbolic shapes and
symbolic initial states."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import recurrent as ref
from unikeras import ops
from unikeras.initializers import Orthogonal
from unikeras.layers import GRU, LSTM, SimpleRNN

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

BATCH, TIME, FEATURES, UNITS = 3, 5, 4, 6
CLASSES = {"simple_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}


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
    want, want_states = ref.rnn(kind, x, weights, return_sequences=return_sequences, go_backwards=go_backwards)
    expected_shape = (BATCH, TIME, UNITS) if return_sequences else (BATCH, UNITS)
    assert tuple(ops.shape(out)) == expected_shape
    np.testing.assert_allclose(_np(out), want, rtol=1e-5, atol=1e-5)
    assert len(states) == ref.NUM_STATES[kind]
    for got, expected in zip(states, want_states):
        np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_initial_state_matches_numpy(backend, rng, kind):
    layer = CLASSES[kind](UNITS, return_sequences=True)
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    initial = [rng.standard_normal((BATCH, UNITS)).astype("float32") for _ in range(ref.NUM_STATES[kind])]
    layer(x)
    weights = _random_weights(layer, rng)
    out = layer(x, initial_state=[ops.convert_to_tensor(s) for s in initial])
    want, _ = ref.rnn(kind, x, weights, initial_state=initial, return_sequences=True)
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
    """Also runs dropout masks (drawn from a SeedGenerator) inside each backend's compiled train step."""
    x = rng.uniform(-1.0, 1.0, (256, 6, 1)).astype("float32")
    y = x.sum(axis=1)
    model = unikeras.Sequential(
        [unikeras.Input((6, 1)), LSTM(16, dropout=0.05, recurrent_dropout=0.05), unikeras.layers.Dense(1)]
    )
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
    assert isinstance(symbolic, list) and len(symbolic) == 1 + ref.NUM_STATES[kind]
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


# ---------------------------------------------------------------------- masking
# one row padded at the end, one at the start, one with a hole, one fully masked
MASK = np.array(
    [
        [True, True, True, False, False],
        [False, False, True, True, True],
        [True, False, True, True, False],
        [False, False, False, False, False],
    ]
)


@pytest.mark.parametrize("kind", sorted(CLASSES))
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"return_sequences": True},
        {"return_sequences": True, "go_backwards": True},
        {"go_backwards": True, "zero_output_for_mask": True},
        {"return_sequences": True, "zero_output_for_mask": True},
    ],
    ids=["last", "sequences", "sequences_backwards", "backwards_zero", "sequences_zero"],
)
def test_masked_forward_matches_numpy(backend, rng, kind, options):
    layer = CLASSES[kind](UNITS, return_state=True, **options)
    x = rng.standard_normal((4, TIME, FEATURES)).astype("float32")
    initial = [rng.standard_normal((4, UNITS)).astype("float32") for _ in range(ref.NUM_STATES[kind])]
    layer(x)
    weights = _random_weights(layer, rng)
    out, *states = layer(x, initial_state=initial, mask=ops.convert_to_tensor(MASK))
    want, want_states = ref.rnn(kind, x, weights, initial_state=initial, mask=MASK, **options)
    np.testing.assert_allclose(_np(out), want, rtol=1e-4, atol=1e-5)
    for got, expected in zip(states, want_states):
        np.testing.assert_allclose(_np(got), expected, rtol=1e-4, atol=1e-5)
    # the fully masked row keeps its initial states
    for got, start in zip(states, initial):
        np.testing.assert_allclose(_np(got)[3], start[3], rtol=1e-6)
    # masked steps make a difference (the test would pass without masking otherwise)
    assert not np.allclose(_np(layer(x, initial_state=initial)[0]), want, atol=1e-3)


def test_mask_of_ints_and_post_padding_equals_truncation(backend, rng):
    """A post-padded sequence gives the output of its unpadded prefix (mask given as 0/1 ints)."""
    layer = GRU(UNITS)
    x = rng.standard_normal((2, TIME, FEATURES)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype="int32")
    full = _np(layer(x, mask=mask))
    np.testing.assert_allclose(full[0], _np(layer(x[:1, :3]))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(full[1], _np(layer(x[1:]))[0], rtol=1e-5, atol=1e-6)


def test_output_mask(backend, rng):
    x = rng.standard_normal((4, TIME, FEATURES)).astype("float32")
    mask = ops.convert_to_tensor(MASK)
    seq = LSTM(UNITS, return_sequences=True)
    np.testing.assert_array_equal(_np(seq.compute_mask(x, mask)), MASK)
    assert LSTM(UNITS).compute_mask(x, mask) is None
    with_state = GRU(UNITS, return_sequences=True, return_state=True).compute_mask(x, mask)
    assert len(with_state) == 2 and with_state[1] is None
    np.testing.assert_array_equal(_np(with_state[0]), MASK)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_masked_gradients_match_finite_differences(backend, rng, kind):
    units, features = 2, 3
    layer = CLASSES[kind](units, return_sequences=True, go_backwards=True)
    x = rng.standard_normal((4, TIME, features)).astype("float32")
    mask = ops.convert_to_tensor(MASK)
    layer(x)
    weights = [w.astype("float64") for w in _random_weights(layer, rng)]
    target = rng.standard_normal((4, TIME, units))

    def loss_fn():
        return ops.sum(ops.multiply(layer(x, mask=mask), ops.convert_to_tensor(target.astype("float32"))))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()

    def numpy_loss(ws):
        out, _ = ref.rnn(kind, x, ws, mask=MASK, return_sequences=True, go_backwards=True)
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


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_masked_padded_batch_matches_keras(backend, rng, kind):
    """Embedding(mask_zero=True) + RNN on a padded batch, in Keras and here, with the same weights."""
    ids = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 5, 1], [6, 0, 2, 2, 0], [1, 2, 3, 4, 5]])
    options = {"return_sequences": True, "return_state": True, "go_backwards": kind == "gru"}
    their_emb = keras.layers.Embedding(7, FEATURES, mask_zero=True)
    theirs = _keras_layer(kind, **options)
    theirs(their_emb(ids))
    weights = [
        rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in their_emb.get_weights() + theirs.get_weights()
    ]
    their_emb.set_weights(weights[:1])
    theirs.set_weights(weights[1:])
    their_out = theirs(their_emb(ids))
    our_emb = unikeras.layers.Embedding(7, FEATURES, mask_zero=True)
    ours = CLASSES[kind](UNITS, **options)
    ours(our_emb(ids))
    our_emb.set_weights(weights[:1])
    ours.set_weights(weights[1:])
    our_out = ours(our_emb(ids))  # the mask travels on the embedding's output tensor
    assert len(our_out) == len(their_out)
    for got, want in zip(our_out, their_out):
        np.testing.assert_allclose(_np(got), keras.ops.convert_to_numpy(want), rtol=1e-4, atol=1e-5)
    model = unikeras.Sequential([unikeras.Input((5,)), our_emb, CLASSES[kind](UNITS, go_backwards=kind == "gru")])
    model.layers[1].set_weights(weights[1:])
    keras_model = keras.Sequential([keras.Input((5,)), their_emb, _keras_layer(kind, go_backwards=kind == "gru")])
    keras_model.layers[1].set_weights(weights[1:])
    np.testing.assert_allclose(model.predict(ids, verbose=0), keras_model.predict(ids, verbose=0), rtol=1e-4, atol=1e-5)


def test_rejects_bad_masks(backend, rng):
    layer = LSTM(2)
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    with pytest.raises(ValueError, match=r"LSTM '.*': `mask` must have shape \(batch, 3\)"):
        layer(x, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="`mask` must have shape"):
        layer(x, mask=np.ones((2, 3, 1), bool))


# ---------------------------------------------------------------------- dropout
def test_input_dropout_uses_one_mask_for_every_timestep(backend, rng):
    """A linear SimpleRNN with identity kernel and zero recurrence outputs the dropped inputs."""
    layer = SimpleRNN(4, activation=None, dropout=0.5, return_sequences=True, use_bias=False, seed=3)
    x = rng.uniform(1.0, 2.0, (8, TIME, 4)).astype("float32")
    layer(x)
    layer.set_weights([np.eye(4, dtype="float32"), np.zeros((4, 4), "float32")])
    np.testing.assert_allclose(_np(layer(x)), x, rtol=1e-6)  # inference: no dropout
    out = _np(layer(x, training=True))
    kept = out != 0
    assert kept.any() and (~kept).any()
    np.testing.assert_array_equal(kept, np.repeat(kept[:, :1], TIME, axis=1))  # same mask at every step
    np.testing.assert_allclose(out[kept], 2.0 * x[kept], rtol=1e-5)  # kept inputs scaled by 1 / (1 - rate)
    assert not np.array_equal(_np(layer(x, training=True)) != 0, kept)  # a new mask per call


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_recurrent_dropout_changes_training_outputs_only(backend, rng, kind):
    layer = CLASSES[kind](UNITS, dropout=0.3, recurrent_dropout=0.3, return_sequences=True)
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    layer(x)
    weights = _random_weights(layer, rng)
    want, _ = ref.rnn(kind, x, weights, return_sequences=True)
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(layer(x, training=False)), want, rtol=1e-4, atol=1e-5)
    assert not np.allclose(_np(layer(x, training=True)), want, atol=1e-3)


# ---------------------------------------------------------------------- regularizers, constraints
def test_regularizers_and_constraints(backend, rng):
    layer = LSTM(
        3,
        kernel_regularizer="l2",
        recurrent_regularizer=unikeras.regularizers.L1(0.1),
        bias_regularizer="l1",
        kernel_constraint="non_neg",
        recurrent_constraint=unikeras.constraints.MaxNorm(0.5),
        bias_constraint="non_neg",
    )
    x = rng.standard_normal((2, 3, 2)).astype("float32")
    layer(x)
    kernel, recurrent, bias = _random_weights(layer, rng)
    penalties = [float(_np(p)) for p in layer.losses]
    want = [0.01 * np.sum(kernel**2), 0.1 * np.sum(np.abs(recurrent)), 0.01 * np.sum(np.abs(bias))]
    np.testing.assert_allclose(penalties, want, rtol=1e-5)
    assert [w.constraint is not None for w in layer.weights] == [True, True, True]
    config = layer.get_config()
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["recurrent_constraint"]["class_name"] == "MaxNorm"
    config.pop("build_input_shape")
    clone = LSTM.from_config(config)
    assert clone.get_config() == config
    optimizer = unikeras.optimizers.SGD(0.1)
    optimizer.build(layer.trainable_weights)
    optimizer.apply([ops.zeros_like(w.value) for w in layer.trainable_weights], layer.trainable_weights)
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.min() >= 0 and bias.min() >= 0
    assert np.linalg.norm(recurrent, axis=0).max() <= 0.5 + 1e-5


def test_config_matches_keras_keys(backend):
    for kind in CLASSES:
        ours = set(CLASSES[kind](2).get_config())
        theirs = set(_keras_layer(kind).get_config())
        assert theirs - ours == set(), kind
        # Keras's SimpleRNN leaves its dropout `seed` out of its config; it is kept here
        assert ours - theirs == ({"seed"} if kind == "simple_rnn" else set()), kind


# ---------------------------------------------------------------------- symbolic initial_state
def test_symbolic_initial_state_is_a_node_input(backend, rng):
    x_in = unikeras.Input((TIME, FEATURES))
    h_in = unikeras.Input((UNITS,))
    c_seed = unikeras.Input((2,))
    c = unikeras.layers.Dense(UNITS)(c_seed)  # a state computed by another layer
    lstm = LSTM(UNITS, return_sequences=True)
    out = lstm(x_in, initial_state=[h_in, c])
    model = unikeras.Model([x_in, h_in, c_seed], out)
    assert len(model.layers) == 2
    x = rng.standard_normal((BATCH, TIME, FEATURES)).astype("float32")
    h = rng.standard_normal((BATCH, UNITS)).astype("float32")
    seed = rng.standard_normal((BATCH, 2)).astype("float32")
    got = model.predict([x, h, seed], verbose=0)
    c_value = _np(model.layers[0](seed))
    want, _ = ref.rnn("lstm", x, lstm.get_weights(), initial_state=[h, c_value], return_sequences=True)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="graph disconnected"):
        unikeras.Model(x_in, out)  # h_in is needed but not an input


def test_rejects_unsupported_arguments():
    with pytest.raises(ValueError, match=r"GRU 'g': `dropout` must be a float in \[0, 1\]"):
        GRU(2, dropout=1.5, name="g")
    with pytest.raises(ValueError, match="`recurrent_dropout`"):
        LSTM(2, recurrent_dropout=-0.1)
    with pytest.raises(ValueError, match="stateful=True"):
        SimpleRNN(2, stateful=True)
