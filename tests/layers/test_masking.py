"""Masks: the Masking layer against NumPy, the Layer mask mechanism (supports_masking, compute_mask,
the ``mask`` call argument, masks attached to eager tensors), and masks flowing through Sequential,
functional and subclassed models, eagerly and inside every backend's compiled steps."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest

import unikeras
from tests.reference import recurrent as ref
from unikeras import layers, ops
from unikeras.layers.layer import Layer, get_keras_mask, set_keras_mask
from unikeras.layers.masking import Masking

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

TIME, FEATURES, UNITS = 5, 3, 4


def _np(x):
    return ops.convert_to_numpy(x)


def _padded(rng, batch=4, value=0.0):
    """Sequences with padded (all-``value``) timesteps at the end, the start and in the middle."""
    x = rng.standard_normal((batch, TIME, FEATURES)).astype("float32")
    x[0, 3:] = value
    x[1, :2] = value
    x[2, 1] = value
    x[3, 2, 0] = value  # one feature equal to the mask value does not mask the timestep
    return x


# ---------------------------------------------------------------------- the Masking layer
@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_matches_numpy(backend, rng, mask_value):
    layer = Masking(mask_value=mask_value)
    x = _padded(rng, value=mask_value)
    want, want_mask = ref.masking(x, mask_value)
    out = layer(x)
    np.testing.assert_array_equal(_np(out), want)
    np.testing.assert_array_equal(_np(layer.compute_mask(ops.convert_to_tensor(x))), want_mask)
    np.testing.assert_array_equal(_np(get_keras_mask(out)), want_mask)
    assert want_mask[3].all() and not want_mask[2, 1]


def test_masking_shapes_and_config(backend, rng):
    layer = Masking(mask_value=2.5, name="pad")
    symbolic = layer(unikeras.Input((TIME, FEATURES)))
    real = layer(_padded(rng))
    assert symbolic.shape == (None, TIME, FEATURES)
    assert tuple(ops.shape(real)) == (4, TIME, FEATURES) == layer.compute_output_shape((4, TIME, FEATURES))
    config = layer.get_config()
    assert config.pop("build_input_shape") == [None, TIME, FEATURES]
    assert config["mask_value"] == 2.5
    clone = Masking.from_config(config)
    assert clone.get_config() == config
    x = _padded(rng, value=2.5)
    np.testing.assert_array_equal(_np(clone(x)), _np(layer(x)))
    assert set(keras.layers.Masking(2.5).get_config()) == set(config)


def test_masking_rejects_bad_arguments(backend, rng):
    with pytest.raises(ValueError, match=r"Masking 'm': `mask_value` must be a number"):
        Masking(mask_value="zero", name="m")
    with pytest.raises(ValueError, match=r"Masking '.*': expected input of rank >= 2"):
        Masking()(np.zeros((3,), "float32"))


# ---------------------------------------------------------------------- the mechanism
class _MaskReader(Layer):
    """Records the mask its call receives."""

    supports_masking = True

    def call(self, inputs, mask=None):
        self.seen = mask
        return inputs


def test_mask_reaches_call_and_passes_through(backend, rng):
    x = _padded(rng)
    reader = _MaskReader()
    out = reader(Masking()(x))
    _, want_mask = ref.masking(x)
    np.testing.assert_array_equal(_np(reader.seen), want_mask)
    np.testing.assert_array_equal(_np(get_keras_mask(out)), want_mask)
    explicit = np.ones((4, TIME), bool)
    reader(Masking()(x), mask=explicit)  # an explicit mask wins over the attached one
    np.testing.assert_array_equal(_np(reader.seen), explicit)
    reader(x)
    assert reader.seen is None
    # TimeDistributed folds time into the batch for its layer's mask too
    wrapped = _MaskReader()
    out = layers.TimeDistributed(wrapped)(Masking()(x))
    np.testing.assert_array_equal(_np(wrapped.seen), want_mask.reshape(-1))
    np.testing.assert_array_equal(_np(get_keras_mask(out)), want_mask)


def test_compute_mask_defaults(backend, rng):
    mask = ops.convert_to_tensor(np.array([[True, False], [True, True]]))
    other = ops.convert_to_tensor(np.array([[False, False], [True, True]]))
    assert not Layer.supports_masking
    assert layers.Flatten().compute_mask(None, mask) is None  # Keras's Flatten drops masks
    assert layers.Dense(2).compute_mask(None, mask) is mask
    assert layers.Dense(2).supports_masking and layers.Dropout(0.1).supports_masking
    both = layers.Add().compute_mask(None, [mask, other])  # merge layers: logical and
    np.testing.assert_array_equal(_np(both), [[False, False], [True, True]])
    assert layers.Add().compute_mask(None, [None, None]) is None
    assert Masking.supports_masking and layers.LSTM.supports_masking  # compute_mask overridden


def test_layer_without_masking_support_drops_the_mask_with_a_warning(backend, rng):
    with pytest.warns(UserWarning, match="does not support masking"):
        out = layers.Flatten()(Masking()(_padded(rng)))
    assert get_keras_mask(out) is None


class _Slotted:
    """A tensor-like object that takes no attributes (as JAX tracers), but weak references."""

    __slots__ = ("__weakref__",)


def test_mask_registry_for_objects_without_attributes():
    tensor = _Slotted()
    set_keras_mask(tensor, "mask")
    assert get_keras_mask(tensor) == "mask"
    assert get_keras_mask(_Slotted()) is None
    set_keras_mask(tensor, None)
    assert get_keras_mask(tensor) is None
    set_keras_mask(tensor, "again")
    from unikeras.layers import layer as layer_module

    key = id(tensor)
    del tensor
    gc.collect()
    assert key not in layer_module._mask_registry  # the entry dies with its tensor


# ---------------------------------------------------------------------- masks through models
def _masked_reference(x, weights, return_sequences=False):
    out, mask = ref.masking(x)
    dense = out @ weights[0] + weights[1]
    return ref.rnn("lstm", dense, weights[2:], mask=mask, return_sequences=return_sequences)[0]


def _random_weights(model, rng):
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(weights)
    return weights


def test_mask_flows_through_sequential(backend, rng):
    model = unikeras.Sequential(
        [
            unikeras.Input((TIME, FEATURES)),
            Masking(),
            layers.TimeDistributed(layers.Dense(UNITS)),
            layers.Dropout(0.2),
            layers.LSTM(UNITS, return_sequences=True),
        ]
    )
    weights = _random_weights(model, rng)
    x = _padded(rng)
    out = model(x)
    np.testing.assert_allclose(_np(out), _masked_reference(x, weights, True), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(_np(get_keras_mask(out)), ref.masking(x)[1])  # the model's output mask
    # compiled predict and evaluate steps propagate the mask too
    np.testing.assert_allclose(model.predict(x, verbose=0), _masked_reference(x, weights, True), rtol=1e-4, atol=1e-5)


def test_mask_flows_through_functional_model(backend, rng):
    inputs = unikeras.Input((TIME, FEATURES))
    masked = Masking()(inputs)
    left = layers.Dense(UNITS)(masked)
    right = layers.Dense(UNITS)(masked)
    merged = layers.Add()([left, right])  # masks of both branches combine
    outputs = layers.LSTM(UNITS)(merged)
    model = unikeras.Model(inputs, outputs)
    weights = _random_weights(model, rng)
    x = _padded(rng)
    out, mask = ref.masking(x)
    summed = out @ weights[0] + weights[1] + out @ weights[2] + weights[3]
    want = ref.rnn("lstm", summed, weights[4:], mask=mask)[0]
    np.testing.assert_allclose(_np(model(x)), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-4, atol=1e-5)
    # an explicit mask for the model input reaches the first layers
    no_mask = np.ones((4, TIME), bool)
    no_masking = unikeras.Model(inputs, layers.LSTM(UNITS)(layers.Dense(UNITS)(inputs)))
    lstm = no_masking.layers[-1]
    keep = np.array([[1, 1, 0, 0, 0]] * 4, bool)
    first = no_masking(x, mask=keep)
    assert not np.allclose(_np(first), _np(no_masking(x, mask=no_mask)), atol=1e-4)
    dense_out = _np(no_masking.layers[0](x))
    np.testing.assert_allclose(_np(first), _np(lstm(dense_out[:, :2])), rtol=1e-4, atol=1e-5)


def test_eager_masks_between_layer_calls(backend, rng):
    """``x = emb(ids); y = lstm(x)`` outside a model, as in Keras."""
    ids = np.array([[4, 2, 0, 0], [1, 3, 3, 2]])
    emb = layers.Embedding(5, FEATURES, mask_zero=True)
    lstm = layers.LSTM(UNITS)
    y = lstm(emb(ids))
    np.testing.assert_allclose(_np(y), _np(lstm(emb(ids), mask=ids != 0)), rtol=1e-6)
    np.testing.assert_allclose(_np(y)[0], _np(lstm(emb(ids[:1, :2])))[0], rtol=1e-5, atol=1e-6)


class _Subclassed(unikeras.Model):
    def __init__(self):
        super().__init__()
        self.emb = layers.Embedding(6, FEATURES, mask_zero=True)
        self.rnn = layers.GRU(UNITS)
        self.out = layers.Dense(1)

    def call(self, inputs, training=None):
        x = self.emb(inputs)  # the mask travels on the tensor, also on traced ones (jax, tf.function)
        return self.out(self.rnn(x))


def test_masks_in_compiled_steps_of_a_subclassed_model(backend, rng):
    ids = rng.integers(1, 6, (8, TIME))
    ids[:4, 3:] = 0
    model = _Subclassed()
    eager = _np(model(ids))
    # post-padding is invisible to a masked GRU: same as the unpadded prefix
    np.testing.assert_allclose(eager[:4], _np(model(ids[:4, :3])), rtol=1e-5, atol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(model.predict(ids, verbose=0), eager, rtol=1e-4, atol=1e-5)


def test_masked_model_trains_with_fit(backend, rng):
    """A padded batch through Embedding(mask_zero=True) + SimpleRNN trains in each backend's compiled
    step; the compiled evaluate gives the loss of the masked NumPy reference."""
    ids = rng.integers(1, 8, (64, TIME))
    lengths = rng.integers(1, TIME + 1, 64)
    for row, length in zip(ids, lengths):
        row[length:] = 0
    y = (lengths / TIME).astype("float32")[:, None]
    model = unikeras.Sequential(
        [
            unikeras.Input((TIME,)),
            layers.Embedding(8, FEATURES, mask_zero=True),
            layers.SimpleRNN(UNITS),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(0.03), loss="mse")
    table, *rnn_weights, kernel, bias = model.get_weights()
    want = ref.rnn("simple_rnn", table[ids], rnn_weights, mask=ids != 0)[0] @ kernel + bias
    np.testing.assert_allclose(model.evaluate(ids, y, verbose=0), np.mean((want - y) ** 2), rtol=1e-4)
    losses = model.fit(ids, y, batch_size=16, epochs=4, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0], losses


def test_symbolic_mask_argument_is_a_model_input(backend, rng):
    inputs = unikeras.Input((TIME, FEATURES))
    mask = unikeras.Input((TIME,), dtype="bool")
    lstm = layers.LSTM(UNITS)
    model = unikeras.Model([inputs, mask], lstm(inputs, mask=mask))
    x = rng.standard_normal((2, TIME, FEATURES)).astype("float32")
    keep = np.array([[True, True, False, False, False], [True] * TIME])
    got = model.predict([x, keep], verbose=0)
    np.testing.assert_allclose(got[0], _np(lstm(x[:1, :2]))[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], _np(lstm(x[1:]))[0], rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------- layers that consume masks
def test_global_average_pooling_1d_averages_kept_steps_only(backend, rng):
    ids = np.array([[3, 1, 0, 0], [2, 2, 4, 0], [0, 0, 0, 0]], dtype="int32")  # the last row is all padding
    embedding = layers.Embedding(5, 3, mask_zero=True)
    pooled = layers.GlobalAveragePooling1D()(embedding(ids))
    table = embedding.get_weights()[0].astype("float64")
    keep = (ids != 0)[..., None]
    with np.errstate(invalid="ignore"):
        expected = (table[ids] * keep).sum(axis=1) / keep.sum(axis=1)
    np.testing.assert_allclose(_np(pooled), expected, rtol=1e-5, atol=1e-6)  # 0/0 gives NaN, as in Keras
    k_embedding = keras.layers.Embedding(5, 3, mask_zero=True)
    k_embedding.build((None, 4))
    k_embedding.set_weights(embedding.get_weights())
    k_pooled = keras.layers.GlobalAveragePooling1D()(k_embedding(ids))
    np.testing.assert_allclose(_np(pooled), np.asarray(k_pooled), rtol=1e-5, atol=1e-6)


def test_global_average_pooling_1d_channels_first_mask_and_no_output_mask(backend, rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")  # (batch, channels, steps)
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], dtype=bool)
    layer = layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    out = layer(x, mask=ops.convert_to_tensor(mask))
    w = mask[:, None, :].astype("float64")
    np.testing.assert_allclose(_np(out), (x * w).sum(-1, keepdims=True) / w.sum(-1, keepdims=True), rtol=1e-5)
    assert layer.compute_mask(x, mask) is None


def test_concatenate_mask_matches_keras(backend):
    ids_a = np.array([[1, 2, 0], [0, 3, 4]], dtype="int32")
    ids_b = np.array([[5, 0, 0], [1, 1, 1]], dtype="int32")
    concat = layers.Concatenate(axis=1)
    a, b = layers.Embedding(6, 2, mask_zero=True), layers.Embedding(6, 2)  # b carries no mask
    out_steps = concat([a(ids_a), b(ids_b)])
    mask_steps = _np(get_keras_mask(out_steps))
    expected_steps = np.concatenate([ids_a != 0, np.ones_like(ids_b, bool)], axis=1)
    np.testing.assert_array_equal(mask_steps, expected_steps)
    mask_features = _np(layers.Concatenate(axis=-1).compute_mask([a(ids_a), a(ids_a)], [ids_a != 0, None]))
    np.testing.assert_array_equal(mask_features, np.ones_like(ids_a, bool))  # any() over the features
    k_mask = keras.layers.Concatenate(axis=1).compute_mask(
        [np.zeros((2, 3, 2), "float32"), np.zeros((2, 3, 2), "float32")], [ids_a != 0, None]
    )
    np.testing.assert_array_equal(mask_steps, np.asarray(k_mask))
