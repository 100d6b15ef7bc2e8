"""Colour-space and filter image ops of keras.ops.image (rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb, ...)."""

from __future__ import annotations

__all__: list[str] = []
