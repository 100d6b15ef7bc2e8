"""models.clone_model, models.model_from_json and models.save_model against keras on every backend."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import layers, models, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


def _functional():
    inputs = unikeras.Input((4,), name="x")
    hidden = layers.Dense(5, activation="relu", name="hidden")(inputs)
    skip = layers.Dense(5, name="skip")(inputs)
    outputs = layers.Dense(2, name="out")(layers.Add(name="add")([hidden, skip]))
    return unikeras.Model(inputs, outputs, name="branchy")


def _sequential():
    return unikeras.Sequential([unikeras.Input((4,)), layers.Dense(3, activation="tanh"), layers.Dense(1)], name="seq")


@pytest.mark.parametrize("make", [_sequential, _functional], ids=["sequential", "functional"])
def test_clone_has_the_architecture_and_new_weights(backend, rng, make):
    model = make()
    clone = models.clone_model(model)
    assert type(clone) is type(model) and clone.name == model.name
    assert clone.get_config() == model.get_config()
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not any(a is b for a, b in zip(clone.weights, model.weights))
    x = rng.standard_normal((6, 4)).astype("float32")
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(clone(x)), ops.convert_to_numpy(model(x)), rtol=1e-5, atol=1e-6)
    before = [w.copy() for w in model.get_weights()]
    clone.compile(optimizer="sgd", loss="mse")
    clone.fit(x, np.zeros(ops.shape(clone(x)), "float32"), epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # training the clone leaves the original alone


def test_clone_function_can_replace_or_share_layers(backend, rng):
    model = _functional()

    def clone_function(layer):
        if layer.name == "hidden":
            return layers.Dense(5, activation="sigmoid", name="hidden")
        if layer.name == "skip":
            return layer  # shared: same weights in both models
        return type(layer).from_config(layer.get_config())

    clone = models.clone_model(model, clone_function=clone_function)
    assert clone.get_layer("hidden").get_config()["activation"] == "sigmoid"
    assert clone.get_layer("skip") is model.get_layer("skip")
    x = rng.standard_normal((3, 4)).astype("float32")
    assert ops.shape(clone(x)) == (3, 2)

    seq = _sequential()
    seq_clone = models.clone_model(seq, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(seq_clone.layers, seq.layers))


def test_recursive_clones_inside_nested_models(backend):
    inner = _sequential()
    outer = unikeras.Sequential([unikeras.Input((4,)), inner, layers.Dense(2)])
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return type(layer).from_config(layer.get_config())

    models.clone_model(outer, clone_function=clone_function, recursive=True)
    assert inner.name not in seen and len(seen) == 3
    seen.clear()
    models.clone_model(outer, clone_function=clone_function)
    assert seen == [inner.name, outer.layers[1].name]


def test_sequential_clone_on_new_input_tensors(backend):
    clone = models.clone_model(_sequential(), input_tensors=unikeras.Input((4,), batch_size=2))
    assert ops.shape(clone(np.ones((2, 4), "float32"))) == (2, 1)


def test_bad_arguments_raise_value_errors_like_keras(backend):
    keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError):
        keras.models.clone_model(keras_model, foo=1)
    with pytest.raises(ValueError):
        keras.models.clone_model(keras_model, call_function=lambda layer, *a, **k: layer(*a, **k))
    with pytest.raises(ValueError, match="Unexpected keyword argument"):
        models.clone_model(_sequential(), foo=1)
    with pytest.raises(ValueError, match="not supported with Sequential"):
        models.clone_model(_sequential(), call_function=lambda layer, *a, **k: layer(*a, **k))
    with pytest.raises(ValueError, match="call the clone on your tensors"):
        models.clone_model(_functional(), input_tensors=unikeras.Input((4,)))

    class Custom(unikeras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="only supported for Sequential models or Functional"):
        models.clone_model(Custom(), clone_function=lambda layer: layer)


def test_model_from_json_reads_keras_to_json(backend, rng):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(5, activation="relu")(inputs)
    keras_functional = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Concatenate()([hidden, inputs])))
    keras_sequential = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh")])
    x = rng.standard_normal((5, 4)).astype("float32")
    for keras_model in (keras_functional, keras_sequential):
        model = models.model_from_json(keras_model.to_json())
        assert isinstance(model, unikeras.Model) and model.built
        model.set_weights(keras_model.get_weights())
        np.testing.assert_allclose(ops.convert_to_numpy(model(x)), np.asarray(keras_model(x)), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="not a JSON model configuration"):
        models.model_from_json("{not json")
    with pytest.raises(ValueError, match="'class_name'"):
        models.model_from_json("[1, 2]")


def test_save_model_writes_a_file_load_model_reads(backend, rng, tmp_path):
    model = _functional()
    path = tmp_path / "m.keras"
    models.save_model(model, path)
    loaded = models.load_model(path)
    x = rng.standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)), rtol=1e-5, atol=1e-6)
