"""NumPy references (float64, no framework) for the Fourier ops, the spectrogram layers and CTC."""

from __future__ import annotations

import numpy as np


def periodic_window(name: str | None, length: int) -> np.ndarray:
    """The periodic Hann / Hamming window (``None``: ones)."""
    n = np.arange(length)
    if name is None:
        return np.ones(length)
    a = {"hann": 0.5, "hamming": 0.54}[name]
    return a - (1 - a) * np.cos(2 * np.pi * n / length)


def frames(x: np.ndarray, frame_length: int, step: int) -> np.ndarray:
    """``(..., count, frame_length)`` frames of the last axis, every ``step`` samples."""
    count = 1 + (x.shape[-1] - frame_length) // step
    return np.stack([x[..., i * step : i * step + frame_length] for i in range(count)], axis=-2)


def stft(
    x: np.ndarray, sequence_length: int, stride: int, fft_length: int, window: str | None, center: bool
) -> np.ndarray:
    """Complex STFT ``(..., frames, fft_length // 2 + 1)`` as ``keras.ops.stft`` defines it."""
    x = np.asarray(x, dtype="float64")
    if center:
        pad = fft_length // 2
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)], mode="reflect")
    left = (fft_length - sequence_length) // 2
    win = np.zeros(fft_length) if window is not None else np.ones(fft_length)  # None: the whole frame
    win[left : left + sequence_length] = periodic_window(window, sequence_length)
    return np.fft.rfft(frames(x, fft_length, stride) * win, axis=-1)


def istft(spec: np.ndarray, sequence_length: int, stride: int, fft_length: int, window: str | None) -> np.ndarray:
    """Overlap-add inverse (no cropping): each frame's inverse FFT times ``window / sum of the squared
    windows sharing its position modulo ``stride``"""
    chunks = np.fft.irfft(spec, fft_length, axis=-1)
    count = spec.shape[-2]
    if window is not None:
        left = (fft_length - sequence_length) // 2
        win = np.zeros(fft_length)
        win[left : left + sequence_length] = periodic_window(window, sequence_length)
        denominator = np.array([np.sum(win[k % stride :: stride] ** 2) for k in range(fft_length)])
        chunks = chunks * win / denominator
    out = np.zeros(spec.shape[:-2] + (fft_length + stride * (count - 1),))
    for i in range(count):
        out[..., i * stride : i * stride + fft_length] += chunks[..., i, :]
    return out


def ctc_loss(labels: list[int], logits: np.ndarray, blank: int = 0) -> float:
    """CTC negative log-likelihood of ``labels`` under ``logits`` ``(steps, classes)``: the forward
    algorithm in probability space over the blank-extended label sequence (float64)."""
    z = logits - logits.max(-1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    ext = [blank]
    for c in labels:
        ext += [c, blank]
    alpha = np.zeros(len(ext))
    alpha[0] = probs[0, ext[0]]
    if len(ext) > 1:
        alpha[1] = probs[0, ext[1]]
    for t in range(1, len(logits)):
        new = np.zeros_like(alpha)
        for s in range(len(ext)):
            total = alpha[s] + (alpha[s - 1] if s >= 1 else 0.0)
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                total += alpha[s - 2]
            new[s] = total * probs[t, ext[s]]
        alpha = new
    end = alpha[-1] + (alpha[-2] if len(ext) > 1 else 0.0)
    return float(-np.log(end))


def spectrogram_kernels(frame_length: int, fft_length: int, window: str | None, scaling: str | None) -> tuple:
    """Keras's STFTSpectrogram kernels ``(frame_length, 1, fft_length // 2 + 1)`` for a symmetric
    (non-periodic) window."""
    t = np.arange(frame_length)[:, None]
    k = np.arange(fft_length // 2 + 1)[None, :]
    angle = -2 * np.pi * t * k / fft_length
    n = np.arange(frame_length)
    if window is None:
        win, scale = np.ones(frame_length), 1.0
    else:
        a = {"hann": 0.5, "hamming": 0.54}[window]
        win = a - (1 - a) * np.cos(2 * np.pi * n / (frame_length - 1))
        scale = {"density": np.sqrt(np.sum(win**2)), "spectrum": np.sum(np.abs(win)), None: 1.0}[scaling]
    real = (np.cos(angle) * win[:, None] / scale)[:, None, :]
    imag = (np.sin(angle) * win[:, None] / scale)[:, None, :]
    return real, imag


def stft_spectrogram(x: np.ndarray, real: np.ndarray, imag: np.ndarray, step: int, mode: str) -> np.ndarray:
    """``STFTSpectrogram`` (channels_last, padding "valid", no expand_dims) of ``(batch, time, channels)``
    with kernels ``(frame_length, 1, freq)``: ``(batch, frames, channels * freq)``."""
    frame_length = real.shape[0]
    chunks = frames(np.moveaxis(x, -1, 1), frame_length, step)  # (batch, channels, frames, frame_length)
    re = chunks @ real[:, 0, :]
    im = chunks @ imag[:, 0, :]
    power = re**2 + im**2
    eps = 1e-7
    out = {
        "real": re,
        "imag": im,
        "stft": np.concatenate([re, im], axis=-1),
        "angle": np.arctan2(im, re),
        "magnitude": np.sqrt(np.maximum(power, eps)),
        "log": np.log(np.maximum(np.sqrt(np.maximum(power, eps)), eps)),
    }[mode]
    batch, channels, count, freq = out.shape
    return np.transpose(out, (0, 2, 1, 3)).reshape(batch, count, channels * freq)


def mel_matrix(num_mel_bins: int, num_bins: int, sampling_rate: float, low: float, high: float) -> np.ndarray:
    """HTK triangular mel filters ``(num_bins, num_mel_bins)`` with peak 1, the DC bin all zeros."""

    def mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    hz = np.linspace(0, sampling_rate / 2, num_bins)
    edges = np.linspace(mel(np.float64(low)), mel(np.float64(high)), num_mel_bins + 2)
    out = np.zeros((num_bins, num_mel_bins))
    for j in range(num_mel_bins):
        lo, mid, hi = edges[j : j + 3]
        m = mel(hz[1:])
        out[1:, j] = np.maximum(0, np.minimum((m - lo) / (mid - lo), (hi - m) / (hi - mid)))
    return out
