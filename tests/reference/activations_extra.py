"""NumPy (float64) references for the activations added to ops.nn / activations."""

from __future__ import annotations

import numpy as np


def celu(x, alpha=1.0):
    return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)


def glu(x, axis=-1):
    a, b = np.split(x, 2, axis=axis)
    return a / (1 + np.exp(-b))


def hard_shrink(x, threshold=0.5):
    return np.where(np.abs(x) > threshold, x, 0.0)


def hard_tanh(x):
    return np.clip(x, -1, 1)


def soft_shrink(x, threshold=0.5):
    return np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0)


def sparse_plus(x):
    return np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x))


def sparse_sigmoid(x):
    return np.clip((x + 1) / 2, 0, 1)


def squareplus(x, b=4):
    return (x + np.sqrt(x**2 + b)) / 2


def tanh_shrink(x):
    return x - np.tanh(x)


def threshold(x, threshold, default_value):
    return np.where(x > threshold, x, default_value)


def mish(x):
    return x * np.tanh(np.log1p(np.exp(x)))


def sparsemax(x, axis=-1):
    """Projection onto the simplex, row by row (Martins & Astudillo, 2016, algorithm 1)."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        z = moved[index]
        zs = np.sort(z)[::-1]
        cumulative = np.cumsum(zs)
        k = np.arange(1, z.size + 1)
        support = 1 + k * zs > cumulative
        k_max = k[support][-1]
        tau = (cumulative[k_max - 1] - 1) / k_max
        out[index] = np.maximum(z - tau, 0)
    return np.moveaxis(out, -1, axis)


def orthogonal_penalty(w, factor=0.01, mode="rows"):
    v = w if mode == "rows" else w.T
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    product = v @ v.T
    n = v.shape[0]
    off = np.abs(product - np.diag(np.diag(product))).sum()
    return factor * 0.5 * off / (n * (n - 1) / 2)
