"""Fourier transforms and short-time Fourier transforms (fft, rfft, stft, istft, ...)."""

from __future__ import annotations

__all__: list[str] = []
