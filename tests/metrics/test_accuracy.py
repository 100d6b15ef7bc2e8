"""Accuracy metrics and Mean: state across batches, reset, weights, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from unikeras import metrics, ops


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
