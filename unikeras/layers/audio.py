"""Audio preprocessing layers (STFTSpectrogram, MelSpectrogram)."""

from __future__ import annotations

__all__: list[str] = []
