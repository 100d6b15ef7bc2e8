"""Keras 3 itself as an independent oracle: the same weights and batches give the same
predictions, losses and trained weights in unikeras (every backend) and in Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import layers

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency (pinned in constraints.txt), never one of unikeras


def _keras_mlp():
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def _unikeras_mlp():
    return unikeras.Sequential(
        [
            unikeras.Input((6,)),
            layers.Dense(8, activation="relu"),
            layers.Dense(8, activation="tanh"),
            layers.Dense(3, activation="softmax"),
        ]
    )


@pytest.mark.parametrize(
    "optimizer",
    [("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}), ("adam", {"learning_rate": 0.01})],
)
def test_training_matches_keras(backend, rng, optimizer):
    name, kwargs = optimizer
    x = rng.standard_normal((48, 6)).astype("float32")
    y = rng.integers(0, 3, 48)
    theirs = _keras_mlp()
    ours = _unikeras_mlp()
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-5)

    keras_opt = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[name](**kwargs)
    ours_opt = {"sgd": unikeras.optimizers.SGD, "adam": unikeras.optimizers.Adam}[name](**kwargs)
    theirs.compile(optimizer=keras_opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    ours.compile(optimizer=ours_opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    keras_history = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    ours_history = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(ours_history["loss"], keras_history["loss"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours_history["accuracy"], keras_history["accuracy"], atol=1e-6)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "loss_name,kwargs",
    [
        ("MeanSquaredError", {}),
        ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
        ("CategoricalCrossentropy", {"label_smoothing": 0.2}),
        ("SparseCategoricalCrossentropy", {"from_logits": True}),
    ],
)
def test_losses_match_keras(backend, rng, loss_name, kwargs):
    logits = rng.standard_normal((10, 4)).astype("float32")
    if loss_name == "SparseCategoricalCrossentropy":
        y_true, y_pred = rng.integers(0, 4, 10), logits
    elif loss_name == "CategoricalCrossentropy":
        y_true = np.eye(4, dtype="float32")[rng.integers(0, 4, 10)]
        y_pred = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    else:
        y_true, y_pred = rng.integers(0, 2, (10, 4)).astype("float32"), logits
    weights = rng.random(10).astype("float32")
    want = float(getattr(keras.losses, loss_name)(**kwargs)(y_true, y_pred, sample_weight=weights))
    got = float(unikeras.ops.convert_to_numpy(getattr(unikeras.losses, loss_name)(**kwargs)(y_true, y_pred, weights)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
