"""Fourier transforms and short-time Fourier transforms (fft, rfft, stft, istft, ...).

Keras passes complex values as ``(real, imag)`` tuples; so do these ops. The transforms are discrete
Fourier transforms written as matrix products with cosine/sine matrices computed in float64 NumPy:
one composition, the same on every backend (MXNet has no complex dtype), differentiable everywhere,
exact to float32 rounding for the frame sizes of audio layers (``O(n**2)`` work per transformed axis).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.variables import Variable

_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _tensor(b: Any, x: Any) -> Any:
    if isinstance(x, Variable):
        return x.value
    if b.is_tensor(x):
        return x
    x = np.asarray(x)
    return b.convert_to_tensor(x, x.dtype.name if x.dtype.kind == "f" else config.floatx())


def _float(b: Any, x: Any) -> Any:
    x = _tensor(b, x)
    return x if b.dtype_name(x) in _FLOATS else b.cast(x, config.floatx())


def _complex_pair(b: Any, x: Any, op: str, min_rank: int = 1) -> tuple[Any, Any]:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}(): input `x` should be a tuple of two tensors - real and imaginary. Received: x={x}")
    real, imag = _float(b, x[0]), _float(b, x[1])
    if b.shape(real) != b.shape(imag):
        raise ValueError(
            f"{op}(): the real and imaginary parts must have the same shape. Received: x[0].shape = "
            f"{b.shape(real)}, x[1].shape = {b.shape(imag)}"
        )
    if len(b.shape(real)) < min_rank:
        raise ValueError(f"{op}(): input should have rank >= {min_rank}. Received: input.shape = {b.shape(real)}")
    if b.dtype_name(imag) != b.dtype_name(real):
        imag = b.cast(imag, b.dtype_name(real))
    return real, imag


@functools.cache
def _cos_sin(n_in: int, n_out: int, period: int) -> tuple[np.ndarray, np.ndarray]:
    """``cos`` and ``sin`` of ``2 pi j k / period`` for ``j < n_in``, ``k < n_out`` (float64; the
    product ``j * k`` reduced modulo ``period`` first, so large sizes keep full precision)."""
    jk = np.outer(np.arange(n_in, dtype=np.int64), np.arange(n_out, dtype=np.int64)) % period
    angle = 2.0 * np.pi * jk / period
    return np.cos(angle), np.sin(angle)


def _const(b: Any, value: np.ndarray, dtype: str) -> Any:
    return b.convert_to_tensor(np.ascontiguousarray(value), dtype)


def _dft_last(b: Any, real: Any, imag: Any, inverse: bool) -> tuple[Any, Any]:
    """Complex DFT (or inverse DFT, divided by ``n``) along the last axis."""
    n = b.shape(real)[-1]
    dtype = b.dtype_name(real)
    cos, sin = _cos_sin(n, n, n)
    if inverse:
        cos, sin = cos / n, -sin / n
    c, s = _const(b, cos, dtype), _const(b, sin, dtype)
    # (re + i im)(cos - i sin) = re cos + im sin + i (im cos - re sin)
    out_real = b.add(b.matmul(real, c), b.matmul(imag, s))
    out_imag = b.subtract(b.matmul(imag, c), b.matmul(real, s))
    return out_real, out_imag


def _swap_last_two(b: Any, x: Any) -> Any:
    rank = len(b.shape(x))
    return b.transpose(x, (*range(rank - 2), rank - 1, rank - 2))


def _dft2(b: Any, x: Any, op: str, inverse: bool) -> tuple[Any, Any]:
    real, imag = _complex_pair(b, x, op, min_rank=2)
    real, imag = _dft_last(b, real, imag, inverse)
    real, imag = _dft_last(b, _swap_last_two(b, real), _swap_last_two(b, imag), inverse)
    return _swap_last_two(b, real), _swap_last_two(b, imag)


def fft(x: tuple[Any, Any]) -> tuple[Any, Any]:
    """Fast Fourier transform along the last axis of ``x``, a ``(real, imag)`` tuple; returns the
    ``(real, imag)`` tuple of the transform."""
    b = active()
    real, imag = _complex_pair(b, x, "fft")
    return _dft_last(b, real, imag, inverse=False)


def ifft(x: tuple[Any, Any]) -> tuple[Any, Any]:
    """Inverse fast Fourier transform along the last axis of the ``(real, imag)`` tuple ``x``."""
    b = active()
    real, imag = _complex_pair(b, x, "ifft")
    return _dft_last(b, real, imag, inverse=True)


def fft2(x: tuple[Any, Any]) -> tuple[Any, Any]:
    """2-D fast Fourier transform along the last two axes of the ``(real, imag)`` tuple ``x``."""
    return _dft2(active(), x, "fft2", inverse=False)


def ifft2(x: tuple[Any, Any]) -> tuple[Any, Any]:
    """2-D inverse fast Fourier transform along the last two axes of the ``(real, imag)`` tuple ``x``."""
    return _dft2(active(), x, "ifft2", inverse=True)


def _fit_last(b: Any, x: Any, n: int) -> Any:
    """``x`` cropped or zero-padded along its last axis to ``n`` entries."""
    shape = b.shape(x)
    have = shape[-1]
    if have > n:
        return b.slice(x, (0,) * len(shape), (*shape[:-1], n))
    if have < n:
        return b.pad(x, [(0, 0)] * (len(shape) - 1) + [(0, n - have)])
    return x


def _check_length(fft_length: Any, op: str) -> None:
    if fft_length is not None and (not isinstance(fft_length, (int, np.integer)) or fft_length < 1):
        raise ValueError(f"{op}(): `fft_length` must be a positive integer or None. Received: fft_length={fft_length}")


def rfft(x: Any, fft_length: int | None = None) -> tuple[Any, Any]:
    """Real-input fast Fourier transform along the last axis: the ``fft_length // 2 + 1`` non-negative
    frequency terms as a ``(real, imag)`` tuple. ``x`` is cropped or zero-padded to ``fft_length``
    (default: its last axis)."""
    b = active()
    x = _float(b, x)
    if len(b.shape(x)) < 1:
        raise ValueError(f"rfft(): input should have rank >= 1. Received: input.shape = {b.shape(x)}")
    _check_length(fft_length, "rfft")
    n = int(fft_length or b.shape(x)[-1])
    x = _fit_last(b, x, n)
    cos, sin = _cos_sin(n, n // 2 + 1, n)
    dtype = b.dtype_name(x)
    return b.matmul(x, _const(b, cos, dtype)), b.matmul(x, _const(b, -sin, dtype))


@functools.cache
def _irfft_matrices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Matrices ``(m, n)`` mapping the ``m = n // 2 + 1`` one-sided terms to the real signal: each term
    but the zero (and, for even ``n``, the Nyquist) term stands for itself and its conjugate; the
    imaginary parts of those self-conjugate terms are ignored, as in NumPy."""
    m = n // 2 + 1
    cos, sin = _cos_sin(m, n, n)
    weight = np.full((m, 1), 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0
    return cos * weight / n, -sin * weight / n


def irfft(x: tuple[Any, Any], fft_length: int | None = None) -> Any:
    """Inverse of ``rfft`` along the last axis of the ``(real, imag)`` tuple ``x``: a real signal of
    ``fft_length`` samples (default ``2 * (x.shape[-1] - 1)``; give it for an odd length)."""
    b = active()
    real, imag = _complex_pair(b, x, "irfft")
    _check_length(fft_length, "irfft")
    n = int(fft_length or 2 * (b.shape(real)[-1] - 1))
    if n < 1:
        raise ValueError(f"irfft(): cannot infer a positive `fft_length` from the input shape {b.shape(real)}.")
    m = n // 2 + 1
    real, imag = _fit_last(b, real, m), _fit_last(b, imag, m)
    cos, sin = _irfft_matrices(n)
    dtype = b.dtype_name(real)
    return b.add(b.matmul(real, _const(b, cos, dtype)), b.matmul(imag, _const(b, sin, dtype)))


def _window(window: Any, sequence_length: int, fft_length: int, op: str) -> np.ndarray | None:
    """The analysis window (periodic Hann/Hamming, or given values) zero-padded to ``fft_length``."""
    if window is None:
        return None
    if isinstance(window, str):
        from unikeras.initializers.stft import get_window

        win = get_window(window, sequence_length, periodic=True)
    else:
        if isinstance(window, Variable):
            window = window.numpy()
        elif active().is_tensor(window):
            window = active().to_numpy(window)
        win = np.asarray(window, dtype="float64")
        if win.ndim != 1 or win.shape[0] != sequence_length:
            raise ValueError(
                f"{op}(): the shape of `window` must be equal to [sequence_length]. Received: window shape={win.shape}"
            )
    left = (fft_length - sequence_length) // 2
    return np.pad(win, (left, fft_length - sequence_length - left))


def _check_stft_args(sequence_length: Any, sequence_stride: Any, fft_length: Any, window: Any, op: str) -> None:
    if not isinstance(sequence_stride, (int, np.integer)) or sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be a positive integer. Received: sequence_stride={sequence_stride}")
    if not isinstance(sequence_length, (int, np.integer)) or sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be a positive integer. Received: sequence_length={sequence_length}")
    if not isinstance(fft_length, (int, np.integer)) or fft_length < sequence_length:
        raise ValueError(
            "`fft_length` must equal or larger than `sequence_length`. "
            f"Received: sequence_length={sequence_length}, fft_length={fft_length}"
        )
    if isinstance(window, str) and window not in ("hann", "hamming"):
        raise ValueError(
            f'If a string is passed to `window`, it must be one of "hann", "hamming". Received: window={window}'
        )


def _reflect_indices(n: int, pad: int) -> np.ndarray:
    """Indices of ``np.pad(range(n), pad, mode="reflect")``."""
    if pad >= n:
        raise ValueError(f"stft(): reflect padding of {pad} needs a signal longer than {pad}; received length {n}.")
    return np.pad(np.arange(n), pad, mode="reflect")


def stft(
    x: Any,
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    window: Any = "hann",
    center: bool = True,
) -> tuple[Any, Any]:
    """Short-time Fourier transform along the last axis of ``x``.

    Frames of ``fft_length`` samples every ``sequence_stride`` samples (after reflect-padding
    ``fft_length // 2`` samples on both sides when ``center``) are multiplied by the window
    (``"hann"``, ``"hamming"`` — periodic — values of length ``sequence_length``, or ``None``; centred
    and zero-padded to ``fft_length``) and transformed. Returns the ``(real, imag)`` tuple of shape
    ``(..., num_sequences, fft_length // 2 + 1)``.
    """
    _check_stft_args(sequence_length, sequence_stride, fft_length, window, "stft")
    b = active()
    x = x.value if isinstance(x, Variable) else x if b.is_tensor(x) else b.convert_to_tensor(np.asarray(x))
    if b.dtype_name(x) not in ("float32", "float64"):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: input type={b.dtype_name(x)}")
    if len(b.shape(x)) < 1:
        raise ValueError(f"stft(): input should have rank >= 1. Received: input.shape = {b.shape(x)}")
    length = b.shape(x)[-1]
    positions = np.arange(length)
    if center:
        positions = _reflect_indices(length, fft_length // 2)
    frames_count = 1 + (len(positions) - fft_length) // sequence_stride
    if frames_count < 1:
        raise ValueError(f"stft(): a signal of {length} samples is shorter than one frame of fft_length={fft_length}.")
    starts = np.arange(frames_count) * sequence_stride
    index = positions[starts[:, None] + np.arange(fft_length)[None, :]]
    frames = b.take(x, b.convert_to_tensor(index.astype("int32"), "int32"), axis=len(b.shape(x)) - 1)
    cos, sin = _cos_sin(fft_length, fft_length // 2 + 1, fft_length)
    win = _window(window, sequence_length, fft_length, "stft")
    if win is not None:
        cos, sin = cos * win[:, None], sin * win[:, None]
    dtype = b.dtype_name(x)
    return b.matmul(frames, _const(b, cos, dtype)), b.matmul(frames, _const(b, -sin, dtype))


def _overlap_add_indices(frames: int, frame_length: int, stride: int) -> np.ndarray:
    """For each output sample, the flat indices of the frame samples that land on it, padded with the
    index one past the last (a zero appended to the frames)."""
    total = frame_length + stride * (frames - 1)
    per_sample = -(-frame_length // stride)
    index = np.full((total, per_sample), frames * frame_length, dtype=np.int64)
    count = np.zeros(total, dtype=np.int64)
    for f in range(frames):
        for k in range(frame_length):
            t = f * stride + k
            index[t, count[t]] = f * frame_length + k
            count[t] += 1
    return index


def istft(
    x: tuple[Any, Any],
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    length: int | None = None,
    window: Any = "hann",
    center: bool = True,
) -> Any:
    """Inverse short-time Fourier transform of the ``(real, imag)`` tuple ``x`` (``(..., num_sequences,
    fft_length // 2 + 1)``): each frame's inverse real FFT is multiplied by the window divided by the
    sum of the squared windows overlapping there (for the reconstruction to invert ``stft`` with the
    same arguments), then overlap-added; cropped to ``length`` samples when given, the ``center``
    padding removed."""
    _check_stft_args(sequence_length, sequence_stride, fft_length, window, "istft")
    b = active()
    real, imag = _complex_pair(b, x, "istft", min_rank=2)
    frames = irfft((real, imag), fft_length)
    shape = b.shape(frames)
    count = shape[-2]
    dtype = b.dtype_name(frames)
    win = _window(window, sequence_length, fft_length, "istft")
    if win is not None:
        overlaps = -(-fft_length // sequence_stride)
        squares = np.pad(win**2, (0, overlaps * sequence_stride - fft_length)).reshape(overlaps, sequence_stride)
        denominator = np.tile(squares.sum(0), overlaps)[:fft_length]
        frames = b.multiply(frames, _const(b, win / denominator, dtype))
    flat = b.reshape(frames, (*shape[:-2], count * fft_length))
    flat = b.pad(flat, [(0, 0)] * (len(shape) - 2) + [(0, 1)])
    index = _overlap_add_indices(count, fft_length, sequence_stride)
    gathered = b.take(flat, b.convert_to_tensor(index.astype("int32"), "int32"), axis=len(shape) - 2)
    signal = b.sum(gathered, axis=-1)
    total = index.shape[0]
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + int(length)
    elif center:
        end = total - fft_length // 2
    else:
        end = total
    end = min(end, total)
    if start > 0 or end < total:
        out_shape = b.shape(signal)
        signal = b.slice(signal, (0,) * (len(out_shape) - 1) + (start,), (*out_shape[:-1], max(end - start, 0)))
    return signal


__all__ = ["fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft"]
