"""The shipped digits: shapes, ranges, stratified 80/20 split, fixed order."""

from __future__ import annotations

import numpy as np

from unikeras.datasets import digits


def test_digits_split_is_stratified_and_fixed():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1438, 8, 8) and x_test.shape == (359, 8, 8)
    assert x_train.dtype == np.uint8 and x_train.max() == 16 and x_train.min() == 0
    assert set(np.unique(y_train)) == set(range(10))
    total = np.bincount(np.concatenate([y_train, y_test]))
    np.testing.assert_allclose(np.bincount(y_test) / total, 0.2, atol=0.01)
    (again, _), _ = digits.load_data()
    np.testing.assert_array_equal(again, x_train)
    # no sample appears in both parts
    train_rows = {row.tobytes() + bytes([label]) for row, label in zip(x_train, y_train)}
    overlap = sum(row.tobytes() + bytes([label]) in train_rows for row, label in zip(x_test, y_test))
    assert overlap <= 5  # the raw data holds a few exact duplicates
