"""Dice, Tversky, CategoricalHinge, CategoricalGeneralizedCrossEntropy, Circle and losses.serialize /
deserialize against keras on every backend."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import losses, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(3)
MASKS = (rng0.uniform(size=(4, 6)) > 0.5).astype("float32")
SOFT = rng0.uniform(size=(4, 6)).astype("float32")
ONE_HOT = np.eye(5, dtype="float32")[[0, 3, 1, 4]]
SCORES = rng0.standard_normal((4, 5)).astype("float32")
PROBS = (np.exp(SCORES) / np.exp(SCORES).sum(-1, keepdims=True)).astype("float32")
LABELS = np.array([0, 3, 1, 4], "int32")
EMB = rng0.standard_normal((6, 4)).astype("float32")
EMB /= np.linalg.norm(EMB, axis=1, keepdims=True)
EMB_LABELS = np.array([0, 1, 0, 2, 1, 0], "int32")

CASES = [
    ("dice", (MASKS, SOFT), {}),
    ("dice", (MASKS, SOFT), {"axis": -1}),
    ("tversky", (MASKS, SOFT), {}),
    ("tversky", (MASKS, SOFT), {"alpha": 0.2, "beta": 0.8, "axis": 1}),
    ("categorical_hinge", (ONE_HOT, SCORES), {}),
    ("categorical_generalized_cross_entropy", (LABELS, PROBS), {"q": 0.3}),
    ("circle", (EMB_LABELS, EMB), {}),
    ("circle", (EMB_LABELS, EMB), {"gamma": 10, "margin": 0.25, "remove_diagonal": False}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_functions_match_keras(backend, name, args, kwargs):
    got = ops.convert_to_numpy(getattr(losses, name)(*args, **kwargs))
    expected = np.asarray(getattr(keras.losses, name)(*[keras.ops.convert_to_tensor(a) for a in args], **kwargs))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


CLASSES = [
    ("Dice", {"axis": -1}, (MASKS, SOFT)),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": -1}, (MASKS, SOFT)),
    ("CategoricalHinge", {}, (ONE_HOT, SCORES)),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.6}, (LABELS, PROBS)),
    ("Circle", {"gamma": 20.0}, (EMB_LABELS, EMB)),
]


@pytest.mark.parametrize(("name", "kwargs", "args"), CLASSES, ids=[c[0] for c in CLASSES])
def test_classes_match_keras_and_round_trip(backend, name, kwargs, args):
    ours, theirs = getattr(losses, name)(**kwargs), getattr(keras.losses, name)(**kwargs)
    weights = np.linspace(0.5, 1.5, len(args[0])).astype("float32")
    got = float(ops.convert_to_numpy(ours(*args, sample_weight=weights)))
    expected = float(theirs(*[keras.ops.convert_to_tensor(a) for a in args], sample_weight=weights))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert ours.get_config() == theirs.get_config()
    config = keras.losses.serialize(theirs)
    restored = losses.deserialize(config)
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    assert losses.deserialize(losses.serialize(ours)).get_config() == ours.get_config()


def test_dice_loss_trains_a_segmenter(backend, rng):
    x = rng.standard_normal((32, 6)).astype("float32")
    y = (x > 0).astype("float32")
    model = unikeras.Sequential([unikeras.Input((6,)), unikeras.layers.Dense(6, activation="sigmoid")])
    model.compile(optimizer=unikeras.optimizers.SGD(1.0), loss="dice")
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_bad_arguments():
    with pytest.raises(ValueError):
        keras.losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="Unknown loss class 'Nope'"):
        losses.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.deserialize("nope")
    with pytest.raises(ValueError, match="expects a Loss"):
        losses.serialize("mse")
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error
