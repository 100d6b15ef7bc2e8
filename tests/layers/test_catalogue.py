"""Catalogue checks for every layer class exported by ``unikeras.layers``, on every backend.

For each entry of ``CATALOGUE`` (``tests/layers/catalogue_table.py``): the real output shape equals
``compute_output_shape`` and the symbolic shape from ``unikeras.Input``; ``get_config()`` ->
``from_config`` (directly and through JSON) gives the same config and, with the same weights, the
same output; weight names, shapes, order, trainability and parameter count equal Keras's for the
same constructor, and with Keras's weights copied in, the output equals Keras's; the config's keys
are Keras's names and the values of shared keys Keras's; an input of a rank the layer rejects
raises a ValueError naming the layer, both while building and once built.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
import zlib
from typing import Any

import numpy as np
import pytest

import unikeras
from tests.layers.catalogue_table import CATALOGUE, OUTSIDE_TABLE, Entry, build_catalogue_layer, make_inputs
from unikeras import layers, ops
from unikeras.layers.layer import Layer

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

NAMES = sorted(CATALOGUE)
RANKED = sorted(name for name, entry in CATALOGUE.items() if entry.wrong_rank is not None)


def _rng(name: str) -> np.random.Generator:
    """The same inputs for an entry on every backend and for Keras."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def _np(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_np(t) for t in x]
    return np.asarray(ops.convert_to_numpy(x))


def _outputs(x: Any) -> list[np.ndarray]:
    """The output(s) of a call as a list of NumPy arrays."""
    out = _np(x)
    return out if isinstance(out, list) else [out]


def _shapes(x: Any) -> Any:
    return [tuple(t.shape) for t in x] if isinstance(x, list) else tuple(x.shape)


def _batchless(shape: Any) -> Any:
    """The shape with an unknown batch axis (a list of shapes for several inputs or outputs)."""
    if isinstance(shape, list):
        return [_batchless(s) for s in shape]
    return (None,) + tuple(shape[1:])


def _symbolic_inputs(entry: Entry) -> Any:
    dtype = "int32" if entry.int_high is not None else None
    if isinstance(entry.input_shape, list):
        return [unikeras.Input(s[1:], dtype=dtype) for s in entry.input_shape]
    return unikeras.Input(entry.input_shape[1:], dtype=dtype)


def _comparable(config: dict) -> dict:
    """The config through JSON (tuples as lists) without the layer's name and without the build
    shapes recorded by built layers (at any depth: a wrapped layer's config holds its own)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "build_input_shape"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(json.dumps({k: v for k, v in config.items() if k != "name"})))


# ---------------------------------------------------------------------- the table itself
def test_every_exported_layer_is_in_the_table():
    covered = {entry.cls for entry in CATALOGUE.values()} | set(OUTSIDE_TABLE)
    missing = []
    for name in layers.__all__:
        obj = getattr(layers, name)
        if isinstance(obj, type) and issubclass(obj, Layer) and obj.__name__ not in covered:
            missing.append(name)
    assert not missing, f"exported layer classes without a catalogue entry: {missing}"


def test_table_entries_name_exported_keras_classes():
    for key, entry in CATALOGUE.items():
        assert key == entry.cls, key
        assert entry.cls in layers.__all__, f"{entry.cls} is not exported by unikeras.layers"
        assert getattr(layers, entry.cls).__name__ == entry.cls, f"{key}: name an alias's class, not the alias"
        assert hasattr(keras.layers, entry.cls), f"{entry.cls} is not a Keras layer"
    for name in OUTSIDE_TABLE:
        assert name in layers.__all__ and name not in CATALOGUE, name


# ---------------------------------------------------------------------- shapes
@pytest.mark.parametrize("name", NAMES)
def test_output_shape_matches_compute_output_shape_and_symbolic(backend, name):
    entry = CATALOGUE[name]
    layer, x = build_catalogue_layer(entry, _rng(name))
    real = _shapes(_np(layer(x, training=False)))
    assert real == _shapes(_np(layer(x, training=True))), "training mode changed the output shape"
    assert _normalize(layer.compute_output_shape(entry.input_shape)) == real
    assert _normalize(layer.compute_output_shape(_batchless(entry.input_shape))) == _batchless(real)
    fresh, _ = build_catalogue_layer(entry, _rng(name))
    symbolic = fresh(_symbolic_inputs(entry))
    assert _shapes(symbolic) == _batchless(real)


def _normalize(shape: Any) -> Any:
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and isinstance(shape[0], (list, tuple))):
        return [tuple(s) for s in shape]
    return tuple(shape)


# ---------------------------------------------------------------------- config
@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_gives_the_same_layer(backend, name):
    entry = CATALOGUE[name]
    layer, x = build_catalogue_layer(entry, _rng(name))
    expected = _outputs(layer(x, training=False))
    config = layer.get_config()
    cls = type(layer)
    if not entry.round_trip:
        with pytest.raises(ValueError, match=re.escape(f"{entry.cls} '{layer.name}'")):
            cls.from_config(config)
        return
    text = json.dumps(config)  # a config is what model files store: it must be JSON
    for source in (config, json.loads(text)):
        clone = cls.from_config(source)
        assert type(clone) is cls
        assert _comparable(clone.get_config()) == _comparable(config)
        clone(x, training=False)
        assert [w.name for w in clone.weights] == [w.name for w in layer.weights]
        clone.set_weights(layer.get_weights())
        got = _outputs(clone(x, training=False))
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------- against Keras
@functools.cache
def _keras_reference(name: str) -> dict:
    """Facts of the Keras layer for the same constructor on the same inputs: its weights, random
    (non-trainable ones positive: moving variances), and its inference output(s)."""
    entry = CATALOGUE[name]
    k_layer = getattr(keras.layers, entry.cls)(**entry.arguments(keras))
    x = make_inputs(entry, _rng(name))
    k_layer(x, training=False)  # builds it (an augmentation layer would otherwise augment, for nothing)
    trainable = {id(w) for w in k_layer.trainable_weights}
    rng = _rng(name + "/weights")
    weights = []
    for w in k_layer.weights:
        if np.dtype(w.dtype).kind in "iu":  # counts
            weights.append(rng.integers(1, 5, w.shape).astype(w.dtype))
        else:
            low, high = (-1.0, 1.0) if id(w) in trainable else (0.5, 1.5)
            weights.append(rng.uniform(low, high, w.shape).astype(w.dtype))
    k_layer.set_weights(weights)
    if hasattr(k_layer, "finalize_state"):  # Keras's Normalization reads its weights into constants here
        k_layer.finalize_state()
    out = k_layer(x, training=False)
    return {
        "x": x,
        "names": [w.name for w in k_layer.weights],
        "shapes": [tuple(w.shape) for w in k_layer.get_weights()],
        "trainable": [id(w) in trainable for w in k_layer.weights],
        "count": k_layer.count_params(),
        "weights": weights,
        "outputs": [np.asarray(keras.ops.convert_to_numpy(o)) for o in (out if isinstance(out, list) else [out])],
        "config_keys": set(k_layer.get_config()),
    }


@pytest.mark.parametrize("name", NAMES)
def test_weights_and_output_match_keras(backend, name):
    entry = CATALOGUE[name]
    ref = _keras_reference(name)
    layer, _ = build_catalogue_layer(entry, _rng(name))
    layer(ref["x"], training=False)  # builds; the training path is run by the shape test
    assert [w.name for w in layer.weights] == ref["names"]
    assert [w.shape for w in layer.get_weights()] == ref["shapes"]
    assert [w.trainable for w in layer.weights] == ref["trainable"]
    assert layer.count_params() == ref["count"]
    layer.set_weights(ref["weights"])
    got = _outputs(layer(ref["x"], training=False))
    assert len(got) == len(ref["outputs"])
    for a, b in zip(got, ref["outputs"]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_config_keys_are_keras_names(name):
    """Every key of our config is a key of Keras's config or an argument of Keras's constructor for
    the same layer: no invented names, and Keras's ``from_config`` accepts ours."""
    entry = CATALOGUE[name]
    layer, _ = build_catalogue_layer(entry, _rng(name))
    ours = set(layer.get_config()) - {"build_input_shape"}
    keras_cls = getattr(keras.layers, entry.cls)
    known = _keras_reference(name)["config_keys"] | set(inspect.signature(keras_cls.__init__).parameters)
    assert ours - known == set()


# Config values that differ from Keras's on purpose: (class, key) -> why.
DELIBERATE_CONFIG_DIFFERENCES = {
    ("Lambda", "function"): "Keras stores the function's bytecode; unikeras stores its name and never loads code",
}


def _plain(value: Any) -> Any:
    """A config value through JSON, with serialized objects (initializers, layers, dtype policies)
    reduced to their class name and dtype policies to their dtype."""

    def reduce(x: Any) -> Any:
        if isinstance(x, dict):
            if x.get("class_name") == "DTypePolicy":
                return x["config"]["name"]
            if "class_name" in x:
                return x["class_name"]
            return {k: reduce(v) for k, v in x.items()}
        if isinstance(x, list):
            return [reduce(v) for v in x]
        return x

    return reduce(json.loads(json.dumps(value, default=str)))


@pytest.mark.parametrize("name", NAMES)
def test_config_values_match_keras(name):
    """Built from the same constructor arguments, the keys both configs have hold the same values:
    Keras's defaults and Keras's normalized forms (``kernel_size=2`` -> ``[2, 2]``)."""
    entry = CATALOGUE[name]
    ours, _ = build_catalogue_layer(entry, _rng(name))
    theirs = getattr(keras.layers, entry.cls)(**entry.arguments(keras)).get_config()
    differences = {
        key: (_plain(value), _plain(theirs[key]))
        for key, value in ours.get_config().items()
        if key in theirs and key != "name" and (entry.cls, key) not in DELIBERATE_CONFIG_DIFFERENCES
        if _plain(value) != _plain(theirs[key])
    }
    assert differences == {}, "key: (ours, Keras's)"


# ---------------------------------------------------------------------- input rank
@pytest.mark.parametrize("name", RANKED)
def test_wrong_input_rank_raises_naming_the_layer(backend, name):
    """A new layer called (eagerly or symbolically) on an input of the wrong rank; Keras rejects it too."""
    entry = CATALOGUE[name]
    bad = _rng(name).standard_normal(entry.wrong_rank).astype("float32")
    with pytest.raises(ValueError):  # the table's mark agrees with Keras
        getattr(keras.layers, entry.cls)(**entry.arguments(keras))(bad)
    layer, _ = build_catalogue_layer(entry, _rng(name))
    with pytest.raises(ValueError, match=re.escape(f"{entry.cls} '{layer.name}'")):
        layer(bad)
    fresh, _ = build_catalogue_layer(entry, _rng(name))
    with pytest.raises(ValueError, match=re.escape(f"{entry.cls} '{fresh.name}'")):
        fresh(unikeras.Input(entry.wrong_rank[1:]))


@pytest.mark.parametrize("name", RANKED)
def test_wrong_input_rank_raises_naming_the_layer_once_built(backend, name):
    """A layer built on the right input, then called (eagerly or symbolically) on the wrong rank."""
    entry = CATALOGUE[name]
    bad = _rng(name).standard_normal(entry.wrong_rank).astype("float32")
    layer, x = build_catalogue_layer(entry, _rng(name))
    layer(x)
    named = re.escape(f"{entry.cls} '{layer.name}'")
    with pytest.raises(ValueError, match=named):
        layer(bad)
    with pytest.raises(ValueError, match=named):
        layer(unikeras.Input(entry.wrong_rank[1:]))


# ---------------------------------------------------------------------- outside the table
def test_input_layer(backend):
    layer = layers.InputLayer(shape=(3, 4), name="probe_input")
    assert layer.output.shape == (None, 3, 4) and layer.weights == []
    config = layer.get_config()
    clone = layers.InputLayer.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config and clone.output.shape == (None, 3, 4)
    theirs = keras.layers.InputLayer(shape=(3, 4), name="probe_input")
    assert set(config) <= set(theirs.get_config())
    assert config["batch_shape"] == list(theirs.get_config()["batch_shape"])


def test_base_layer_call_is_not_implemented(backend, rng):
    with pytest.raises(NotImplementedError):
        Layer(name="base_probe")(rng.standard_normal((2, 3)).astype("float32"))


def test_base_layer_subclass(backend, rng):
    """A subclass of ``Layer`` with ``build``/``call`` gets weights, shapes and a config."""

    class Scale(Layer):
        def build(self, input_shape: tuple) -> None:
            self.scale = self.add_weight((input_shape[-1],), "ones", name="scale")

        def call(self, inputs: Any) -> Any:
            return ops.multiply(inputs, self.scale.value)

    layer = Scale(name="scale_probe")
    x = rng.standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(_np(layer(x)), x)
    assert [w.name for w in layer.weights] == ["scale"] and layer.count_params() == 3
    assert layer(unikeras.Input((3,))).shape == (None, 3)
    clone = Scale.from_config(layer.get_config())
    assert _comparable(clone.get_config()) == _comparable(layer.get_config())
    assert set(layer.get_config()) - {"build_input_shape"} <= set(keras.layers.Layer(name="k").get_config())


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_supports_masking_matches_keras(name):
    entry = CATALOGUE[name]
    layer = getattr(unikeras.layers, entry.cls)(**entry.arguments(unikeras))
    theirs = getattr(keras.layers, entry.cls)(**entry.arguments(keras))
    assert layer.supports_masking == theirs.supports_masking
