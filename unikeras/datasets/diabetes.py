"""The diabetes regression data that scikit-learn ships: 442 patients, 10 baseline measurements, and a
measure of disease progression one year later (25..346).

Read straight from scikit-learn's data folder (scikit-learn itself is not imported), split 80/20 at
random with a fixed seed. The features are the raw values (age in years, sex coded 1/2, body mass
index, mean blood pressure and six blood serum measurements ``s1``..``s6``), not scikit-learn's
default centred and scaled copy (``load_diabetes(scaled=False)`` gives the same values): standardize
them (``layers.Normalization``) before training.
"""

from __future__ import annotations

import numpy as np

from unikeras.datasets import _sklearn_files

FEATURE_NAMES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the diabetes data as ``(x_train, y_train), (x_test, y_test)``.

    ``x``: float32 of shape ``(n, 10)`` (``FEATURE_NAMES``); ``y``: float32 of shape ``(n,)``, the
    disease progression. ``round(442 * test_split)`` samples go to the test part (88 by default,
    354 to training), chosen at random; ``seed`` fixes the split and the order.
    """
    x = _sklearn_files.read_table("diabetes_data_raw.csv.gz", "diabetes", delimiter=None)
    y = _sklearn_files.read_table("diabetes_target.csv.gz", "diabetes", delimiter=None)[:, 0]
    if x.shape != (len(y), len(FEATURE_NAMES)):
        raise ValueError(
            f"The diabetes files hold features of shape {x.shape} and {len(y)} targets; expected "
            f"{len(y)} rows of {len(FEATURE_NAMES)} features."
        )
    return _sklearn_files.random_split(x.astype(np.float32), y.astype(np.float32), test_split, seed)
