# ruff: noqa: N803 - scikit-learn passes the samples as `X`
"""scikit-learn wrappers: fit / predict / transform on every backend, sklearn's clone and cross_val_score."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score

import unikeras
from unikeras import layers, wrappers


def _classifier(X, y, hidden=8):
    model = unikeras.Sequential(
        [unikeras.Input((X.shape[1],)), layers.Dense(hidden, activation="relu"), layers.Dense(y.shape[1], "softmax")]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(0.05), loss="categorical_crossentropy")
    return model


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    labels = np.repeat(np.array(["a", "b", "c"]), 20)
    X = centers[np.repeat(np.arange(3), 20)] + rng.normal(scale=0.3, size=(60, 2))
    return X.astype("float32"), labels


def test_regressor_on_every_backend(backend, blobs):
    X, _ = blobs
    base = unikeras.Sequential([unikeras.Input((2,)), layers.Dense(1)])
    base.compile(optimizer=unikeras.optimizers.SGD(0.3), loss="mse")
    y = X @ np.array([1.5, -0.5], "float32") + 0.25
    reg = wrappers.SKLearnRegressor(base, fit_kwargs={"epochs": 12, "batch_size": 60})
    prediction = reg.fit(X, y).predict(X)
    assert prediction.shape == (60,) and reg.score(X, y) > 0.95  # sklearn's R^2 over predict()
    assert reg.model_ is not base and reg.epoch_ == 12


def test_classifier(blobs):
    X, labels = blobs
    clf = wrappers.SKLearnClassifier(_classifier, model_kwargs={"hidden": 8}, fit_kwargs={"epochs": 20})
    clf.fit(X, labels, batch_size=60)
    assert list(clf.classes_) == ["a", "b", "c"] and clf.epoch_ == 20
    assert clf.score(X, labels) > 0.9  # sklearn's accuracy over predict()
    assert clf.predict(X[:2]).tolist() == ["a", "a"]
    with pytest.raises(ValueError, match="not seen"):
        clf._process_target(np.array(["z"]))


def test_transformer_clone_cross_validation_and_errors(blobs):
    X, labels = blobs
    encoder = wrappers.SKLearnTransformer(_classifier, fit_kwargs={"epochs": 2})
    with pytest.raises(NotFittedError):
        encoder.transform(X)
    probabilities = encoder.fit(X, np.eye(3)[np.searchsorted(["a", "b", "c"], labels)]).transform(X)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    copy = clone(wrappers.SKLearnClassifier(_classifier, fit_kwargs={"epochs": 5}))
    assert copy.get_params()["fit_kwargs"] == {"epochs": 5}
    cv_model = wrappers.SKLearnClassifier(_classifier, fit_kwargs={"epochs": 15, "batch_size": 30})
    scores = cross_val_score(cv_model, X, labels, cv=2)
    assert scores.shape == (2,) and scores.min() > 0.6
    with pytest.raises(ValueError, match="compiled"):
        wrappers.SKLearnRegressor(unikeras.Sequential([unikeras.Input((2,)), layers.Dense(1)])).fit(X, labels)
    with pytest.raises(ValueError, match="n_samples, 2"):
        encoder.transform(X[:, :1])
