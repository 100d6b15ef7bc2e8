"""Plain NumPy references for the normalization layers (Keras semantics), computed in float64.

Each function takes the layer's input and weights as arrays and returns the layer's output; none of
them shares code with the layers under test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _f64(*arrays):
    return [None if a is None else np.asarray(a, dtype=np.float64) for a in arrays]


def _along(v: np.ndarray, axis: int, rank: int) -> np.ndarray:
    """A per-channel vector shaped to broadcast along ``axis`` of a rank-``rank`` array."""
    shape = [1] * rank
    shape[axis] = v.shape[0]
    return v.reshape(shape)


def group_norm(
    x: np.ndarray,
    groups: int,
    axis: int = -1,
    gamma: np.ndarray | None = None,
    beta: np.ndarray | None = None,
    epsilon: float = 1e-3,
) -> np.ndarray:
    """Group normalization: for every sample and every group of consecutive channels on ``axis``, the
    values of those channels (over all non-batch axes) are standardized with their own mean and
    population variance; then ``* gamma + beta`` per channel."""
    x, gamma, beta = _f64(x, gamma, beta)
    axis = axis % x.ndim
    channels = x.shape[axis]
    size = channels // groups
    out = np.empty_like(x)
    for n in range(x.shape[0]):
        sample = x[n]  # the batch axis removed: the channel axis is now axis - 1
        for g in range(groups):
            index = [slice(None)] * sample.ndim
            index[axis - 1] = slice(g * size, (g + 1) * size)
            block = sample[tuple(index)]
            out[n][tuple(index)] = (block - block.mean()) / np.sqrt(block.var() + epsilon)
    if gamma is not None:
        out = out * _along(gamma, axis, x.ndim)
    if beta is not None:
        out = out + _along(beta, axis, x.ndim)
    return out


def layer_norm(
    x: np.ndarray,
    axes: Sequence[int],
    gamma: np.ndarray | None = None,
    beta: np.ndarray | None = None,
    epsilon: float = 1e-3,
    rms_scaling: bool = False,
) -> np.ndarray:
    """Layer normalization over ``axes`` (gamma/beta have those axes' sizes). With ``rms_scaling`` (Keras's
    deprecated variant) the input is divided by ``sqrt(var + eps)`` without centering and only gamma applies."""
    x, gamma, beta = _f64(x, gamma, beta)
    axes = tuple(sorted(a % x.ndim for a in axes))
    param_shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    out = x / np.sqrt(var + epsilon) if rms_scaling else (x - mean) / np.sqrt(var + epsilon)
    if gamma is not None:
        out = out * gamma.reshape(param_shape)
    if beta is not None and not rms_scaling:
        out = out + beta.reshape(param_shape)
    return out


def batch_norm_inference(
    x: np.ndarray,
    axis: int,
    gamma: np.ndarray,
    beta: np.ndarray,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    epsilon: float = 1e-3,
) -> np.ndarray:
    """Batch normalization in inference mode with the moving statistics."""
    x, gamma, beta, moving_mean, moving_variance = _f64(x, gamma, beta, moving_mean, moving_variance)
    axis = axis % x.ndim

    def per_channel(v):
        return _along(v, axis, x.ndim)

    return (x - per_channel(moving_mean)) / np.sqrt(per_channel(moving_variance) + epsilon) * per_channel(
        gamma
    ) + per_channel(beta)


def unit_norm(x: np.ndarray, axes: int | Sequence[int] = -1) -> np.ndarray:
    """``x / max(||x||_2, 1e-12)`` with the norm over ``axes``."""
    (x,) = _f64(x)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    norm = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
    return x / np.maximum(norm, 1e-12)


def kept_statistics(data: np.ndarray, axis: int | Sequence[int] | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean, population variance and count of ``data`` for every index of the kept ``axis`` axes."""
    (data,) = _f64(data)
    kept = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    kept = {a % data.ndim for a in kept}
    reduced = tuple(a for a in range(data.ndim) if a not in kept)
    moved = np.moveaxis(data, reduced, range(len(reduced))) if reduced else data[None]
    flat = moved.reshape((-1,) + moved.shape[len(reduced) if reduced else 1 :])
    mean = flat.sum(axis=0) / flat.shape[0]
    variance = ((flat - mean) ** 2).sum(axis=0) / flat.shape[0]
    return mean, variance, flat.shape[0]


def normalization(
    x: np.ndarray,
    mean: np.ndarray,
    variance: np.ndarray,
    axis: int | Sequence[int] | None,
    invert: bool = False,
    epsilon: float = 1e-7,
) -> np.ndarray:
    """Keras's Normalization layer with statistics of the kept axes' shape: ``(x - mean) / max(sqrt(var), eps)``,
    or ``mean + x * max(sqrt(var), eps)`` when ``invert``."""
    x, mean, variance = _f64(x, mean, variance)
    kept = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    kept = sorted({a % x.ndim for a in kept})
    shape = [x.shape[a] if a in kept else 1 for a in range(x.ndim)]
    mean, variance = (
        np.broadcast_to(mean, [x.shape[a] for a in kept]),
        np.broadcast_to(variance, [x.shape[a] for a in kept]),
    )
    mean, std = mean.reshape(shape), np.maximum(np.sqrt(variance.reshape(shape)), epsilon)
    return mean + x * std if invert else (x - mean) / std
