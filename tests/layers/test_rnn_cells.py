"""RNN, SimpleRNNCell, GRUCell, LSTMCell and StackedRNNCells on every backend: NumPy references
(tests/reference/rnn_cells.py), the cells against the fused SimpleRNN/LSTM/GRU layers (outputs and
gradients), Keras with the same weights, user cells and serialization, dropout, errors, training.
Shapes, config round trips and Keras parity of a stacked RNN also run in the layer catalogue
(tests/layers/catalogue_rnn.py); finite-difference gradients in tests/layers/test_gradients.py."""

from __future__ import annotations

import functools
import json
import os
from typing import Any

import numpy as np
import pytest

import unikeras
from tests.reference import rnn_cells as ref
from unikeras import layers, ops
from unikeras.saving import register_keras_serializable

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

MASK = np.array([[True, True, False, True], [False, True, True, True]])


def _np(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_np(t) for t in x]
    return np.asarray(ops.convert_to_numpy(x))


def _random_weights(layer: Any, rng: np.random.Generator) -> list[np.ndarray]:
    weights = [rng.uniform(-0.8, 0.8, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


# ---------------------------------------------------------------------- NumPy references
def test_rnn_matches_numpy(backend, rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")

    # LSTMCell with a mask and an initial state, sequences
    layer = layers.RNN(layers.LSTMCell(3), return_sequences=True)
    states = [rng.standard_normal((2, 3)).astype("float32") for _ in range(2)]
    layer(x)
    step, _ = ref.dense_step("lstm", _random_weights(layer, rng))
    want, _ = ref.rnn(step, x, states, mask=MASK, return_sequences=True)
    got = layer(x, initial_state=states, mask=ops.convert_to_tensor(MASK))
    np.testing.assert_allclose(_np(got), want, rtol=1e-4, atol=1e-5)

    # GRUCell(reset_after=False), backwards, zeros at masked steps
    layer = layers.RNN(layers.GRUCell(3, reset_after=False), return_sequences=True, go_backwards=True)
    layer.zero_output_for_mask = True
    layer(x)
    step, _ = ref.dense_step("gru_reset_before", _random_weights(layer, rng))
    want, _ = ref.rnn(
        step, x, [np.zeros((2, 3))], mask=MASK, return_sequences=True, go_backwards=True, zero_output_for_mask=True
    )
    np.testing.assert_allclose(_np(layer(x, mask=MASK)), want, rtol=1e-4, atol=1e-5)

    # stacked SimpleRNNCell + LSTMCell, final states returned flat
    layer = layers.RNN([layers.SimpleRNNCell(3), layers.LSTMCell(2)], return_state=True)
    layer(x)
    weights = _random_weights(layer, rng)
    step, count = ref.stacked_step([ref.dense_step("simple_rnn", weights[:3]), ref.dense_step("lstm", weights[3:])])
    zeros = [np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 2))]
    want, want_states = ref.rnn(step, x, zeros)
    got = _np(layer(x))
    assert count == 3 and len(got) == 4
    for a, b in zip(got, [want, *want_states]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert [tuple(s) for s in layer.compute_output_shape((2, 4, 3))] == [a.shape for a in got]
    symbolic = layers.RNN([layers.SimpleRNNCell(3), layers.LSTMCell(2)], return_state=True)(unikeras.Input((4, 3)))
    assert [tuple(t.shape) for t in symbolic] == [(None, 2), (None, 3), (None, 2), (None, 2)]


def test_cell_call_is_one_step(backend, rng):
    x = rng.standard_normal((2, 3)).astype("float32")
    h = rng.standard_normal((2, 4)).astype("float32")
    c = rng.standard_normal((2, 4)).astype("float32")
    for cell, kind, states in [
        (layers.LSTMCell(4), "lstm", [h, c]),
        (layers.GRUCell(4), "gru", [h]),
        (layers.GRUCell(4, reset_after=False), "gru_reset_before", [h]),
        (layers.SimpleRNNCell(4), "simple_rnn", [h]),
    ]:
        output, new_states = cell(x, [ops.convert_to_tensor(s) for s in states])
        step, count = ref.dense_step(kind, _random_weights(cell, rng))
        output, new_states = cell(x, [ops.convert_to_tensor(s) for s in states])
        want, want_states = step(x, states)
        assert len(new_states) == count
        np.testing.assert_allclose(_np(output), want, rtol=1e-4, atol=1e-5)
        for a, b in zip(_np(new_states), want_states):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # a single state given as a tensor comes back as a tensor (Keras)
    output, state = cell(x, ops.convert_to_tensor(h))
    assert ops.is_tensor(state)
    np.testing.assert_allclose(_np(state), _np(output))


def test_cells_equal_the_fused_layers(backend, rng):
    """RNN(<cell>) gives the SimpleRNN/LSTM/GRU layer's outputs (that layer runs the framework's fused
    kernel where it has one), and for LSTMCell (no finite-difference case of its own) the same weight
    gradients as LSTM, whose gradients tests/layers/test_gradients.py checks."""
    x = rng.standard_normal((2, 3, 2)).astype("float32")
    target = ops.convert_to_tensor(rng.standard_normal((2, 3, 3)).astype("float32"))
    for layer_cls, cell_cls in [("SimpleRNN", "SimpleRNNCell"), ("GRU", "GRUCell"), ("LSTM", "LSTMCell")]:
        fused = getattr(layers, layer_cls)(3, return_sequences=True)
        generic = layers.RNN(getattr(layers, cell_cls)(3), return_sequences=True)
        fused(x)
        generic(x)
        generic.set_weights(_random_weights(fused, rng))
        np.testing.assert_allclose(_np(generic(x)), _np(fused(x)), rtol=1e-5, atol=1e-6)
    grads = []
    for layer in (fused, generic):
        loss = functools.partial(lambda lay: ops.sum(ops.multiply(lay(x), target)), layer)
        grads.append(_np(ops.value_and_grad(loss, layer.trainable_weights)()[1]))
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------- Keras
@functools.cache
def _keras_outputs(case: str) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    if case == "lstm_state":
        layer = keras.layers.RNN(keras.layers.LSTMCell(3), return_state=True)
    else:
        layer = keras.layers.Bidirectional(keras.layers.RNN(keras.layers.LSTMCell(2), return_sequences=True))
    layer(x)
    weights = [rng.uniform(-1, 1, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    out = layer(x)
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    return x, weights, [keras.ops.convert_to_numpy(o) for o in out]


@pytest.mark.parametrize("case", ["lstm_state", "bidirectional"])
def test_matches_keras(backend, case):
    x, weights, want = _keras_outputs(case)
    if case == "lstm_state":
        layer = layers.RNN(layers.LSTMCell(3), return_state=True)
    else:
        layer = layers.Bidirectional(layers.RNN(layers.LSTMCell(2), return_sequences=True))
    layer(x)
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"] * (1 + (case != "lstm_state"))
    layer.set_weights(weights)
    got = _np(layer(x))
    got = got if isinstance(got, list) else [got]
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------- user cells and serialization
@register_keras_serializable(package="tests_rnn")
class MinimalCell(layers.Layer):
    """Keras's documented minimal cell: ``h = x @ kernel + tanh(h_prev) @ recurrent_kernel``."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape: tuple) -> None:
        self.kernel = self.add_weight((input_shape[-1], self.units), "glorot_uniform", name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), "orthogonal", name="recurrent_kernel")

    def call(self, inputs: Any, states: list) -> tuple[Any, list]:
        h = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(ops.tanh(states[0]), self.recurrent_kernel))
        return h, [h]

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units}


def test_user_cell_and_config_round_trip(backend, rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    layer = layers.RNN([MinimalCell(2), layers.GRUCell(3, dropout=0.2)], return_sequences=True, go_backwards=True)
    layer(x)
    weights = _random_weights(layer, rng)

    def minimal(x_t, states):
        h = x_t @ weights[0].astype("float64") + np.tanh(states[0]) @ weights[1].astype("float64")
        return h, [h]

    step, _ = ref.stacked_step([(minimal, 1), ref.dense_step("gru", weights[2:])])
    want, _ = ref.rnn(step, x, [np.zeros((2, 2)), np.zeros((2, 3))], return_sequences=True, go_backwards=True)
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-4, atol=1e-5)
    config = json.loads(json.dumps(layer.get_config()))
    assert config["cell"]["class_name"] == "StackedRNNCells"
    assert config["cell"]["config"]["cells"][0]["registered_name"] == "tests_rnn>MinimalCell"
    clone = layers.RNN.from_config(config)
    clone(x)
    clone.set_weights(weights)
    assert [type(c) for c in clone.cell.cells] == [MinimalCell, layers.GRUCell]
    assert clone.cell.cells[1].dropout == 0.2
    np.testing.assert_allclose(_np(clone(x)), _np(layer(x)), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------- dropout
def test_dropout_masks_are_drawn_once_per_call(backend):
    """Input dropout multiplies every timestep by the same mask; none at inference."""
    cell = layers.SimpleRNNCell(4, activation=None, use_bias=False, dropout=0.5, seed=3)
    layer = layers.RNN(cell, return_sequences=True)
    x = np.ones((3, 5, 4), "float32")
    layer(x)
    layer.set_weights([np.eye(4, dtype="float32"), np.zeros((4, 4), "float32")])
    np.testing.assert_allclose(_np(layer(x, training=False)), x)
    out = _np(layer(x, training=True))
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.0 in out and 2.0 in out
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1], out.shape))
    lstm = layers.RNN(layers.LSTMCell(3, dropout=0.3, recurrent_dropout=0.3), return_sequences=True)
    x = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")
    assert not np.allclose(_np(lstm(x, training=True)), _np(lstm(x, training=False)), atol=1e-3)
    assert lstm.cell._dropout_masks is None  # reset after the call, as Keras does


# ---------------------------------------------------------------------- errors
class _NoState:
    def call(self, inputs: Any, states: Any) -> Any:
        return inputs, states


def test_bad_arguments_and_inputs_raise(backend):
    with pytest.raises(ValueError, match="RNN 'r1'.*state_size"):
        layers.RNN(_NoState(), name="r1")
    with pytest.raises(ValueError, match="RNN 'r2'.*call"):
        layers.RNN(object(), name="r2")
    with pytest.raises(ValueError, match="RNN 'r3'.*stateful"):
        layers.RNN(layers.LSTMCell(2), stateful=True, name="r3")
    with pytest.raises(ValueError, match="StackedRNNCells 's1'.*state_size"):
        layers.StackedRNNCells([layers.LSTMCell(2), _NoState()], name="s1")
    with pytest.raises(ValueError, match="LSTMCell 'c1'.*units"):
        layers.LSTMCell(0, name="c1")
    with pytest.raises(ValueError, match="GRUCell 'c2'.*dropout"):
        layers.GRUCell(2, dropout=1.5, name="c2")
    layer = layers.RNN(layers.LSTMCell(2), name="r4")
    with pytest.raises(ValueError, match="RNN 'r4'.*rank"):
        layer(np.zeros((2, 3), "float32"))
    x = np.zeros((2, 3, 2), "float32")
    with pytest.raises(ValueError, match=r"RNN 'r4'.*2 initial state"):
        layer(x, initial_state=[np.zeros((2, 2), "float32")])
    with pytest.raises(ValueError, match="RNN 'r4'.*mask"):
        layer(x, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="RNN 'r4'.*axis 2"):
        layer(np.zeros((2, 3, 5), "float32"))


# ---------------------------------------------------------------------- training
def test_stacked_rnn_model_learns(backend, rng):
    """Also runs the cells' dropout masks inside each backend's compiled train step."""
    x = rng.uniform(-1.0, 1.0, (64, 4, 1)).astype("float32")
    y = x.sum(axis=1)
    cells = [layers.GRUCell(8, dropout=0.05), layers.LSTMCell(8, recurrent_dropout=0.05)]
    model = unikeras.Sequential([unikeras.Input((4, 1)), layers.RNN(cells), layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.Adam(learning_rate=0.02), loss="mse")
    losses = model.fit(x, y, batch_size=16, epochs=6, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] <= 0.6 * losses[0], losses
