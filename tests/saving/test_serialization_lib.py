"""serialize_keras_object / deserialize_keras_object (and the legacy pair) against keras's format."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import unikeras
from unikeras import config, layers, legacy, saving, utils

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


class Foreign:
    """A class known to no registry: importable only outside safe mode."""

    def __init__(self, v):
        self.v = v

    def get_config(self):
        return {"v": self.v}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def test_round_trip_of_values_and_objects():
    dense = layers.Dense(3, activation="relu", name="d")
    spec = saving.serialize_keras_object(dense)
    assert set(spec) == {"module", "class_name", "config", "registered_name"}
    assert (spec["module"], spec["class_name"]) == ("unikeras.layers", "Dense")
    again = saving.deserialize_keras_object(json.loads(json.dumps(spec)))
    assert isinstance(again, layers.Dense) and again.get_config() == dense.get_config()
    values = {"a": [1, 2.5, "x", None, True], "arr": np.arange(3, dtype="int16"), "b": b"hi"}
    back = utils.deserialize_keras_object(json.loads(json.dumps(utils.serialize_keras_object(values))))
    assert back["a"] == values["a"] and back["b"] == b"hi"
    assert back["arr"].dtype == np.int16 and back["arr"].tolist() == [0, 1, 2]
    assert saving.deserialize_keras_object(saving.serialize_keras_object(unikeras.activations.relu)) is (
        unikeras.activations.relu
    )
    optimizer = saving.deserialize_keras_object(saving.serialize_keras_object(unikeras.optimizers.Adam(0.01)))
    assert isinstance(optimizer, unikeras.optimizers.Adam)
    assert optimizer.get_config() == unikeras.optimizers.Adam(0.01).get_config()


def test_keras_configs_come_back_as_unikeras_objects():
    """Configs serialized by keras itself name keras modules; they resolve to the unikeras class."""
    spec = keras.saving.serialize_keras_object(keras.layers.Dense(4, activation="tanh", name="k"))
    layer = saving.deserialize_keras_object(spec)
    assert isinstance(layer, layers.Dense) and (layer.units, layer.name) == (4, "k")
    spec = keras.saving.serialize_keras_object(keras.losses.CategoricalCrossentropy(from_logits=True))
    loss = saving.deserialize_keras_object(spec)
    assert isinstance(loss, unikeras.losses.CategoricalCrossentropy) and loss.get_config()["from_logits"] is True
    fn = saving.deserialize_keras_object(keras.saving.serialize_keras_object(keras.activations.gelu))
    assert fn is unikeras.activations.gelu
    ours = saving.serialize_keras_object(np.ones((2, 1), "float32"))
    assert ours == keras.saving.serialize_keras_object(np.ones((2, 1), "float32"))
    assert saving.serialize_keras_object((1, (2, "x"))) == keras.saving.serialize_keras_object((1, (2, "x")))


def test_custom_objects_registry_and_safe_mode():
    @saving.register_keras_serializable(package="TestSer")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    spec = saving.serialize_keras_object(Scale(3.0))
    assert spec["registered_name"] == "TestSer>Scale"
    assert saving.deserialize_keras_object(spec).factor == 3.0
    foreign = {"module": __name__, "class_name": "Foreign", "config": {"v": 5}, "registered_name": None}
    with pytest.raises(ValueError, match="safe_mode=False"):
        saving.deserialize_keras_object(foreign)
    with pytest.raises(ValueError, match="unknown"):
        saving.deserialize_keras_object({"module": "unikeras.layers", "class_name": "Nope", "config": {}})
    lam = {"class_name": "__lambda__", "config": {"code": "xx"}}
    with pytest.raises(ValueError, match="safe mode"):
        saving.deserialize_keras_object(lam)
    try:
        config.enable_unsafe_deserialization()
        assert not config.in_safe_mode()
        assert saving.deserialize_keras_object(foreign, safe_mode=None).v == 5  # imported now
    finally:
        config._safe_mode = True
    with pytest.raises(ValueError, match="lambda"):
        saving.serialize_keras_object(lambda x: x)


def test_legacy_format_matches_keras():
    ours = legacy.saving.serialize_keras_object(layers.Dense(2, name="z"))
    theirs = keras.legacy.saving.serialize_keras_object(keras.layers.Dense(2, name="z"))
    assert set(ours) == set(theirs) == {"class_name", "config"} and ours["class_name"] == theirs["class_name"]
    layer = utils.legacy.deserialize_keras_object(theirs)
    assert isinstance(layer, layers.Dense) and layer.units == 2
    assert legacy.saving.deserialize_keras_object("relu", module_objects={"relu": abs}) is abs
    assert legacy.saving.serialize_keras_object(unikeras.activations.relu) == "relu"
    with pytest.raises(ValueError, match="Unknown"):
        legacy.saving.deserialize_keras_object("nothing_here", module_objects={})
