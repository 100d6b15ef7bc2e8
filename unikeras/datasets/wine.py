"""The wine recognition data that scikit-learn ships: 178 wines, 13 chemical measurements, 3 cultivars.

Read straight from scikit-learn's data folder (scikit-learn itself is not imported), split
80/20 stratified by class with a fixed seed. The features differ in scale by up to four orders
of magnitude (proline ~1000, hue ~1): standardize them (``layers.Normalization``) before training.
"""

from __future__ import annotations

import numpy as np

from unikeras.datasets import _sklearn_files

CLASS_NAMES = ("class_0", "class_1", "class_2")
FEATURE_NAMES = (
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315_of_diluted_wines",
    "proline",
)


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the wine data as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: float32 of shape ``(n, 13)`` (``FEATURE_NAMES``); ``y``: uint8 labels 0..2
    (``CLASS_NAMES``: 59, 71 and 48 wines). Every class is split in the same ``test_split``
    proportion (stratified): 142 training and 36 test samples by default; ``seed`` fixes the
    split and the order.
    """
    x, y, _ = _sklearn_files.read_labelled_csv("wine_data.csv", "wine")
    return _sklearn_files.stratified_split(x.astype(np.float32), y.astype(np.uint8), test_split, seed)
