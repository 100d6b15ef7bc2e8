"""Every optimizer, and the clipping and weight-decay options, against Keras 3's optimizers (a
second oracle beside the NumPy references of test_reference_rules.py) on every backend: the same
start weights and gradients give the same weights after several eager steps."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

import unikeras
from unikeras import Variable, layers, ops, optimizers

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

SHAPES = [(3, 2), (2,)]
STEPS = 5


def _problem(seed=0, scale=2.0):
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(s).astype("float32") for s in SHAPES]
    grads = [[(rng.standard_normal(s) * scale).astype("float32") for s in SHAPES] for _ in range(STEPS)]
    return start, grads


@functools.cache
def _keras_result(index):
    """Keras's weights after the steps of case ``index`` (computed once, shared by the backends)."""
    name, kwargs = CASES[index]
    start, grads = _problem()
    optimizer = getattr(keras.optimizers, name)(**kwargs)
    k_variables = [keras.Variable(w) for w in start]
    for g in grads:
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(gi) for gi in g], k_variables))
    return [np.asarray(v) for v in k_variables]


CASES = [
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
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


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{n}-{'-'.join(sorted(k))}" for n, k in CASES])
def test_update_rule_matches_keras(backend, index):
    """Eager ``apply`` (outside any compiled step) against Keras's optimizer."""
    name, kwargs = CASES[index]
    start, grads = _problem()
    variables = [Variable(w) for w in start]
    optimizer = getattr(optimizers, name)(**kwargs)
    for g in grads:
        optimizer.apply([ops.convert_to_tensor(gi) for gi in g], variables)
    for got, want in zip(variables, _keras_result(index)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)


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
    learning_rate = {"Adadelta": 50.0, "Adagrad": 0.5}.get(name, 0.1)
    model.compile(optimizer=type(optimizer)(learning_rate=learning_rate), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_clipping_arguments_are_checked():
    """As Keras: at most one of the three clipping arguments."""
    for pair in ({"clipnorm": 1.0, "global_clipnorm": 1.0}, {"clipnorm": 1.0, "clipvalue": 0.5}):
        with pytest.raises(ValueError, match="Adam: set at most one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
            optimizers.Adam(**pair)
        with pytest.raises(ValueError, match="Only one of"):
            keras.optimizers.Adam(**pair)
    with pytest.raises(ValueError, match="RMSprop: `clipvalue` must be a non-negative float"):
        optimizers.RMSprop(clipvalue=-1.0)
