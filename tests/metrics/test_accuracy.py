"""Accuracy metrics (top-k included) and Mean: state across batches, reset, weights, against NumPy
and Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.reference import metrics as ref
from unikeras import metrics, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def _result(metric):
    return float(ops.convert_to_numpy(metric.result()))


def test_mean_accumulates_with_weights(backend):
    m = metrics.Mean()
    m.update_state(np.array([1.0, 2.0, 3.0], dtype="float32"))
    m.update_state(np.array([10.0], dtype="float32"), sample_weight=np.array([2.0], dtype="float32"))
    np.testing.assert_allclose(_result(m), (1 + 2 + 3 + 20) / 5, rtol=1e-6)
    m.reset_state()
    assert _result(m) == 0.0


def test_sparse_categorical_accuracy_over_batches(backend, rng):
    m = metrics.SparseCategoricalAccuracy()
    all_true, all_pred = [], []
    for _ in range(3):
        y_pred = rng.random((10, 4)).astype("float32")
        y_true = rng.integers(0, 4, 10)
        m.update_state(y_true, y_pred)
        all_true.append(y_true)
        all_pred.append(y_pred)
    expected = np.mean(np.concatenate(all_true) == np.concatenate(all_pred).argmax(-1))
    np.testing.assert_allclose(_result(m), expected, rtol=1e-6)


def test_categorical_and_binary_accuracy(backend, rng):
    y_pred = rng.random((12, 3)).astype("float32")
    y_true = np.eye(3, dtype="float32")[rng.integers(0, 3, 12)]
    cat = metrics.CategoricalAccuracy()
    cat.update_state(y_true, y_pred)
    np.testing.assert_allclose(_result(cat), np.mean(y_true.argmax(-1) == y_pred.argmax(-1)), rtol=1e-6)
    b_true = rng.integers(0, 2, (12, 1)).astype("float32")
    b_pred = rng.random((12, 1)).astype("float32")
    binary = metrics.BinaryAccuracy()
    binary.update_state(b_true, b_pred)
    np.testing.assert_allclose(_result(binary), np.mean(b_true == (b_pred > 0.5)), rtol=1e-6)


@pytest.mark.parametrize(
    "loss,cls",
    [
        ("sparse_categorical_crossentropy", metrics.SparseCategoricalAccuracy),
        ("categorical_crossentropy", metrics.CategoricalAccuracy),
        ("binary_crossentropy", metrics.BinaryAccuracy),
        ("mse", metrics.Accuracy),
    ],
)
def test_accuracy_string_follows_the_loss(backend, loss, cls):
    metric = metrics.get("accuracy", loss)
    assert type(metric) is cls and metric.name == "accuracy"


def test_unknown_metric_lists_known_names(backend):
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'.*accuracy"):
        metrics.get("acuracy")


def _tied_scores(rng, n=12, classes=6):
    """Scores with ties straddling the top-k boundary (a quantized grid)."""
    return (rng.integers(0, 4, (n, classes)) / 4).astype("float32")


def test_top_k_accuracies_count_ties_in_and_match_keras(backend, rng):
    scores = _tied_scores(rng)
    labels = rng.integers(0, 6, 12)
    onehot = np.eye(6, dtype="float32")[labels]
    for k in (1, 2, 5):
        expected = ref.in_top_k(labels, scores, k).astype("float32")
        sparse = ops.convert_to_numpy(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=k))
        dense = ops.convert_to_numpy(metrics.top_k_categorical_accuracy(onehot, scores, k=k))
        np.testing.assert_array_equal(sparse, expected)
        np.testing.assert_array_equal(dense, expected)
        np.testing.assert_array_equal(
            sparse, np.asarray(keras.metrics.sparse_top_k_categorical_accuracy(labels, scores, k=k))
        )
    # a NaN score at the label is never in the top k
    nan_scores = scores.copy()
    nan_scores[0, labels[0]] = np.nan
    assert ops.convert_to_numpy(metrics.sparse_top_k_categorical_accuracy(labels, nan_scores, k=6))[0] == 0.0


def test_top_k_metrics_over_batches_with_weights(backend, rng):
    dense, sparse = metrics.TopKCategoricalAccuracy(k=2), metrics.SparseTopKCategoricalAccuracy(k=2)
    keras_sparse = keras.metrics.SparseTopKCategoricalAccuracy(k=2)
    hits, weights = [], []
    for i in range(3):
        scores = _tied_scores(rng)
        labels = rng.integers(0, 6, (12, 1))  # a trailing axis of 1, as Keras accepts
        weight = rng.uniform(0.5, 2.0, 12).astype("float32") if i else None
        dense.update_state(np.eye(6, dtype="float32")[labels[:, 0]], scores, sample_weight=weight)
        sparse.update_state(labels, scores, sample_weight=weight)
        keras_sparse.update_state(labels, scores, sample_weight=weight)
        hits.append(ref.in_top_k(labels[:, 0], scores, 2))
        weights.append(np.ones(12) if weight is None else weight)
    expected = ref.weighted_mean(hits, weights)
    np.testing.assert_allclose(_result(dense), expected, rtol=1e-5)
    np.testing.assert_allclose(_result(sparse), expected, rtol=1e-5)
    np.testing.assert_allclose(_result(sparse), float(keras_sparse.result()), rtol=1e-5)
    sparse.reset_state()
    assert _result(sparse) == 0.0


def test_sparse_top_k_from_sorted_ids(backend, rng):
    ids = np.argsort(-rng.random((10, 5)), axis=-1).astype("int32")  # class ids, best first
    labels = rng.integers(0, 5, 10)
    got = ops.convert_to_numpy(metrics.sparse_top_k_categorical_accuracy(labels, ids, k=2, from_sorted_ids=True))
    np.testing.assert_array_equal(got, np.any(ids[:, :2] == labels[:, None], axis=1).astype("float32"))


def test_accuracy_configs_match_keras(backend):
    cases = [
        (metrics.TopKCategoricalAccuracy, {"k": 3, "name": "top3"}),
        (metrics.SparseTopKCategoricalAccuracy, {"name": "s"}),
        (metrics.SparseTopKCategoricalAccuracy, {"k": 2, "from_sorted_ids": True, "name": "s"}),
        (metrics.BinaryAccuracy, {"threshold": 0.3, "name": "b"}),
        (metrics.Accuracy, {"name": "a"}),
    ]
    for cls, kwargs in cases:
        config = cls(**kwargs).get_config()
        assert config == getattr(keras.metrics, cls.__name__)(**kwargs).get_config()
        assert cls.from_config(config).get_config() == config
    assert metrics.TopKCategoricalAccuracy().name == "top_k_categorical_accuracy"
    assert metrics.SparseTopKCategoricalAccuracy().k == 5
