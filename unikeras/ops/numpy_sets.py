"""NumPy ops with data-dependent output sizes or counts (unique, bincount, histogram, nonzero, ...)."""

from __future__ import annotations

__all__: list[str] = []
