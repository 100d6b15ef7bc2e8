"""NumPy references of the lookup and encoding layers (written from Keras's documented behaviour)."""

from __future__ import annotations

import numpy as np


def encode(indices: np.ndarray, mode: str, depth: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Keras's categorical encodings of integer ``indices`` in float64; out-of-range indices count nowhere."""
    indices = np.asarray(indices)
    if mode == "int":
        return indices
    if indices.ndim == 0:
        indices = indices.reshape(1)
    if mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        out = np.zeros(indices.shape + (depth,))
        for pos in np.ndindex(indices.shape):
            if 0 <= indices[pos] < depth:
                out[pos + (indices[pos],)] = 1.0
        return out
    rows = indices.reshape(1, -1) if indices.ndim == 1 else indices
    w = np.ones(rows.shape) if weights is None else np.asarray(weights, "float64").reshape(rows.shape)
    out = np.zeros((rows.shape[0], depth))
    for r in range(rows.shape[0]):
        for c in range(rows.shape[1]):
            if 0 <= rows[r, c] < depth:
                out[r, rows[r, c]] = 1.0 if mode == "multi_hot" else out[r, rows[r, c]] + w[r, c]
    return out[0] if indices.ndim == 1 else out


def digitize(x: np.ndarray, boundaries: list[float]) -> np.ndarray:
    """The bucket of every value: how many boundaries are <= it."""
    x = np.asarray(x, "float64")
    return np.asarray([[sum(v >= b for b in boundaries)] for v in x.reshape(-1)], "int64").reshape(x.shape)


def lookup(values: np.ndarray, vocabulary: list, mask_token=None, num_oov_indices: int = 1) -> np.ndarray:
    """Indices of ``values`` for output_mode='int' with at most one OOV index: mask 0, OOV next, then the vocabulary."""
    start = (1 if mask_token is not None else 0) + num_oov_indices
    table = {t: i + start for i, t in enumerate(vocabulary)}
    oov = 1 if mask_token is not None else 0
    out = [0 if mask_token is not None and v == mask_token else table.get(v, oov) for v in np.asarray(values).ravel()]
    return np.asarray(out, "int64").reshape(np.shape(values))
