"""Functional ``get_config`` / ``from_config``: Keras 3's layout, JSON-safe, and a model rebuilt from
it computes the same as the original once the weights are copied."""

from __future__ import annotations

import json

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops


def _graph():
    a = unikeras.Input((5, 3), name="a")
    b = unikeras.Input((5, 3), name="b")
    shared = layers.Dense(4, name="shared")
    summed = layers.Add(name="sum")([shared(a), shared(b)])
    pooled = ops.mean(summed, axis=1)
    inner_in = unikeras.Input((4,))
    inner = unikeras.Model(inner_in, layers.Dense(2, activation="tanh")(inner_in), name="inner")
    sliced = (a + b * 2.0)[:, 0, ::2]
    return unikeras.Model({"a": a, "b": b}, [inner(pooled), sliced], name="graph")


def test_config_is_keras_layout_and_json_safe(backend):
    model = _graph()
    config = json.loads(json.dumps(model.get_config()))
    assert config["name"] == "graph"
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    by_name = {spec["name"]: spec for spec in config["layers"]}
    assert by_name["a"]["class_name"] == "InputLayer" and by_name["a"]["inbound_nodes"] == []
    assert len(by_name["shared"]["inbound_nodes"]) == 2  # a shared layer: one entry per call
    history = by_name["shared"]["inbound_nodes"][1]["args"][0]["config"]["keras_history"]
    assert history == ["b", 0, 0]
    sum_args = by_name["sum"]["inbound_nodes"][0]["args"][0]
    assert [t["config"]["keras_history"] for t in sum_args] == [["shared", 0, 0], ["shared", 1, 0]]
    assert by_name["inner"]["class_name"] == "Functional"


def test_round_trip_rebuilds_the_same_model(backend, rng):
    model = _graph()
    config = json.loads(json.dumps(model.get_config()))
    clone = unikeras.Model.from_config(config)
    assert json.loads(json.dumps(clone.get_config())) == config
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    clone.set_weights(model.get_weights())
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    y = rng.standard_normal((2, 5, 3)).astype("float32")
    for got, want in zip(clone({"a": x, "b": y}), model({"a": x, "b": y})):
        np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(want), rtol=1e-6)


class Scale(layers.Layer):
    def __init__(self, factor: float = 2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return ops.multiply(inputs, self.factor)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layers_need_custom_objects(backend, rng):
    inputs = unikeras.Input((3,))
    model = unikeras.Model(inputs, Scale(3.0)(layers.Dense(2)(inputs)))
    config = model.get_config()
    with pytest.raises(ValueError, match="Unknown layer class 'Scale'.*custom_objects"):
        unikeras.Model.from_config(config)
    clone = unikeras.Model.from_config(config, custom_objects={"Scale": Scale})
    clone.set_weights(model.get_weights())
    x = rng.standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(clone(x)), ops.convert_to_numpy(model(x)), rtol=1e-6)
