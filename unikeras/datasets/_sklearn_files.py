"""Reading the small data files that scikit-learn ships, and splitting them train/test.

The files are read from scikit-learn's ``datasets/data`` folder; scikit-learn itself is never imported
(its import takes seconds).
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path
from typing import IO

import numpy as np

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def data_file(name: str, dataset: str) -> Path:
    """The path of scikit-learn's bundled file ``name``, for the loader of ``dataset``."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"unikeras.datasets.{dataset} reads the {dataset} file that scikit-learn ships: pip install scikit-learn"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"scikit-learn is installed but its {dataset} file is missing: {path}")
    return path


def _open(path: Path) -> IO[str]:
    return gzip.open(path, "rt") if path.suffix == ".gz" else open(path)


def read_table(name: str, dataset: str, delimiter: str | None = ",") -> np.ndarray:
    """A headerless numeric file as a float64 table (``delimiter=None``: any whitespace)."""
    with _open(data_file(name, dataset)) as f:
        return np.loadtxt(f, delimiter=delimiter, dtype=np.float64, ndmin=2)


def read_labelled_csv(name: str, dataset: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """A csv whose first line is ``n_samples,n_features,class name,...`` and whose rows are the features
    followed by the integer class: ``(features float64, labels int64, class names)``."""
    path = data_file(name, dataset)
    with _open(path) as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    n_samples, n_features = int(header[0]), int(header[1])
    if table.shape != (n_samples, n_features + 1):
        raise ValueError(
            f"{path}: the header announces {n_samples} samples of {n_features} features, but the file holds a "
            f"table of shape {table.shape}."
        )
    return table[:, :-1], table[:, -1].astype(np.int64), tuple(header[2:])


def check_test_split(test_split: float) -> None:
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) or not 0.0 <= test_split < 1.0:
        raise ValueError(f"load_data(): `test_split` must be a fraction in [0, 1), received {test_split!r}.")


def stratified_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> Split:
    """Every class split in the same ``test_split`` proportion; both parts shuffled, fixed by ``seed``."""
    check_test_split(test_split)
    rng = np.random.default_rng(seed)
    test_idx = [np.zeros(0, dtype=np.int64)]
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test_idx.append(members[: int(round(len(members) * test_split))])
    test_mask = np.zeros(len(y), dtype=bool)
    test_mask[np.concatenate(test_idx)] = True
    train_order = rng.permutation(np.flatnonzero(~test_mask))
    test_order = rng.permutation(np.flatnonzero(test_mask))
    return (x[train_order], y[train_order]), (x[test_order], y[test_order])


def random_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> Split:
    """A shuffled split with ``round(len(x) * test_split)`` test samples, fixed by ``seed`` (regression)."""
    check_test_split(test_split)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_split))
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])
