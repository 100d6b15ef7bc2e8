"""One seed for everything: initial weights (NumPy) and run-time randomness (per backend)."""

from __future__ import annotations

import random

import numpy as np

_DEFAULT_SEED = 1337
_state = {"seed": None, "rng": np.random.default_rng(), "streams": 0}


def set_random_seed(seed: int) -> None:
    """Seed initial weights, run-time randomness (dropout) and Python's/NumPy's global RNGs.

    The same seed gives the same initial weights on every backend: initializers draw from
    one NumPy generator in the order layers are built.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed(): `seed` must be an int, received {seed!r}.")
    seed = int(seed)
    _state["seed"] = seed
    _state["rng"] = np.random.default_rng(seed)
    _state["streams"] = 0
    random.seed(seed)
    np.random.seed(seed % 2**32)


def global_seed() -> int | None:
    """The seed last given to :func:`set_random_seed`, or ``None``."""
    return _state["seed"]


def initializer_rng() -> np.random.Generator:
    """The NumPy generator initializers draw from."""
    return _state["rng"]


def next_stream_seed() -> int:
    """A fresh base seed for a new run-time random stream (a ``SeedGenerator``).

    Deterministic after :func:`set_random_seed`: the n-th stream created gets the same base
    on every backend.
    """
    _state["streams"] += 1
    if _state["seed"] is None:
        return random.SystemRandom().randrange(2**31 - 1)
    return (_state["seed"] * 7919 + _state["streams"] * 104729) % (2**31 - 1)
