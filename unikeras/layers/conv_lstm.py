"""Convolutional LSTM layers (ConvLSTM1D, ConvLSTM2D, ConvLSTM3D)."""

from __future__ import annotations

__all__: list[str] = []
