"""The 8x8 handwritten digits that scikit-learn ships (1797 images, classes 0-9).

Read straight from scikit-learn's data folder (scikit-learn itself is not imported), split
80/20 stratified by class with a fixed seed.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

_FILE = Path("datasets") / "data" / "digits.csv.gz"


def _data_file() -> Path:
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "unikeras.datasets.digits reads the digits file that scikit-learn ships: pip install scikit-learn"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _FILE
    if not path.is_file():
        raise FileNotFoundError(f"scikit-learn is installed but its digits file is missing: {path}")
    return path


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the digits as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: uint8 images of shape ``(n, 8, 8)`` with values 0..16; ``y``: uint8 labels 0..9.
    Every class is split in the same ``test_split`` proportion (stratified), with a fixed seed.
    """
    with gzip.open(_data_file(), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    x = table[:, :-1].astype(np.uint8).reshape(-1, 8, 8)
    y = table[:, -1].astype(np.uint8)
    rng = np.random.default_rng(seed)
    test_idx = []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test_idx.append(members[: int(round(len(members) * test_split))])
    test_mask = np.zeros(len(y), dtype=bool)
    test_mask[np.concatenate(test_idx)] = True
    train_order = rng.permutation(np.flatnonzero(~test_mask))
    test_order = rng.permutation(np.flatnonzero(test_mask))
    return (x[train_order], y[train_order]), (x[test_order], y[test_order])
