"""Shared pieces of the native baselines: model shapes, initial weights and the batch order."""

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


def epoch_batches(
    x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator, max_steps: int | None = None
) -> Iterator[tuple]:
    """One epoch of batches in a fresh random order; only the first ``max_steps`` of them when given."""
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    stop = len(x) if max_steps is None else min(len(x), max_steps * batch_size)
    for start in range(0, stop, batch_size):
        yield x[start : start + batch_size], y[start : start + batch_size]


def glorot(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype("float32")


def suite_params(name: str, seed: int) -> dict[str, np.ndarray]:
    """Initial weights of a suite workload in Keras's layouts (Dense (in, out), Conv HWIO, LSTM gates i, f, c, o).

    Glorot-uniform kernels and zero biases (LayerNormalization: gamma 1, beta 0); the JAX and
    TensorFlow loops, which have no layer library of their own here, start from these.
    """
    rng = np.random.default_rng(seed)

    def dense(fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
        return glorot(rng, (fan_in, fan_out), fan_in, fan_out), np.zeros(fan_out, "float32")

    p: dict[str, np.ndarray] = {}
    if name == "mlp":
        for i, (a, b) in enumerate([(784, 256), (256, 256), (256, 10)]):
            p[f"d{i}_w"], p[f"d{i}_b"] = dense(a, b)
    elif name == "cnn":
        p["c0_w"], p["c0_b"] = glorot(rng, (3, 3, 1, 32), 9, 9 * 32), np.zeros(32, "float32")
        p["c1_w"], p["c1_b"] = glorot(rng, (3, 3, 32, 64), 9 * 32, 9 * 64), np.zeros(64, "float32")
        p["d0_w"], p["d0_b"] = dense(5 * 5 * 64, 128)
        p["d1_w"], p["d1_b"] = dense(128, 10)
    elif name == "lstm":
        p["lstm_w"] = glorot(rng, (16, 256), 16, 256)
        p["lstm_u"] = glorot(rng, (64, 256), 64, 256)
        p["lstm_b"] = np.concatenate([np.zeros(64), np.ones(64), np.zeros(128)]).astype("float32")  # unit forget bias
        p["d_w"], p["d_b"] = dense(64, 10)
    elif name == "transformer":
        for proj in ("q", "k", "v"):
            p[f"{proj}_w"], p[f"{proj}_b"] = glorot(rng, (64, 4, 16), 64, 64), np.zeros((4, 16), "float32")
        p["o_w"], p["o_b"] = glorot(rng, (4, 16, 64), 64, 64), np.zeros(64, "float32")
        p["f1_w"], p["f1_b"] = dense(64, 128)
        p["f2_w"], p["f2_b"] = dense(128, 64)
        for ln in ("ln1", "ln2"):
            p[f"{ln}_g"], p[f"{ln}_b"] = np.ones(64, "float32"), np.zeros(64, "float32")
        p["h_w"], p["h_b"] = dense(64, 10)
    else:
        raise ValueError(f"unknown workload {name!r}")
    return p
