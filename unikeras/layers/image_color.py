"""Colour and mixing image augmentation layers (contrast, brightness, hue, MixUp, CutMix, ...)."""

from __future__ import annotations

__all__: list[str] = []
