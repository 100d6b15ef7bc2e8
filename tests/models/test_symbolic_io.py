"""``input`` / ``output`` of layers and models, and the feature-extraction idiom built on them."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras as keras
from unikeras import layers


def test_feature_extractor_from_a_sequential_model(backend, rng):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu", name="hidden"), layers.Dense(2)])
    assert model.input is model.inputs[0] and model.input.shape == (None, 4)
    assert model.output.shape == (None, 2)
    hidden = model.get_layer("hidden")
    assert hidden.input is model.input and hidden.output.shape == (None, 3)
    features = keras.Model(model.inputs, hidden.output)
    x = rng.normal(size=(5, 4)).astype("float32")
    kernel, bias = hidden.get_weights()
    np.testing.assert_allclose(features.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0), rtol=1e-4, atol=1e-5)


def test_functional_input_and_output_keep_their_structure():
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    joined = layers.Concatenate()([a, b])
    out = layers.Dense(1)(joined)
    model = keras.Model({"a": a, "b": b}, [out, joined])
    assert model.input == {"a": a, "b": b}
    assert model.output == [out, joined]
    assert model.layers[-1].input is joined


def test_sequential_gets_inputs_once_built():
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(AttributeError, match="no defined inputs or outputs yet"):
        model.inputs  # noqa: B018
    model.build((None, 4))
    assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 2)


def test_a_layer_never_called_symbolically_has_no_output():
    dense = layers.Dense(2, name="lonely")
    with pytest.raises(AttributeError, match="'lonely' has never been called on a symbolic input"):
        dense.output  # noqa: B018


def test_repeated_fit_and_predict_do_not_pile_up_nodes(backend, rng):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    nodes = [len(layer._inbound_nodes) for layer in model.layers]
    for _ in range(3):
        model.fit(x, y, epochs=1, verbose=0)
        model.predict(x, verbose=0)
    assert [len(layer._inbound_nodes) for layer in model.layers] == nodes == [1, 1]
