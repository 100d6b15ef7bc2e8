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


def grouped_conv(
    x: np.ndarray,
    kernel: np.ndarray,
    strides: Sequence[int],
    padding: str,
    data_format: str = "channels_last",
    dilation_rate: Sequence[int] | None = None,
    groups: int = 1,
) -> np.ndarray:
    """Grouped convolution: ``kernel`` is ``(*kernel_size, in_channels // groups, out_channels)``;
    input channel group ``g`` meets output channels ``g * out // groups ... (g + 1) * out // groups``."""
    axis = -1 if data_format == "channels_last" else 1
    xs = np.split(np.asarray(x), groups, axis=axis)
    ks = np.split(np.asarray(kernel), groups, axis=-1)
    outs = [conv(xg, kg, strides, padding, data_format, dilation_rate) for xg, kg in zip(xs, ks, strict=True)]
    return np.concatenate(outs, axis=axis)


def depthwise_conv(
    x: np.ndarray,
    kernel: np.ndarray,
    strides: Sequence[int],
    padding: str,
    data_format: str = "channels_last",
    dilation_rate: Sequence[int] | None = None,
) -> np.ndarray:
    """Depthwise convolution, ``kernel`` ``(*kernel_size, in_channels, depth_multiplier)``; output
    channel ``c * depth_multiplier + m`` is input channel ``c`` convolved with ``kernel[..., c, m]``."""
    dtype = np.result_type(x, kernel)
    xl = _to_last(np.asarray(x, np.float64), data_format)
    k = np.asarray(kernel, np.float64)
    outs = [
        conv(xl[..., c : c + 1], k[..., c : c + 1, :], strides, padding, "channels_last", dilation_rate)
        for c in range(xl.shape[-1])
    ]
    return _from_last(np.concatenate(outs, axis=-1), data_format).astype(dtype)


def separable_conv(
    x: np.ndarray,
    depthwise_kernel: np.ndarray,
    pointwise_kernel: np.ndarray,
    strides: Sequence[int],
    padding: str,
    data_format: str = "channels_last",
    dilation_rate: Sequence[int] | None = None,
) -> np.ndarray:
    """Depthwise convolution followed by the ``(1, ..., 1, in * depth_multiplier, filters)`` pointwise one."""
    mid = depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)
    nd = np.ndim(x) - 2
    return conv(mid, pointwise_kernel, (1,) * nd, "valid", data_format)


def transpose_output_and_crop(
    size: int, window: int, stride: int, padding: str, output_padding: int | None = None, dilation: int = 1
) -> tuple[int, int]:
    """Keras's transposed-conv output length of one axis, and how many leading cells of the full
    scatter result (length ``(size - 1) * stride + effective window``) it drops."""
    effective = (window - 1) * dilation + 1
    full = (size - 1) * stride + effective
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return full + extra, 0
    if padding == "same":
        out = size * stride if output_padding is None else (size - 1) * stride + effective % 2 + output_padding
        return out, max(full - out, 0) // 2
    raise ValueError(f"unknown padding {padding!r}")


def conv_transpose(
    x: np.ndarray,
    kernel: np.ndarray,
    strides: Sequence[int],
    padding: str,
    output_padding: Sequence[int] | None = None,
    data_format: str = "channels_last",
    dilation_rate: Sequence[int] | None = None,
) -> np.ndarray:
    """Transposed convolution as Keras's ``Conv*DTranspose`` (no bias): ``kernel`` is
    ``(*kernel_size, filters, in_channels)``; input cell ``i`` adds ``x[i] @ kernel[t].T`` to output
    cell ``i * stride + t * dilation - crop`` (``crop`` from ``transpose_output_and_crop``)."""
    dtype = np.result_type(x, kernel)
    xl = _to_last(np.asarray(x, np.float64), data_format)
    k = np.asarray(kernel, np.float64)
    nd = xl.ndim - 2
    dilation = tuple(dilation_rate or (1,) * nd)
    pads = output_padding if output_padding is not None else (None,) * nd
    spatial = xl.shape[1:-1]
    geometry = [
        transpose_output_and_crop(n, w, s, padding, p, d)
        for n, w, s, p, d in zip(spatial, k.shape[:nd], strides, pads, dilation, strict=True)
    ]
    full = [(n - 1) * s + (w - 1) * d + 1 for n, w, s, d in zip(spatial, k.shape[:nd], strides, dilation)]
    size = [max(f, crop + out) for f, (out, crop) in zip(full, geometry)]
    scattered = np.zeros((xl.shape[0], *size, k.shape[-2]))
    for offsets in itertools.product(*(range(w) for w in k.shape[:nd])):
        index = tuple(
            slice(t * d, t * d + (n - 1) * s + 1, s) for t, d, s, n in zip(offsets, dilation, strides, spatial)
        )
        scattered[(slice(None), *index, slice(None))] += xl @ k[offsets].T
    out = scattered[(slice(None), *(slice(crop, crop + n) for n, crop in geometry), slice(None))]
    return _from_last(out, data_format).astype(dtype)
