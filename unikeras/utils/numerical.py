"""Array helpers that work on NumPy input."""

from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels ``x`` (any shape) as float32 NumPy."""
    x = np.asarray(x, dtype="int64")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical(): labels must lie in [0, {num_classes}), found [{x.min()}, {x.max()}].")
    return np.eye(num_classes, dtype="float32")[x]
