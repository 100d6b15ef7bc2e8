"""The remaining core layers against NumPy (tests/reference/misc_layers.py) on every backend: regularization
(AlphaDropout, GaussianDropout, SpatialDropout3D, ActivityRegularization), 3-D reshaping, Identity,
RMSNormalization, adaptive pooling, SpectralNormalization, Wrapper, ReversibleEmbedding, InputSpec and
``layers.serialize`` / ``deserialize``. Shapes, config round trips and Keras parity of the table entries run
in test_catalogue.py (tests/layers/catalogue_misc.py), gradients in test_gradients.py."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

import unikeras
from tests.reference import misc_layers as ref
from unikeras import layers, ops
from unikeras.layers.input_spec import apply_input_spec, assert_input_compatibility

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

RTOL, ATOL = 1e-4, 1e-5


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# ---------------------------------------------------------------------- regularization
def test_alpha_dropout_training_is_the_affine_map_of_its_mask(backend, rng):
    rate = 0.3
    x = rng.standard_normal((400, 50)).astype("float32")
    layer = layers.AlphaDropout(rate, seed=3)
    np.testing.assert_array_equal(_np(layer(x)), x)  # inference: the identity
    out = _np(layer(x, training=True)).astype(np.float64)
    kept_value = ref.alpha_dropout(x, np.ones_like(x, bool), rate)
    dropped_value = ref.alpha_dropout(x, np.zeros_like(x, bool), rate)
    keep = np.isclose(out, kept_value, rtol=RTOL, atol=ATOL)
    assert np.all(keep | np.isclose(out, dropped_value, rtol=RTOL, atol=ATOL))
    np.testing.assert_allclose(out, ref.alpha_dropout(x, keep, rate), rtol=RTOL, atol=ATOL)
    assert abs(1 - keep.mean() - rate) < 0.02  # 20000 draws: the drop fraction is the rate
    assert abs(out.mean()) < 0.05 and abs(out.var() - 1) < 0.06  # zero mean, unit variance kept
    again = layers.AlphaDropout(rate, seed=3)
    np.testing.assert_array_equal(_np(again(x, training=True)), out.astype("float32"))  # seeded


def test_alpha_dropout_noise_shape_broadcasts_the_mask(backend, rng):
    x = rng.standard_normal((4, 6, 3)).astype("float32")
    out = _np(layers.AlphaDropout(0.5, noise_shape=(None, 1, 3), seed=1)(x, training=True))
    keep = np.isclose(out, ref.alpha_dropout(x, np.ones_like(x, bool), 0.5), rtol=RTOL, atol=ATOL)
    assert np.all(keep == keep[:, :1, :])  # one decision per (sample, channel)


def test_gaussian_dropout_multiplies_by_mean_one_noise(backend, rng):
    rate = 0.2
    x = rng.uniform(0.5, 1.5, (200, 100)).astype("float32")
    layer = layers.GaussianDropout(rate, seed=5)
    np.testing.assert_array_equal(_np(layer(x)), x)
    noise = _np(layer(x, training=True)).astype(np.float64) / x
    assert abs(noise.mean() - 1) < 0.01
    assert abs(noise.std() - np.sqrt(rate / (1 - rate))) < 0.01
    np.testing.assert_array_equal(
        _np(layers.GaussianDropout(rate, seed=5)(x, training=True)),
        _np(layers.GaussianDropout(rate, seed=5)(x, training=True)),
    )


def test_spatial_dropout3d_drops_whole_channels(backend, rng):
    x = rng.uniform(0.5, 1.5, (8, 3, 2, 2, 4)).astype("float32")
    for data_format, spatial in (("channels_last", (1, 2, 3)), ("channels_first", (2, 3, 4))):
        layer = layers.SpatialDropout3D(0.5, data_format=data_format, seed=2)
        np.testing.assert_array_equal(_np(layer(x)), x)
        out = _np(layer(x, training=True))
        kept = out != 0
        assert np.all(kept == kept.all(axis=spatial, keepdims=True))  # a channel is kept or dropped whole
        np.testing.assert_allclose(out[kept], x[kept] / 0.5, rtol=RTOL, atol=ATOL)
        assert 0.2 < kept.mean() < 0.8


def test_activity_regularization_adds_its_penalty_per_sample(backend, rng):
    x = rng.standard_normal((4, 3)).astype("float32")
    layer = layers.ActivityRegularization(l1=0.01, l2=0.1)
    np.testing.assert_array_equal(_np(layer(x)), x)
    (loss,) = layer.losses
    expected = (0.01 * np.abs(x).sum() + 0.1 * (x.astype(np.float64) ** 2).sum()) / 4
    np.testing.assert_allclose(_np(loss), expected, rtol=RTOL)
    assert "activity_regularizer" not in layer.get_config()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.AlphaDropout(1.0), "AlphaDropout '.*': `rate`"),
        (lambda: layers.GaussianDropout(-0.1), "GaussianDropout '.*': `rate`"),
        (lambda: layers.SpatialDropout3D(0.5, data_format="nchw"), "SpatialDropout3D '.*': `data_format`"),
        (lambda: layers.ActivityRegularization(l1=-1.0), "ActivityRegularization '.*': `l1`"),
        (lambda: layers.ZeroPadding3D(padding=(1, 2)), "ZeroPadding3D '.*': `padding`"),
        (lambda: layers.Cropping3D(cropping=((1, 1), (1, -1), (0, 0))), "Cropping3D '.*': `cropping`"),
        (lambda: layers.UpSampling3D(size=(2, 0, 1)), "UpSampling3D '.*': `size`"),
        (lambda: layers.RMSNormalization(axis="last"), "RMSNormalization '.*': `axis`"),
        (lambda: layers.AdaptiveMaxPooling3D((2, 0, 2)), "AdaptiveMaxPooling3D '.*': `output_size`"),
        (lambda: layers.AdaptiveAveragePooling1D((2, 3)), "AdaptiveAveragePooling1D '.*': `output_size`"),
        (lambda: layers.SpectralNormalization(layers.Dense(2), power_iterations=0), "`power_iterations`"),
        (lambda: layers.SpectralNormalization("dense"), "SpectralNormalization '.*': `layer`"),
        (lambda: layers.ReversibleEmbedding(4, 2, logit_soft_cap=-1.0), "ReversibleEmbedding '.*': `logit_soft_cap`"),
    ],
)
def test_bad_arguments_raise_naming_the_layer(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_adaptive_pooling_2d_size_of_wrong_length_is_a_type_error():
    with pytest.raises(TypeError, match="AdaptiveAveragePooling2D '.*': `output_size`"):  # as Keras
        layers.AdaptiveAveragePooling2D((2, 3, 4))


# ---------------------------------------------------------------------- 3-D reshaping
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_reshaping_3d_against_numpy(backend, rng, data_format):
    x = rng.standard_normal((2, 3, 4, 5, 3)).astype("float32")
    pads, crops, sizes = [(1, 0), (0, 2), (1, 1)], [(1, 0), (0, 1), (2, 0)], [2, 1, 3]
    cases = [
        (layers.ZeroPadding3D(pads, data_format=data_format), ref.zero_pad(x, pads, data_format)),
        (layers.Cropping3D(crops, data_format=data_format), ref.crop(x, crops, data_format)),
        (layers.UpSampling3D(sizes, data_format=data_format), ref.upsample(x, sizes, data_format)),
    ]
    for layer, expected in cases:
        np.testing.assert_allclose(_np(layer(x)), expected, rtol=RTOL, atol=ATOL)
    symmetric = layers.ZeroPadding3D((1, 2, 0), data_format=data_format)
    np.testing.assert_allclose(_np(symmetric(x)), ref.zero_pad(x, [(1, 1), (2, 2), (0, 0)], data_format))


def test_cropping3d_that_leaves_nothing_raises(backend, rng):
    with pytest.raises(ValueError, match="Cropping3D '.*': cropping"):
        layers.Cropping3D(2)(rng.standard_normal((1, 4, 5, 5, 1)).astype("float32"))


def test_identity_passes_structures_and_masks(backend, rng):
    x = rng.standard_normal((2, 3)).astype("float32")
    pair = layers.Identity()([x, x + 1])
    np.testing.assert_array_equal(_np(pair[1]), x + 1)
    ids = np.array([[1, 0, 2]], "int32")
    embedded = layers.Embedding(3, 2, mask_zero=True)(ids)
    out = layers.Identity()(embedded)
    np.testing.assert_array_equal(_np(out._keras_mask if hasattr(out, "_keras_mask") else None), ids != 0)


# ---------------------------------------------------------------------- RMSNormalization
@pytest.mark.parametrize("axis", [-1, (1, 2)])
def test_rms_normalization_against_numpy(backend, rng, axis):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    layer = layers.RMSNormalization(axis=axis, epsilon=1e-3)
    layer(x)
    axes = (2,) if axis == -1 else axis
    scale = rng.uniform(0.5, 1.5, layer.get_weights()[0].shape).astype("float32")
    layer.set_weights([scale])
    np.testing.assert_allclose(_np(layer(x)), ref.rms_normalize(x, scale, axes, 1e-3), rtol=RTOL, atol=ATOL)


def test_rms_normalization_rejects_a_wrong_normalized_axis(backend, rng):
    layer = layers.RMSNormalization()
    layer(rng.standard_normal((2, 4)).astype("float32"))
    layer(rng.standard_normal((2, 3, 4)).astype("float32"))  # any rank, as Keras
    with pytest.raises(ValueError, match="RMSNormalization '.*': incompatible input"):
        layer(rng.standard_normal((2, 5)).astype("float32"))
    with pytest.raises(ValueError, match="RMSNormalization '.*': axis 3 is out of bounds"):
        layers.RMSNormalization(axis=3)(rng.standard_normal((2, 4)).astype("float32"))


# ---------------------------------------------------------------------- adaptive pooling
@pytest.mark.parametrize(
    "name, shape, size, data_format",
    [
        ("AdaptiveAveragePooling1D", (2, 7, 3), (3,), "channels_last"),
        ("AdaptiveMaxPooling2D", (2, 2, 5, 7), (3, 4), "channels_first"),
        ("AdaptiveAveragePooling3D", (1, 5, 4, 3, 2), (2, 3, 2), "channels_last"),
    ],
)
def test_adaptive_pooling_against_numpy(backend, rng, name, shape, size, data_format):
    x = rng.standard_normal(shape).astype("float32")
    layer = getattr(layers, name)(size, data_format=data_format)
    kind = "average" if "Average" in name else "max"
    out = _np(layer(x))
    np.testing.assert_allclose(out, ref.adaptive_pool(x, size, kind, data_format), rtol=RTOL, atol=ATOL)
    assert out.shape == layer.compute_output_shape(shape)


# ---------------------------------------------------------------------- SpectralNormalization and Wrapper
def test_spectral_normalization_training_call_normalizes_the_kernel(backend, rng):
    x = rng.standard_normal((3, 4)).astype("float32")
    layer = layers.SpectralNormalization(layers.Dense(5), power_iterations=2)
    layer(x)
    kernel = rng.standard_normal((4, 5)).astype("float32")
    u = rng.standard_normal((1, 5)).astype("float32")
    bias = rng.standard_normal(5).astype("float32")
    layer.set_weights([kernel, u, bias])  # Keras's order: kernel, vector_u, bias
    np.testing.assert_allclose(_np(layer(x)), x @ kernel + bias, rtol=RTOL, atol=ATOL)  # inference: as it is
    new_u, normalized = ref.spectral_normalize(kernel, u, 2)
    out = _np(layer(x, training=True))
    np.testing.assert_allclose(out, x @ normalized + bias, rtol=RTOL, atol=ATOL)
    got_kernel, got_u, _ = layer.get_weights()
    np.testing.assert_allclose(got_kernel, normalized, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_u, new_u, rtol=RTOL, atol=ATOL)
    layer.set_weights([np.zeros_like(kernel), u, bias])  # an all-zero kernel is left alone
    np.testing.assert_allclose(_np(layer(x, training=True)), np.broadcast_to(bias, (3, 5)), rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(layer.get_weights()[1], u)


def test_spectral_normalization_updates_persist_through_a_compiled_fit_step(backend, rng):
    """A training step of ``fit`` (the backend's compiled step) keeps the normalized kernel and the new
    ``vector_u`` it assigned (a zero learning rate leaves them as assigned)."""
    layer = layers.SpectralNormalization(layers.Dense(2))
    model = unikeras.Sequential([unikeras.Input((3,)), layer])
    model.compile(optimizer=unikeras.optimizers.SGD(0.0), loss="mse")
    kernel, u, _ = layer.get_weights()
    x, y = rng.standard_normal((4, 3)).astype("float32"), rng.standard_normal((4, 2)).astype("float32")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    new_u, normalized = ref.spectral_normalize(kernel, u, 1)
    np.testing.assert_allclose(layer.get_weights()[0], normalized, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.get_weights()[1], new_u, rtol=RTOL, atol=ATOL)


def test_spectral_normalization_needs_a_kernel(backend, rng):
    with pytest.raises(ValueError, match="SpectralNormalization '.*': the wrapped ReLU has no `kernel`"):
        layers.SpectralNormalization(layers.ReLU())(rng.standard_normal((2, 3)).astype("float32"))


def test_wrapper_base_class(backend, rng):
    """Wrapper builds and serializes its layer; it has no call of its own (as in Keras)."""
    wrapper = layers.Wrapper(layers.Dense(2, name="inner"), name="wrap")
    wrapper.build((None, 3))
    assert wrapper.layer.built and [w.name for w in wrapper.weights] == ["kernel", "bias"]
    config = wrapper.get_config()
    theirs = keras.layers.Wrapper(keras.layers.Dense(2, name="inner"), name="wrap").get_config()
    assert set(config) - {"build_input_shape"} == set(theirs)
    clone = layers.Wrapper.from_config(json.loads(json.dumps(config)))
    assert type(clone.layer) is layers.Dense and clone.layer.units == 2
    with pytest.raises(ValueError, match="Wrapper '.*': `layer` must be a Layer"):
        layers.Wrapper(3)
    for ours, theirs in (
        (layers.TimeDistributed(layers.Dense(2)), keras.layers.TimeDistributed(keras.layers.Dense(2))),
        (layers.SpectralNormalization(layers.Dense(2)), keras.layers.SpectralNormalization(keras.layers.Dense(2))),
    ):
        assert isinstance(ours, layers.Wrapper) and isinstance(theirs, keras.layers.Wrapper)


# ---------------------------------------------------------------------- ReversibleEmbedding
@pytest.mark.parametrize("tie_weights, soft_cap", [(True, None), (False, 3.0)])
def test_reversible_embedding_against_numpy(backend, rng, tie_weights, soft_cap):
    layer = layers.ReversibleEmbedding(6, 4, tie_weights=tie_weights, logit_soft_cap=soft_cap, mask_zero=True)
    ids = np.array([[1, 0, 5], [2, 3, 0]], "int32")
    embedded = layer(ids)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    embedded = layer(ids)
    np.testing.assert_allclose(_np(embedded), weights[0][ids], rtol=RTOL, atol=ATOL)
    h = rng.standard_normal((2, 3, 4)).astype("float32")
    kernel = weights[0].T if tie_weights else weights[1]
    logits = layer(h, reverse=True)
    np.testing.assert_allclose(_np(logits), ref.reverse_embedding(h, kernel, soft_cap), rtol=RTOL, atol=ATOL)
    symbolic = layers.ReversibleEmbedding(6, 4, tie_weights=tie_weights)
    assert symbolic(unikeras.Input((3, 4)), reverse=True).shape == (None, 3, 6)
    assert symbolic(unikeras.Input((3,), dtype="int32")).shape == (None, 3, 4)
    with pytest.raises(ValueError, match="ReversibleEmbedding '.*': a reverse call expects"):
        layer(rng.standard_normal((2, 5)).astype("float32"), reverse=True)


# ---------------------------------------------------------------------- InputSpec
def test_input_spec_config_and_checks(backend, rng):
    spec = unikeras.InputSpec(ndim=3, axes={-1: 4}, dtype="float32")
    theirs = keras.InputSpec(ndim=3, axes={-1: 4}, dtype="float32")
    assert spec.get_config() == theirs.get_config() and repr(spec) == repr(theirs)
    assert layers.InputSpec.from_config(spec.get_config()).get_config() == spec.get_config()
    assert unikeras.InputSpec(shape=(None, 3)).ndim == 2
    x = ops.convert_to_tensor(rng.standard_normal((2, 5, 4)).astype("float32"))
    assert_input_compatibility(spec, x, "probe")
    assert_input_compatibility([spec], unikeras.Input((7, 4)), "probe")
    for bad, message in [
        (rng.standard_normal((2, 4)), "expected ndim=3"),
        (rng.standard_normal((2, 5, 3)).astype("float32"), "expected axis -1 of size 4"),
        (rng.standard_normal((2, 5, 4)), "expected dtype float32"),
    ]:
        with pytest.raises(ValueError, match=f"Layer 'probe': input 0: {message}"):
            assert_input_compatibility(spec, ops.convert_to_tensor(bad), "probe")
    with pytest.raises(ValueError, match="expects 2 input"):
        assert_input_compatibility([spec, spec], x, "probe")
    layer = layers.Dense(3)
    apply_input_spec(layer, spec)
    assert layer.input_spec is spec
    layer(x)
    with pytest.raises(ValueError, match="Dense '.*': expected an input of rank 3"):
        layer(rng.standard_normal((2, 4)).astype("float32"))
    with pytest.raises(TypeError, match="InputSpec: `axes`"):
        unikeras.InputSpec(axes=[1])
    with pytest.raises(ValueError, match="InputSpec: axis 3 is greater"):
        unikeras.InputSpec(ndim=3, axes={3: 2})


# ---------------------------------------------------------------------- serialize / deserialize
def test_layers_serialize_and_deserialize(backend, rng):
    layer = layers.GroupQueryAttention(2, num_query_heads=2, num_key_value_heads=1, name="gqa")
    spec = layers.serialize(layer)
    theirs = keras.layers.serialize(keras.layers.GroupQueryAttention(2, 2, 1, name="gqa"))
    assert spec["config"].keys() == theirs["config"].keys()
    clone = layers.deserialize(json.loads(json.dumps(spec)))
    assert type(clone) is layers.GroupQueryAttention and clone.get_config() == layer.get_config()
    keras_named = {**spec, "class_name": theirs["class_name"]}  # Keras's class is GroupedQueryAttention
    assert type(layers.deserialize(keras_named)) is layers.GroupQueryAttention
    wrapped = layers.deserialize(layers.serialize(layers.SpectralNormalization(layers.Conv2D(2, 3))))
    assert type(wrapped.layer) is layers.Conv2D and wrapped.layer.kernel_size == (3, 3)
    with pytest.raises(ValueError, match=re.escape("Unknown layer class 'NoSuchLayer'")):
        layers.deserialize({"class_name": "NoSuchLayer", "config": {}})


# ---------------------------------------------------------------------- training
def test_a_model_of_the_new_trainable_layers_trains(backend, rng):
    """ReversibleEmbedding (both ways), GroupQueryAttention, RMSNormalization and SpectralNormalization in
    one tiny language model: the loss falls under ``fit``."""
    ids = rng.integers(1, 6, (32, 5)).astype("int32")
    targets = np.roll(ids, -1, axis=1)
    embedding = layers.ReversibleEmbedding(6, 4)
    inputs = unikeras.Input((5,), dtype="int32")
    h = embedding(inputs)
    attended = layers.GroupQueryAttention(2, num_query_heads=2, num_key_value_heads=1)(h, h, use_causal_mask=True)
    h = layers.RMSNormalization()(layers.Add()([h, attended]))
    h = layers.SpectralNormalization(layers.Dense(4))(h)
    h = layers.GaussianDropout(0.1)(layers.AlphaDropout(0.1)(h))
    model = unikeras.Model(inputs, embedding(h, reverse=True))
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.05),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    losses = model.fit(ids, targets, batch_size=16, epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0] * 0.95, losses
