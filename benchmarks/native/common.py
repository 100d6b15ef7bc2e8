"""Shared pieces of the native baselines: the model's shape and the batch order."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

LAYER_SIZES = (64, 64, 64, 10)  # the digits MLP: 64 -> 64 relu -> 64 relu -> 10 logits
LEARNING_RATE = 1e-3


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype("float32")


def initial_weights(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (glorot_uniform(rng, a, b), np.zeros(b, dtype="float32")) for a, b in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:])
    ]


def epoch_batches(x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator) -> Iterator[tuple]:
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    for start in range(0, len(x), batch_size):
        yield x[start : start + batch_size], y[start : start + batch_size]
