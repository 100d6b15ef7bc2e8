"""RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion and AdamW, and the clipping and weight-decay
options of every optimizer, against Keras 3's optimizers (an independent oracle) on every backend:
the same start weights and gradients give the same weights after several steps."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import Variable, layers, ops, optimizers

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

SHAPES = [(3, 2), (2,)]


def _compare(ours, theirs, rng, steps=5, scale=1.0):
    start = [rng.standard_normal(s).astype("float32") for s in SHAPES]
    grads = [[(rng.standard_normal(s) * scale).astype("float32") for s in SHAPES] for _ in range(steps)]
    variables = [Variable(w) for w in start]
    k_variables = [keras.Variable(w) for w in start]
    for g in grads:
        ours.apply([ops.convert_to_tensor(gi) for gi in g], variables)
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(gi) for gi in g], k_variables))
    for got, want in zip(variables, k_variables):
        np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-4, atol=1e-6)


CASES = [
    ("RMSprop", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.9, "centered": True, "rho": 0.8}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.2}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.8}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5}),
    ("Adam", {"learning_rate": 0.01, "clipvalue": 0.3}),
    ("RMSprop", {"learning_rate": 0.01, "global_clipnorm": 1.0}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=lambda v: v if isinstance(v, str) else "-".join(sorted(v)))
def test_update_rule_matches_keras(backend, rng, name, kwargs):
    _compare(getattr(optimizers, name)(**kwargs), getattr(keras.optimizers, name)(**kwargs), rng, scale=2.0)


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion", "AdamW"])
def test_by_name_config_round_trip_and_training(backend, rng, name):
    optimizer = optimizers.get(name.lower())
    assert type(optimizer).__name__ == name
    clone = type(optimizer).from_config(optimizer.get_config())
    assert clone.get_config() == optimizer.get_config()
    x = rng.standard_normal((64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    # Adadelta starts with steps of about sqrt(epsilon) * learning_rate, hence its large rate
    learning_rate = {"Adadelta": 10.0, "Adagrad": 0.3, "Lion": 0.05}.get(name, 0.03)
    model.compile(optimizer=type(optimizer)(learning_rate=learning_rate), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_clipping_arguments_are_checked():
    with pytest.raises(ValueError, match="at most one of `clipnorm` and `global_clipnorm`"):
        optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="RMSprop: `clipvalue` must be a non-negative float"):
        optimizers.RMSprop(clipvalue=-1.0)
