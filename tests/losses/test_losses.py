"""Each loss against its closed form in NumPy, by name and by class, with reductions and weights."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reference import numpy_ops as ref
from unikeras import losses, ops


def _probs(rng, shape):
    return ref.softmax(rng.standard_normal(shape)).astype("float32")


def test_mean_squared_error(backend, rng):
    y_true = rng.standard_normal((6, 3)).astype("float32")
    y_pred = rng.standard_normal((6, 3)).astype("float32")
    per_sample = ops.convert_to_numpy(losses.mean_squared_error(y_true, y_pred))
    np.testing.assert_allclose(per_sample, ref.mse(y_true, y_pred), rtol=1e-5)
    reduced = float(ops.convert_to_numpy(losses.get("mse")(y_true, y_pred)))
    np.testing.assert_allclose(reduced, ref.mse(y_true, y_pred).mean(), rtol=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_binary_crossentropy(backend, rng, from_logits, label_smoothing):
    y_true = rng.integers(0, 2, (8, 2)).astype("float32")
    raw = rng.standard_normal((8, 2)).astype("float32")
    y_pred = raw if from_logits else ref.sigmoid(raw).astype("float32")
    loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    expected = ref.binary_crossentropy(y_true.astype("float64"), y_pred.astype("float64"), from_logits, label_smoothing)
    np.testing.assert_allclose(float(ops.convert_to_numpy(loss(y_true, y_pred))), expected.mean(), rtol=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_categorical_crossentropy(backend, rng, from_logits, label_smoothing):
    y_true = np.eye(4, dtype="float32")[rng.integers(0, 4, 5)]
    raw = rng.standard_normal((5, 4)).astype("float32")
    y_pred = raw if from_logits else ref.softmax(raw).astype("float32")
    loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    expected = ref.categorical_crossentropy(y_true, y_pred.astype("float64"), from_logits, label_smoothing)
    np.testing.assert_allclose(float(ops.convert_to_numpy(loss(y_true, y_pred))), expected.mean(), rtol=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_sparse_categorical_crossentropy(backend, rng, from_logits, label_shape):
    labels = rng.integers(0, 5, 7)
    raw = rng.standard_normal((7, 5)).astype("float32")
    y_pred = raw if from_logits else ref.softmax(raw).astype("float32")
    y_true = labels if label_shape == "flat" else labels[:, None]
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    expected = ref.sparse_categorical_crossentropy(labels, y_pred.astype("float64"), from_logits)
    np.testing.assert_allclose(float(ops.convert_to_numpy(loss(y_true, y_pred))), expected.mean(), rtol=1e-5)


def test_clipping_keeps_loss_finite_on_saturated_probabilities(backend):
    y_true = np.array([[1.0, 0.0]], dtype="float32")
    y_pred = np.array([[0.0, 1.0]], dtype="float32")
    value = float(ops.convert_to_numpy(losses.get("categorical_crossentropy")(y_true, y_pred)))
    np.testing.assert_allclose(value, -np.log(1e-7), rtol=1e-4)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
def test_reductions_and_sample_weight(backend, rng, reduction):
    y_true = rng.standard_normal((4, 3)).astype("float32")
    y_pred = rng.standard_normal((4, 3)).astype("float32")
    weights = np.array([1.0, 0.0, 2.0, 0.5], dtype="float32")
    per_sample = ref.mse(y_true, y_pred) * weights
    expected = {
        "sum_over_batch_size": per_sample.sum() / 4,
        "sum": per_sample.sum(),
        "none": per_sample,
        "mean_with_sample_weight": per_sample.sum() / weights.sum(),
    }[reduction]
    loss = losses.MeanSquaredError(reduction=reduction)
    np.testing.assert_allclose(ops.convert_to_numpy(loss(y_true, y_pred, sample_weight=weights)), expected, rtol=1e-5)


def test_custom_loss_function(backend, rng):
    def absolute_error(y_true, y_pred):
        return ops.mean(ops.abs(ops.subtract(y_pred, y_true)), axis=-1)

    y_true = rng.standard_normal((4, 2)).astype("float32")
    y_pred = rng.standard_normal((4, 2)).astype("float32")
    value = float(ops.convert_to_numpy(losses.get(absolute_error)(y_true, y_pred)))
    np.testing.assert_allclose(value, np.abs(y_pred - y_true).mean(), rtol=1e-5)


def test_unknown_loss_lists_known_names():
    with pytest.raises(ValueError, match="Unknown loss 'msee'.*mean_squared_error"):
        losses.get("msee")


def test_bad_reduction_is_named():
    with pytest.raises(ValueError, match="reduction.*'avg'"):
        losses.MeanSquaredError(reduction="avg")
