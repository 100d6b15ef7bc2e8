"""keras.utils helpers: pad_sequences, normalize, Config, get_source_inputs and the aliases, against keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops, utils

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

SEQUENCES = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"maxlen": 3},
        {"maxlen": 6, "padding": "post", "truncating": "post", "value": -1},
        {"maxlen": 2, "truncating": "post", "dtype": "float32", "value": 0.5},
    ],
)
def test_pad_sequences_matches_keras(kwargs):
    ours = utils.pad_sequences(SEQUENCES, **kwargs)
    theirs = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_to_length_zero():
    # keras 3.15 fails here (s[-0:] keeps the whole sequence); the result is an empty row per sequence
    assert utils.pad_sequences(SEQUENCES, maxlen=0).shape == (4, 0)


def test_pad_sequences_of_vectors_and_strings():
    sequences = [np.ones((2, 3)), np.zeros((1, 3))]
    np.testing.assert_array_equal(
        utils.pad_sequences(sequences, dtype="float32"), keras.utils.pad_sequences(sequences, dtype="float32")
    )
    words = [["a", "bb"], ["ccc"]]
    np.testing.assert_array_equal(
        utils.pad_sequences(words, dtype=object, value=""), keras.utils.pad_sequences(words, dtype=object, value="")
    )


def test_pad_sequences_rejects_what_keras_rejects():
    for kwargs in ({"padding": "middle"}, {"truncating": "middle", "maxlen": 2}, {"value": "x"}):
        with pytest.raises(ValueError):
            keras.utils.pad_sequences(SEQUENCES, **kwargs)
        with pytest.raises(ValueError, match="not understood|not compatible"):
            utils.pad_sequences(SEQUENCES, **kwargs)
    with pytest.raises(ValueError, match="list of iterables"):
        utils.pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="different from expected shape"):
        utils.pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


@pytest.mark.parametrize(("axis", "order"), [(-1, 2), (0, 2), (1, 1), (-1, 3)])
def test_normalize_matches_keras_on_arrays_and_tensors(backend, rng, axis, order):
    x = rng.standard_normal((4, 5)).astype("float32")
    x[1] = 0.0
    expected = keras.utils.normalize(x, axis=axis, order=order) if axis != 0 else None
    numpy_out = utils.normalize(x, axis=axis, order=order)
    assert isinstance(numpy_out, np.ndarray)
    norms = np.linalg.norm(x, order, axis, keepdims=True)
    reference = x / np.where(norms == 0, 1, norms)
    np.testing.assert_allclose(numpy_out, reference, rtol=1e-5, atol=1e-6)
    if expected is not None:
        np.testing.assert_allclose(numpy_out, expected, rtol=1e-5, atol=1e-6)
    tensor_out = utils.normalize(ops.convert_to_tensor(x), axis=axis, order=order)
    assert backend.is_tensor(tensor_out)
    np.testing.assert_allclose(ops.convert_to_numpy(tensor_out), reference, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="must be an int >= 1"):
        utils.normalize(x, order=0)


def test_config_behaves_like_keras_config():
    for module in (utils, keras.utils):
        config = module.Config(learning_rate=0.1, epochs=2)
        config.batch_size = 8
        config["seed"] = 1
        assert config.learning_rate == 0.1 and config["batch_size"] == 8 and "seed" in config and len(config) == 4
        assert config.as_dict() == {"learning_rate": 0.1, "epochs": 2, "batch_size": 8, "seed": 1}
        assert config.to_json() == '{"learning_rate": 0.1, "epochs": 2, "batch_size": 8, "seed": 1}'
        config.freeze()
        assert config.frozen
        with pytest.raises(ValueError, match="frozen"):
            config.epochs = 3
        with pytest.raises(ValueError, match="frozen"):
            config.update(epochs=3)
        config.unfreeze()
        config.update(epochs=3)
        assert config.pop("seed") == 1 and config.get("seed", "none") == "none"
        assert list(config) == ["batch_size", "epochs", "learning_rate"]
        with pytest.raises(AttributeError):
            _ = config.missing


def test_get_source_inputs(backend):
    a, b = unikeras.Input((3,), name="a"), unikeras.Input((3,), name="b")
    out = layers.Dense(2)(layers.Add()([layers.Dense(3)(a), b]))
    assert utils.get_source_inputs(out) == [a, b]
    assert utils.get_source_inputs(a) == [a]
    with pytest.raises(ValueError, match="symbolic tensor"):
        utils.get_source_inputs(np.ones(3))
    ka, kb = keras.Input((3,)), keras.Input((3,))
    assert keras.utils.get_source_inputs(keras.layers.Add()([keras.layers.Dense(3)(ka), kb])) == [ka, kb]


def test_aliases_are_the_same_objects(backend):
    assert utils.is_keras_tensor is unikeras.backend.is_keras_tensor
    assert utils.standardize_dtype is unikeras.backend.standardize_dtype
    for name in ("CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name"):
        assert getattr(utils, name) is getattr(unikeras.saving, name)
    assert utils.register_keras_serializable is unikeras.saving.register_keras_serializable
    assert utils.get_registered_object is unikeras.saving.get_registered_object
    unikeras.layers.Dense(1)
    utils.clear_session()
    assert unikeras.layers.Dense(1).name == "dense"
