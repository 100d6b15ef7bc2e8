"""iris, wine, breast_cancer and diabetes: the union of the splits is scikit-learn's data set, the split
is stratified (classification) and fixed by the seed."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.datasets as sk_datasets

from unikeras.datasets import breast_cancer, diabetes, iris, wine

CLASSIFICATION = [
    (iris, sk_datasets.load_iris, (150, 4), 3),
    (wine, sk_datasets.load_wine, (178, 13), 3),
    (breast_cancer, sk_datasets.load_breast_cancer, (569, 30), 2),
]


def _sorted_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rows of features with the label as last column, in lexicographic order (to compare as multisets)."""
    table = np.column_stack([x.astype(np.float32), y.astype(np.float32)])
    return table[np.lexsort(table.T[::-1])]


@pytest.mark.parametrize("module, sk_loader, shape, num_classes", CLASSIFICATION, ids=["iris", "wine", "breast_cancer"])
def test_classification_set_matches_scikit_learn(module, sk_loader, shape, num_classes):
    (x_train, y_train), (x_test, y_test) = module.load_data()
    bunch = sk_loader()
    assert x_train.dtype == np.float32 and y_train.dtype == np.uint8
    assert x_train.ndim == 2 and x_train.shape[1] == shape[1] and y_train.shape == (len(x_train),)
    assert len(x_train) + len(x_test) == shape[0]
    assert module.CLASS_NAMES == tuple(bunch.target_names)
    assert module.FEATURE_NAMES == tuple(bunch.feature_names)
    # the same rows with the same labels, nothing lost or repeated
    np.testing.assert_array_equal(
        _sorted_rows(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])),
        _sorted_rows(bunch.data, bunch.target),
    )
    # stratified: every class keeps its share (within one sample) in the 20 % test part
    per_class = np.bincount(bunch.target, minlength=num_classes)
    np.testing.assert_allclose(np.bincount(y_test, minlength=num_classes), per_class * 0.2, atol=0.5)
    # shuffled, not in file order
    assert not np.array_equal(y_train, np.sort(y_train))


def test_split_is_fixed_by_the_seed_and_sized_by_test_split():
    (a, ya), (ta, tya) = iris.load_data()
    (b, yb), _ = iris.load_data()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    (c, _), (tc, _) = iris.load_data(seed=1)
    assert not np.array_equal(a, c)
    assert len(ta) == len(tc) == 30
    (d, yd), (td, ytd) = wine.load_data(test_split=0.5, seed=3)
    assert len(td) == 90 and len(d) == 88
    np.testing.assert_array_equal(np.bincount(ytd), [30, 36, 24])  # half of 59, 71, 48, rounded to even
    (_, _), (te, _) = iris.load_data(test_split=0.0)
    assert te.shape == (0, 4)
    with pytest.raises(ValueError, match=r"`test_split` must be a fraction in \[0, 1\), received 1.5"):
        iris.load_data(test_split=1.5)


def test_diabetes_matches_scikit_learns_raw_data():
    (x_train, y_train), (x_test, y_test) = diabetes.load_data()
    bunch = sk_datasets.load_diabetes(scaled=False)
    assert x_train.shape == (354, 10) and x_test.shape == (88, 10)
    assert x_train.dtype == y_train.dtype == np.float32 and y_train.shape == (354,)
    assert diabetes.FEATURE_NAMES == tuple(bunch.feature_names)
    np.testing.assert_array_equal(
        _sorted_rows(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])),
        _sorted_rows(bunch.data, bunch.target),
    )
    (again, _), _ = diabetes.load_data()
    np.testing.assert_array_equal(again, x_train)
    (other, _), _ = diabetes.load_data(seed=5)
    assert not np.array_equal(other, x_train)
