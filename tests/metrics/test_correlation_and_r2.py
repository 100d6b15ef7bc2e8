"""R2Score, PearsonCorrelation, ConcordanceCorrelation and categorical focal cross-entropy against keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import losses, metrics, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


def _batches(rng, outputs=3):
    return [
        (rng.standard_normal((6, outputs)).astype("float32"), rng.standard_normal((6, outputs)).astype("float32"))
        for _ in range(3)
    ]


def _run(metric, batches, weights=None):
    for i, (y, p) in enumerate(batches):
        metric.update_state(y, p, sample_weight=None if weights is None else weights[i])
    return np.asarray(ops.convert_to_numpy(metric.result()) if hasattr(metric, "_variables") else metric.result())


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"class_aggregation": "variance_weighted_average"},
        {"class_aggregation": None},
        {"num_regressors": 2},
        {"num_regressors": 40},  # more regressors than samples: the plain score
    ],
)
def test_r2_score_matches_keras(backend, rng, kwargs):
    batches = _batches(rng)
    batches = [(y, y + 0.5 * p) for y, p in batches]  # a decent fit, so the scores are not tiny
    weights = [rng.uniform(0.5, 2.0, 6).astype("float32") for _ in batches]
    ours = _run(metrics.R2Score(**kwargs), batches, weights)
    with np.testing.suppress_warnings() as sup:
        sup.filter(UserWarning)
        theirs = np.asarray(_run_keras(keras.metrics.R2Score(**kwargs), batches, weights))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    # against NumPy, unweighted, for the plain score
    y = np.concatenate([b[0] for b in batches]).astype("float64")
    p = np.concatenate([b[1] for b in batches]).astype("float64")
    plain = 1 - ((y - p) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
    if not kwargs:
        np.testing.assert_allclose(_run(metrics.R2Score(), batches), plain.mean(), rtol=1e-4)


def _run_keras(metric, batches, weights):
    for (y, p), w in zip(batches, weights):
        metric.update_state(y, p, sample_weight=w)
    return metric.result()


@pytest.mark.parametrize("name", ["PearsonCorrelation", "ConcordanceCorrelation"])
def test_correlation_metrics_match_keras_and_numpy(backend, rng, name):
    batches = _batches(rng, outputs=5)
    batches = [(y, 0.7 * y + 0.3 * p) for y, p in batches]
    ours = _run(getattr(metrics, name)(), batches)
    keras_metric = getattr(keras.metrics, name)()
    for y, p in batches:
        keras_metric.update_state(y, p)
    np.testing.assert_allclose(ours, np.asarray(keras_metric.result()), rtol=1e-4, atol=1e-5)
    y = np.concatenate([b[0] for b in batches]).astype("float64")
    p = np.concatenate([b[1] for b in batches]).astype("float64")
    if name == "PearsonCorrelation":
        per_sample = [np.corrcoef(a, b)[0, 1] for a, b in zip(y, p)]
    else:
        per_sample = [
            2 * np.mean((a - a.mean()) * (b - b.mean())) / (a.var() + b.var() + (a.mean() - b.mean()) ** 2)
            for a, b in zip(y, p)
        ]
    np.testing.assert_allclose(ours, np.mean(per_sample), rtol=1e-4)
    fn = getattr(metrics, "pearson_correlation" if name == "PearsonCorrelation" else "concordance_correlation")
    np.testing.assert_allclose(ops.convert_to_numpy(fn(y[:2], p[:2])), per_sample[:2], rtol=1e-4)


def test_metrics_work_in_fit_and_round_trip(backend, rng):
    x = rng.standard_normal((32, 4)).astype("float32")
    y = x @ rng.standard_normal((4, 2)).astype("float32")
    model = unikeras.Sequential([unikeras.Input((4,)), unikeras.layers.Dense(2)])
    model.compile(
        optimizer="sgd",
        loss="mse",
        metrics=[metrics.R2Score(), metrics.PearsonCorrelation(), metrics.ConcordanceCorrelation()],
    )
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert {"r2_score", "pearson_correlation", "concordance_correlation"} <= set(history.history)
    for metric in (metrics.R2Score("variance_weighted_average", 1), metrics.PearsonCorrelation(axis=0)):
        restored = metrics.deserialize(metrics.serialize(metric))
        assert type(restored) is type(metric) and restored.get_config() == metric.get_config()
        assert metric.get_config() == type(metric).from_config(metric.get_config()).get_config()
    assert metrics.R2Score().get_config() == keras.metrics.R2Score().get_config()


def test_r2_score_rejects_what_keras_rejects():
    for kwargs in ({"class_aggregation": "median"}, {"num_regressors": -1}):
        with pytest.raises(ValueError):
            keras.metrics.R2Score(**kwargs)
        with pytest.raises(ValueError, match="Invalid value for argument"):
            metrics.R2Score(**kwargs)
    with pytest.raises(ValueError, match="expects 2D inputs"):
        metrics.R2Score().update_state(np.ones(3), np.ones(3))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"alpha": 0.5, "gamma": 0.0}, {"from_logits": True}, {"label_smoothing": 0.1, "gamma": 1.5}],
)
def test_categorical_focal_crossentropy_matches_keras(backend, rng, kwargs):
    labels = np.eye(4, dtype="float32")[rng.integers(0, 4, 8)]
    logits = rng.standard_normal((8, 4)).astype("float32")
    y_pred = logits if kwargs.get("from_logits") else np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    ours = ops.convert_to_numpy(losses.categorical_focal_crossentropy(labels, y_pred, **kwargs))
    theirs = np.asarray(keras.losses.categorical_focal_crossentropy(labels, y_pred, **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    loss = losses.CategoricalFocalCrossentropy(**kwargs)
    keras_loss = keras.losses.CategoricalFocalCrossentropy(**kwargs)
    np.testing.assert_allclose(
        float(ops.convert_to_numpy(loss(labels, y_pred))), float(keras_loss(labels, y_pred)), rtol=1e-4
    )
    assert loss.get_config() == keras_loss.get_config()
    metric_fn = metrics.categorical_focal_crossentropy
    np.testing.assert_allclose(ops.convert_to_numpy(metric_fn(labels, y_pred, **kwargs)), theirs, rtol=1e-4, atol=1e-5)


def test_focal_loss_trains(backend, rng):
    x = rng.standard_normal((48, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 1).astype(int)]
    model = unikeras.Sequential([unikeras.Input((4,)), unikeras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=unikeras.optimizers.SGD(0.5), loss="categorical_focal_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=48, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
