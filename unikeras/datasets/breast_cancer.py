"""The Wisconsin breast cancer (diagnostic) data that scikit-learn ships: 569 tumours, 30 features, 2 classes.

Read straight from scikit-learn's data folder (scikit-learn itself is not imported), split
80/20 stratified by class with a fixed seed. A binary task: one sigmoid output with
``binary_crossentropy``. The features differ widely in scale: standardize them first.
"""

from __future__ import annotations

import numpy as np

from unikeras.datasets import _sklearn_files

CLASS_NAMES = ("malignant", "benign")
_MEASURES = (
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
)
FEATURE_NAMES = tuple(
    [f"mean {m}" for m in _MEASURES] + [f"{m} error" for m in _MEASURES] + [f"worst {m}" for m in _MEASURES]
)


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the breast cancer data as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: float32 of shape ``(n, 30)`` (``FEATURE_NAMES``: mean, standard error and worst value of
    ten measurements of the cell nuclei); ``y``: uint8 labels, 0 malignant (212) and 1 benign (357)
    (``CLASS_NAMES``). Both classes are split in the same ``test_split`` proportion (stratified):
    455 training and 114 test samples by default; ``seed`` fixes the split and the order.
    """
    x, y, _ = _sklearn_files.read_labelled_csv("breast_cancer.csv", "breast_cancer")
    return _sklearn_files.stratified_split(x.astype(np.float32), y.astype(np.uint8), test_split, seed)
