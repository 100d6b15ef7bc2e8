"""NumPy (float64) references for the remaining core layers: 3-D padding/cropping/upsampling, RMS
normalization, adaptive pooling, spectral normalization's power iteration, reversible embeddings,
AlphaDropout's affine map and grouped-query attention. Written from the definitions, not from the layers."""

from __future__ import annotations

import math

import numpy as np

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _spatial(rank: int, data_format: str) -> list[int]:
    return list(range(1, rank - 1)) if data_format == "channels_last" else list(range(2, rank))


def zero_pad(x: np.ndarray, pads: list[tuple[int, int]], data_format: str) -> np.ndarray:
    width = [(0, 0)] * x.ndim
    for axis, pad in zip(_spatial(x.ndim, data_format), pads):
        width[axis] = pad
    return np.pad(np.asarray(x, np.float64), width)


def crop(x: np.ndarray, crops: list[tuple[int, int]], data_format: str) -> np.ndarray:
    index = [slice(None)] * x.ndim
    for axis, (lo, hi) in zip(_spatial(x.ndim, data_format), crops):
        index[axis] = slice(lo, x.shape[axis] - hi)
    return np.asarray(x, np.float64)[tuple(index)]


def upsample(x: np.ndarray, sizes: list[int], data_format: str) -> np.ndarray:
    out = np.asarray(x, np.float64)
    for axis, size in zip(_spatial(x.ndim, data_format), sizes):
        out = np.repeat(out, size, axis=axis)
    return out


def rms_normalize(x: np.ndarray, scale: np.ndarray, axes: tuple[int, ...], epsilon: float) -> np.ndarray:
    x = np.asarray(x, np.float64)
    rms = np.sqrt(np.mean(x**2, axis=axes, keepdims=True) + epsilon)
    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    return x / rms * np.asarray(scale, np.float64).reshape(shape)


def adaptive_pool(x: np.ndarray, output_size: tuple[int, ...], kind: str, data_format: str) -> np.ndarray:
    """Output bin ``i`` of an axis of length ``L`` pooled to ``n`` covers ``[floor(iL/n), ceil((i+1)L/n))``."""
    x = np.asarray(x, np.float64)
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    reduce = np.mean if kind == "average" else np.max
    out = np.zeros((x.shape[0], *output_size, x.shape[-1]))
    for position in np.ndindex(*output_size):
        index = [slice(None)]
        for i, n, length in zip(position, output_size, spatial):
            index.append(slice(math.floor(i * length / n), math.ceil((i + 1) * length / n)))
        window = x[tuple(index)].reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None), *position)] = reduce(window, axis=1)
    return np.moveaxis(out, -1, 1) if data_format == "channels_first" else out


def spectral_normalize(kernel: np.ndarray, u: np.ndarray, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """``(new u, kernel / sigma)`` after ``iterations`` power-iteration steps on the kernel as a matrix."""
    w = np.asarray(kernel, np.float64).reshape(-1, kernel.shape[-1])
    u = np.asarray(u, np.float64)
    for _ in range(iterations):
        v = u @ w.T
        v = v / max(np.linalg.norm(v), 1e-12)
        u = v @ w
        u = u / max(np.linalg.norm(u), 1e-12)
    sigma = float(v @ w @ u.T)
    return u, np.asarray(kernel, np.float64) / sigma


def reverse_embedding(x: np.ndarray, kernel: np.ndarray, soft_cap: float | None) -> np.ndarray:
    """``x @ kernel`` (``kernel``: ``(output_dim, input_dim)``), soft-capped to ``cap * tanh(logits / cap)``."""
    logits = np.asarray(x, np.float64) @ np.asarray(kernel, np.float64)
    return logits if soft_cap is None else soft_cap * np.tanh(logits / soft_cap)


def alpha_dropout(x: np.ndarray, keep: np.ndarray, rate: float) -> np.ndarray:
    """AlphaDropout's training output given the boolean ``keep`` mask (broadcast against ``x``)."""
    dropped = -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * dropped**2)) ** -0.5
    b = -a * dropped * rate
    return a * np.where(keep, np.asarray(x, np.float64), dropped) + b


def _softmax(z: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is not None:
        z = np.where(mask, z, -1e9)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=-1, keepdims=True)
    return p if mask is None else np.where(mask, p, 0.0)


def grouped_query_attention(
    query: np.ndarray,
    value: np.ndarray,
    weights: list[np.ndarray],
    num_query_heads: int,
    num_key_value_heads: int,
    mask: np.ndarray | None = None,
    use_gate: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Output and scores ``(batch, heads, T, S)`` of grouped-query attention with biases, the weights in
    Keras's order (query kernel/bias, key, (gate,) value, output), key = value; ``mask`` ``(batch, T, S)``."""
    f = [np.asarray(w, np.float64) for w in weights]
    q_k, q_b, k_k, k_b = f[:4]
    rest = f[4:]
    if use_gate:
        g_k, g_b, *rest = rest
    v_k, v_b, o_k, o_b = rest
    query, value = np.asarray(query, np.float64), np.asarray(value, np.float64)
    head_dim = q_k.shape[-1]
    q = np.einsum("btm,muh->btuh", query, q_k) + q_b
    k = np.einsum("bsm,mvh->bsvh", value, k_k) + k_b
    v = np.einsum("bsm,mvh->bsvh", value, v_k) + v_b
    group = num_query_heads // num_key_value_heads
    k, v = np.repeat(k, group, axis=2), np.repeat(v, group, axis=2)
    scores = np.einsum("btuh,bsuh->buts", q, k) / math.sqrt(head_dim)
    probs = _softmax(scores, None if mask is None else mask[:, None])
    out = np.einsum("buts,bsuh->btuh", probs, v)
    if use_gate:
        out = out / (1 + np.exp(-(np.einsum("btm,muh->btuh", query, g_k) + g_b)))
    return np.einsum("btuh,uhm->btm", out, o_k) + o_b, probs
