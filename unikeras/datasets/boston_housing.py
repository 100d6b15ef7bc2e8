"""Boston housing prices (506 samples, 13 features; Keras's ``boston_housing.npz``) from a local file."""

from __future__ import annotations

import os

import numpy as np

from unikeras.datasets import _local


def load_data(path: str | os.PathLike = "boston_housing.npz", test_split: float = 0.2, seed: int = 113) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: float64 features ``(n, 13)`` and median prices ``(n,)``,
    shuffled with ``seed`` and split as Keras does.

    Args:
        path: the Keras-format ``boston_housing.npz`` (arrays ``x``, ``y``), or its name in the cache folder.
        test_split: the share of samples kept for testing.
        seed: seed of the shuffle before splitting.
    """
    how = f"download it by hand from {_local.KERAS_ORIGIN}boston_housing.npz"
    file = _local.find("boston_housing", ("boston_housing.npz",), path, None, how)
    arrays = _local.load_npz(file, "boston_housing")
    _local.require(arrays, ("x", "y"), file, "boston_housing")
    return _local.shuffled_split(np.asarray(arrays["x"]), np.asarray(arrays["y"]), test_split, seed)


__all__ = ["load_data"]
