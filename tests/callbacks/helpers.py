"""Models shared by the callback tests.

Every new model (or new ``compile``) costs a jit compilation of its train step on JAX, about a
second. The callback tests only need *a* compiled model in a known state, so each backend keeps
one model per kind here, and ``model()`` resets its weights, its optimizer state and its
learning rate before handing it out.
"""

from __future__ import annotations

import numpy as np

import unikeras
from unikeras import backends, layers

_CACHE: dict = {}
_RATES = {"linear": 0.05, "classifier": 0.05, "mlp": 0.01}


def _build(kind: str) -> unikeras.Model:
    if kind == "linear":  # y = x @ w + b, SGD, mse
        model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
        model.compile(optimizer=unikeras.optimizers.SGD(_RATES[kind]), loss="mse")
    elif kind == "classifier":  # with an accuracy metric in the logs
        model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
        model.compile(optimizer=unikeras.optimizers.SGD(_RATES[kind]), loss="mse", metrics=["accuracy"])
    elif kind == "mlp":  # Adam: slots and an iteration count that a restore must bring back
        model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
        model.compile(optimizer=unikeras.optimizers.Adam(_RATES[kind]), loss="mse")
    else:
        raise ValueError(kind)
    model.optimizer.build(model.trainable_variables)
    return model


def model(kind: str = "linear", learning_rate: float | None = None, seed: int = 0) -> unikeras.Model:
    """The shared ``kind`` model of the current backend with weights drawn from ``seed``, a fresh
    optimizer state and ``learning_rate`` (the kind's default when ``None``)."""
    key = (backends.current().name, kind)
    if key not in _CACHE:
        built = _build(kind)
        _CACHE[key] = (built, [v.numpy() for v in built.optimizer.variables])
    found, optimizer_state = _CACHE[key]
    rng = np.random.default_rng(seed)
    found.set_weights([(0.5 * rng.standard_normal(w.shape)).astype(w.dtype) for w in found.weights])
    for variable, value in zip(found.optimizer.variables, optimizer_state):
        variable.assign(variable.backend.convert_to_tensor(value))
    found.optimizer.learning_rate = _RATES[kind] if learning_rate is None else learning_rate
    found.stop_training = False
    return found


def data(rng: np.random.Generator, n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of a noiseless linear target in 3 features."""
    x = rng.standard_normal((n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32") + 0.3).astype("float32")
    return x, y
