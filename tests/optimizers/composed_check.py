"""Shared checks of the optimizers composed from the contract (Adafactor, Ftrl, Lamb, Muon,
ScheduleFreeAdamW, MultiOptimizer): the same start weights and gradients on unikeras, on a NumPy
reference written in each test module, and on Keras; config round trips; slots saved and loaded."""

from __future__ import annotations

import functools
import os

import numpy as np

import unikeras
from unikeras import Variable, layers, optimizers, saving

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

SHAPES = [(3, 4), (5, 2), (4,)]
NAMES = ["kernel", "recurrent_kernel", "bias"]
STEPS = 3


@functools.cache
def problem() -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """Start weights and STEPS gradients for SHAPES (float32)."""
    rng = np.random.default_rng(42)
    start = [rng.standard_normal(s).astype("float32") for s in SHAPES]
    grads = [[rng.standard_normal(s).astype("float32") for s in SHAPES] for _ in range(STEPS)]
    return start, grads


def run_unikeras(optimizer: optimizers.Optimizer) -> list[np.ndarray]:
    start, grads = problem()
    variables = [Variable(w.copy(), name=n) for w, n in zip(start, NAMES)]
    for g in grads:
        optimizer.apply(g, variables)
    return [v.numpy() for v in variables]


@functools.cache
def _keras_result(name: str, items: tuple) -> tuple[np.ndarray, ...]:
    start, grads = problem()
    optimizer = getattr(keras.optimizers, name)(**{k: list(v) if isinstance(v, tuple) else v for k, v in items})
    variables = [keras.Variable(w, name=n) for w, n in zip(start, NAMES)]
    for g in grads:
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(x) for x in g], variables))
    return tuple(np.asarray(v) for v in variables)


def run_keras(name: str, **kwargs: object) -> list[np.ndarray]:
    """Keras's weights after the same steps (computed once per case, shared by the backends)."""
    items = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
    return list(_keras_result(name, items))


def assert_weights_close(got: list[np.ndarray], want: list[np.ndarray]) -> None:
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def assert_config_round_trip(optimizer: optimizers.Optimizer) -> None:
    config = optimizer.get_config()
    again = type(optimizer).from_config(config)
    assert again.get_config() == config
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(restored) is type(optimizer) and restored.get_config() == config


def assert_slots_survive_save_and_load(optimizer: optimizers.Optimizer, tmp_path: os.PathLike) -> None:
    """Three eager updates of a tiny model's weights, then ``model.save`` / ``load_model``: the loaded
    optimizer has the same class, config and variable values (slots and counters)."""
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(4, name="d1"), layers.Dense(2, name="d2")])
    model.compile(optimizer=optimizer, loss="mse")
    _, grads = problem()
    for g in grads:
        optimizer.apply(
            [
                np.full(tuple(v.shape), float(i + 1) * g[0].mean(), "float32")
                for i, v in enumerate(model.trainable_variables)
            ],
            model.trainable_variables,
        )
    path = os.path.join(tmp_path, "model.ukeras")
    model.save(path)
    loaded = saving.load_model(path)
    assert type(loaded.optimizer) is type(optimizer)
    assert loaded.optimizer.get_config() == optimizer.get_config()
    assert len(loaded.optimizer.variables) == len(optimizer.variables)
    for a, b in zip(optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
