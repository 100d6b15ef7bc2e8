"""Geometric image preprocessing and augmentation layers (Resizing, crops, flips, rotations, zooms, ...)."""

from __future__ import annotations

__all__: list[str] = []
