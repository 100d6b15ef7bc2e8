"""Fisher's iris flowers that scikit-learn ships: 150 samples, 4 measurements, 3 species (50 each).

Read straight from scikit-learn's data folder (scikit-learn itself is not imported), split
80/20 stratified by class with a fixed seed.
"""

from __future__ import annotations

import numpy as np

from unikeras.datasets import _sklearn_files

CLASS_NAMES = ("setosa", "versicolor", "virginica")
FEATURE_NAMES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the iris data as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: float32 of shape ``(n, 4)`` (``FEATURE_NAMES``, in cm); ``y``: uint8 labels 0..2
    (``CLASS_NAMES``). Every class is split in the same ``test_split`` proportion (stratified):
    120 training and 30 test samples by default; ``seed`` fixes the split and the order.
    """
    x, y, _ = _sklearn_files.read_labelled_csv("iris.csv", "iris")
    return _sklearn_files.stratified_split(x.astype(np.float32), y.astype(np.uint8), test_split, seed)
