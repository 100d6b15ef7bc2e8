"""California housing prices (20,640 samples, 8 features; Keras's ``california_housing.npz``) from a local file."""

from __future__ import annotations

import os

import numpy as np

from unikeras.datasets import _local


def load_data(
    version: str = "large", path: str | os.PathLike = "california_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: features ``(n, 8)`` and median house values ``(n,)``.

    Args:
        version: ``"large"`` (every sample) or ``"small"`` (the first 600, as Keras).
        path: the Keras-format ``california_housing.npz`` (arrays ``x``, ``y``), or its name in the cache folder.
        test_split: the share of samples kept for testing.
        seed: seed of the shuffle before splitting.
    """
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    how = f"download it by hand from {_local.KERAS_ORIGIN}california_housing.npz"
    file = _local.find("california_housing", ("california_housing.npz",), path, None, how)
    arrays = _local.load_npz(file, "california_housing")
    _local.require(arrays, ("x", "y"), file, "california_housing")
    x, y = np.asarray(arrays["x"]), np.asarray(arrays["y"])
    if version == "small":
        x, y = x[:600], y[:600]
    return _local.shuffled_split(x, y, test_split, seed)


__all__ = ["load_data"]
