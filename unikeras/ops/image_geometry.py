"""Geometric image ops of keras.ops.image (resize, affine_transform, crop and pad, patches, ...)."""

from __future__ import annotations

__all__: list[str] = []
