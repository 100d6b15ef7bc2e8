"""Plain NumPy references for N-d convolution and pooling (Keras semantics).

Layouts: ``x`` is ``(batch, *spatial, channels)`` for ``"channels_last"`` and
``(batch, channels, *spatial)`` for ``"channels_first"``; the conv kernel is always
``(*kernel_size, in_channels, out_channels)``. ``"same"`` padding puts the extra cell of an odd
total padding at the end (TensorFlow's rule). Computation is in float64; the result is cast
back to ``x``'s dtype.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np


def _to_last(x: np.ndarray, data_format: str) -> np.ndarray:
    if data_format == "channels_last":
        return x
    if data_format != "channels_first":
        raise ValueError(f"unknown data_format {data_format!r}")
    return np.moveaxis(x, 1, -1)


def _from_last(x: np.ndarray, data_format: str) -> np.ndarray:
    return x if data_format == "channels_last" else np.moveaxis(x, -1, 1)


def output_and_padding(
    size: int, window: int, stride: int, padding: str, dilation: int = 1
) -> tuple[int, tuple[int, int]]:
    """Output length and ``(before, after)`` padding of one spatial axis."""
    effective = (window - 1) * dilation + 1
    if padding == "valid":
        return max((size - effective) // stride + 1, 0), (0, 0)
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + effective - size, 0)
        return out, (total // 2, total - total // 2)
    raise ValueError(f"unknown padding {padding!r}")


def _geometry(spatial, window, strides, padding, dilation):
    outs, pads = [], []
    for size, w, s, d in zip(spatial, window, strides, dilation, strict=True):
        out, pad = output_and_padding(size, w, s, padding, d)
        outs.append(out)
        pads.append(pad)
    return outs, pads


def _window_slices(offsets, dilation, strides, outs):
    """Index of the input cells seen by window cell ``offsets`` for every output position."""
    return tuple(
        slice(o * d, o * d + (n - 1) * s + 1, s) for o, d, s, n in zip(offsets, dilation, strides, outs, strict=True)
    )


def conv(
    x: np.ndarray,
    kernel: np.ndarray,
    strides: Sequence[int],
    padding: str,
    data_format: str = "channels_last",
    dilation_rate: Sequence[int] | None = None,
) -> np.ndarray:
    """N-d cross-correlation as Keras's ``ConvND`` (no bias)."""
    dtype = np.result_type(x, kernel)
    xl = _to_last(np.asarray(x, np.float64), data_format)
    k = np.asarray(kernel, np.float64)
    nd = xl.ndim - 2
    dilation = tuple(dilation_rate or (1,) * nd)
    outs, pads = _geometry(xl.shape[1:-1], k.shape[:nd], strides, padding, dilation)
    xp = np.pad(xl, [(0, 0), *pads, (0, 0)])
    out = np.zeros((xl.shape[0], *outs, k.shape[-1]))
    if all(n > 0 for n in outs):
        for offsets in itertools.product(*(range(w) for w in k.shape[:nd])):
            window = xp[(slice(None), *_window_slices(offsets, dilation, strides, outs), slice(None))]
            out += window @ k[offsets]
    return _from_last(out, data_format).astype(dtype)


def _pool(x, pool_size, strides, padding, data_format, reducer):
    dtype = np.asarray(x).dtype
    xl = _to_last(np.asarray(x, np.float64), data_format)
    nd = xl.ndim - 2
    ones = (1,) * nd
    outs, pads = _geometry(xl.shape[1:-1], pool_size, strides, padding, ones)
    out = reducer(xl, outs, pads)
    return _from_last(out, data_format).astype(dtype)


def max_pool(
    x: np.ndarray, pool_size: Sequence[int], strides: Sequence[int], padding: str, data_format: str = "channels_last"
) -> np.ndarray:
    """Max pooling; padded cells never win."""

    def reducer(xl, outs, pads):
        xp = np.pad(xl, [(0, 0), *pads, (0, 0)], constant_values=-np.inf)
        out = np.full((xl.shape[0], *outs, xl.shape[-1]), -np.inf)
        for offsets in itertools.product(*(range(p) for p in pool_size)):
            window = xp[(slice(None), *_window_slices(offsets, (1,) * len(outs), strides, outs), slice(None))]
            out = np.maximum(out, window)
        return out

    return _pool(x, pool_size, strides, padding, data_format, reducer)


def avg_pool(
    x: np.ndarray, pool_size: Sequence[int], strides: Sequence[int], padding: str, data_format: str = "channels_last"
) -> np.ndarray:
    """Average pooling; with ``"same"`` padding the padded cells are not counted."""

    def reducer(xl, outs, pads):
        xp = np.pad(xl, [(0, 0), *pads, (0, 0)])
        valid = np.pad(np.ones_like(xl), [(0, 0), *pads, (0, 0)])
        total = np.zeros((xl.shape[0], *outs, xl.shape[-1]))
        count = np.zeros_like(total)
        for offsets in itertools.product(*(range(p) for p in pool_size)):
            index = (slice(None), *_window_slices(offsets, (1,) * len(outs), strides, outs), slice(None))
            total += xp[index]
            count += valid[index]
        return total / count

    return _pool(x, pool_size, strides, padding, data_format, reducer)
