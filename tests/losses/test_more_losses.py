"""Regression, probabilistic and margin losses against Keras 3 (an independent oracle) on every
backend: the per-sample functions, the classes with their reductions, and training with them."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import layers, losses, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def _data(rng, kind):
    shape = (6, 5)
    if kind == "positive":
        return rng.uniform(0.1, 3.0, shape), rng.uniform(0.1, 3.0, shape)
    if kind == "probabilities":
        t, p = rng.uniform(0.0, 1.0, shape), rng.uniform(0.0, 1.0, shape)
        return t / t.sum(-1, keepdims=True), p / p.sum(-1, keepdims=True)
    if kind == "binary":
        return rng.integers(0, 2, shape).astype("float64"), rng.uniform(0.02, 0.98, shape)
    if kind == "signed_labels":
        return rng.choice([-1.0, 1.0], shape), rng.standard_normal(shape)
    if kind == "zero_one_labels":
        return rng.integers(0, 2, shape).astype("float64"), rng.standard_normal(shape)
    y_true = rng.standard_normal(shape) * 2
    y_true[0, 0] = 0.0  # mape's epsilon floor
    return y_true, rng.standard_normal(shape) * 2


# (name in unikeras.losses and keras.losses, kwargs, data kind)
FUNCTIONS = [
    ("mean_absolute_percentage_error", {}, "real"),
    ("mean_squared_logarithmic_error", {}, "positive"),
    ("mean_squared_logarithmic_error", {}, "real"),
    ("huber", {}, "real"),
    ("huber", {"delta": 0.5}, "real"),
    ("log_cosh", {}, "real"),
    ("kl_divergence", {}, "probabilities"),
    ("poisson", {}, "positive"),
    ("cosine_similarity", {}, "real"),
    ("cosine_similarity", {"axis": 0}, "real"),
    ("hinge", {}, "signed_labels"),
    ("hinge", {}, "zero_one_labels"),
    ("squared_hinge", {}, "zero_one_labels"),
    ("binary_focal_crossentropy", {}, "binary"),
    ("binary_focal_crossentropy", {"gamma": 1.5, "apply_class_balancing": True, "alpha": 0.3}, "binary"),
    ("binary_focal_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, "zero_one_labels"),
]


@pytest.mark.parametrize(("name", "kwargs", "kind"), FUNCTIONS, ids=lambda v: str(v) if not isinstance(v, dict) else "")
def test_function_matches_keras(backend, rng, name, kwargs, kind):
    y_true, y_pred = (a.astype("float32") for a in _data(rng, kind))
    got = ops.convert_to_numpy(getattr(losses, name)(y_true, y_pred, **kwargs))
    expected = np.asarray(getattr(keras.losses, name)(y_true, y_pred, **kwargs))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


CLASSES = [
    ("MeanAbsolutePercentageError", {}, "real"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("Huber", {"delta": 2.0}, "real"),
    ("LogCosh", {}, "real"),
    ("KLDivergence", {}, "probabilities"),
    ("Poisson", {}, "positive"),
    ("CosineSimilarity", {"axis": -1}, "real"),
    ("Hinge", {}, "signed_labels"),
    ("SquaredHinge", {}, "signed_labels"),
    ("BinaryFocalCrossentropy", {"gamma": 3.0}, "binary"),
]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
@pytest.mark.parametrize(("name", "kwargs", "kind"), CLASSES, ids=lambda v: str(v) if not isinstance(v, dict) else "")
def test_class_with_sample_weight_matches_keras(backend, rng, name, kwargs, kind, reduction):
    y_true, y_pred = (a.astype("float32") for a in _data(rng, kind))
    weights = rng.uniform(0.0, 2.0, (6,)).astype("float32")
    ours = getattr(losses, name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
    got = ops.convert_to_numpy(ours(y_true, y_pred, sample_weight=weights))
    np.testing.assert_allclose(got, np.asarray(theirs(y_true, y_pred, sample_weight=weights)), rtol=1e-4, atol=1e-5)
    clone = type(ours).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    assert losses.get(ours.name).__class__ is type(ours)


def test_huber_matches_numpy_closed_form(backend):
    y_true = np.zeros((1, 4), "float32")
    y_pred = np.array([[0.5, -1.0, 3.0, -4.0]], "float32")
    expected = np.mean([0.125, 0.5, 3.0 - 0.5, 4.0 - 0.5])  # 0.5 e^2 up to |e| = 1, |e| - 0.5 beyond
    np.testing.assert_allclose(ops.convert_to_numpy(losses.huber(y_true, y_pred)), [expected], rtol=1e-6)


@pytest.mark.parametrize("loss", ["huber", "log_cosh", "mape"])
def test_regression_model_trains_with_loss_by_name(backend, rng, loss):
    x = rng.standard_normal((64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 3.0).astype("float32")
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.Adam(0.05), loss=loss)
    history = model.fit(x, y, batch_size=16, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error", "huber", "log_cosh"])
def test_labels_of_shape_n_against_predictions_of_shape_n_1_compare_elementwise(backend, name):
    """Keras aligns ranks that differ by a trailing axis of 1 instead of broadcasting to (N, N)."""
    y_true = np.array([0.0, 1.0, 2.0], "float32")
    y_pred = np.array([[0.5], [1.0], [4.0]], "float32")
    diff = np.abs(y_pred[:, 0] - y_true)
    per_sample = {
        "mean_squared_error": diff**2,
        "mean_absolute_error": diff,
        "huber": np.where(diff <= 1.0, 0.5 * diff**2, diff - 0.5),
        "log_cosh": np.log(np.cosh(diff)),
    }[name]
    function = getattr(unikeras.losses, name)
    np.testing.assert_allclose(
        unikeras.ops.convert_to_numpy(function(y_true, y_pred)).reshape(-1), per_sample, rtol=1e-5, atol=1e-6
    )
    loss = unikeras.losses.get(name)
    np.testing.assert_allclose(float(unikeras.ops.convert_to_numpy(loss(y_true, y_pred))), per_sample.mean(), rtol=1e-5)
