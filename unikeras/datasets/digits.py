"""The 8x8 handwritten digits that scikit-learn ships (1797 images, classes 0-9).

Read straight from scikit-learn's data folder (scikit-learn itself is not imported), split
80/20 stratified by class with a fixed seed.
"""

from __future__ import annotations

import numpy as np

from unikeras.datasets import _sklearn_files

CLASS_NAMES = tuple(str(i) for i in range(10))


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the digits as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: uint8 images of shape ``(n, 8, 8)`` with values 0..16; ``y``: uint8 labels 0..9.
    Every class is split in the same ``test_split`` proportion (stratified), with a fixed seed.
    """
    table = _sklearn_files.read_table("digits.csv.gz", "digits")
    x = table[:, :-1].astype(np.uint8).reshape(-1, 8, 8)
    y = table[:, -1].astype(np.uint8)
    return _sklearn_files.stratified_split(x, y, test_split, seed)
