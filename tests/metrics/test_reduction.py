"""Sum, Mean, MeanMetricWrapper and the regression / probabilistic mean metrics over several batches on
every backend, against NumPy (Keras's per-sample reduction rule) and against Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.reference import metrics as ref
from unikeras import metrics, ops
from unikeras.layers.layer import set_keras_mask

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def _result(metric):
    return ops.convert_to_numpy(metric.result())


# (values shape, sample_weight shape or a Python number)
WEIGHTINGS = [((6, 4), None), ((6, 4), (6,)), ((6, 1), (6,)), ((6, 4), (6, 4)), ((6,), (6, 1)), ((6, 4), 3)]


def test_sum_and_mean_follow_keras_per_sample_rule(backend, rng):
    batches = []
    for values_shape, weight_shape in WEIGHTINGS:
        values = rng.standard_normal(values_shape).astype("float32")
        if weight_shape is None or isinstance(weight_shape, int):
            weight = weight_shape
        else:
            weight = rng.uniform(0.0, 2.0, weight_shape).astype("float32")
        batches.append((values, weight))
    ours_sum, ours_mean = metrics.Sum(), metrics.Mean()
    theirs_sum, theirs_mean = keras.metrics.Sum(), keras.metrics.Mean()
    total = count = total_sum = 0.0
    for values, weight in batches:
        for metric in (ours_sum, ours_mean, theirs_sum, theirs_mean):
            metric.update_state(values, sample_weight=weight)
        # The reference rule: values are reduced to one per sample (the mean for Mean, the sum for
        # Sum) over the axes the weight does not cover, then weighted; count adds the weights.
        v = values.astype("float64")
        if weight is None:
            per_sample = v.reshape(len(v), -1)
            total += per_sample.mean(axis=1).sum()
            total_sum += per_sample.sum()
            count += len(v)
        elif isinstance(weight, int):
            total += v.mean() * weight
            total_sum += v.sum() * weight
            count += weight
        else:
            w = weight.astype("float64")
            if w.ndim == 2 and w.shape[1] == 1 and v.ndim == 1:
                v = v[:, None]
            if v.ndim == 2 and v.shape[1] == 1 and w.ndim == 1:
                w = w[:, None]
            wide = np.broadcast_to(w, v.shape) if w.ndim == v.ndim else w
            mean_part = v if w.ndim == v.ndim else v.mean(axis=tuple(range(w.ndim, v.ndim)))
            sum_part = v if w.ndim == v.ndim else v.sum(axis=tuple(range(w.ndim, v.ndim)))
            total += (mean_part * wide).reshape(len(v), -1).mean(axis=1).sum()
            total_sum += (sum_part * wide).sum()
            count += wide.reshape(len(v), -1).mean(axis=1).sum()
    np.testing.assert_allclose(_result(ours_mean), total / count, rtol=1e-5)
    np.testing.assert_allclose(_result(ours_sum), total_sum, rtol=1e-5)
    np.testing.assert_allclose(_result(ours_mean), np.asarray(theirs_mean.result()), rtol=1e-5)
    np.testing.assert_allclose(_result(ours_sum), np.asarray(theirs_sum.result()), rtol=1e-5)
    ours_mean.reset_state()
    ours_sum.reset_state()
    assert _result(ours_mean) == 0.0 and _result(ours_sum) == 0.0


def test_loss_tracker_weighting_by_batch_size(backend):
    tracker = metrics.Mean(name="loss")
    tracker.update_state(np.float32(2.0), sample_weight=32)
    tracker.update_state(np.float32(5.0), sample_weight=8)
    np.testing.assert_allclose(_result(tracker), (2.0 * 32 + 5.0 * 8) / 40, rtol=1e-6)


# (unikeras / keras class name, kwargs, data kind)
MEAN_METRICS = [
    ("MeanSquaredError", {}, "real"),
    ("MeanAbsoluteError", {}, "real"),
    ("RootMeanSquaredError", {}, "real"),
    ("MeanAbsolutePercentageError", {}, "real"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("LogCoshError", {}, "real"),
    ("CosineSimilarity", {}, "real"),
    ("KLDivergence", {}, "probabilities"),
    ("Poisson", {}, "positive"),
    ("Hinge", {}, "binary"),
    ("SquaredHinge", {}, "binary"),
    ("CategoricalHinge", {}, "onehot"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse"),
]


def _data(rng, kind):
    shape = (6, 4)
    if kind == "positive":
        return rng.uniform(0.1, 3.0, shape), rng.uniform(0.1, 3.0, shape)
    if kind == "probabilities":
        t, p = rng.uniform(0.05, 1.0, shape), rng.uniform(0.05, 1.0, shape)
        return t / t.sum(-1, keepdims=True), p / p.sum(-1, keepdims=True)
    if kind == "binary":
        return rng.integers(0, 2, shape).astype("float64"), rng.standard_normal(shape)
    if kind == "onehot":
        p = rng.uniform(0.05, 1.0, shape)
        return np.eye(4)[rng.integers(0, 4, 6)], p / p.sum(-1, keepdims=True)
    if kind == "sparse":
        return rng.integers(0, 4, (6,)).astype("float64"), rng.standard_normal(shape)
    return rng.standard_normal(shape), rng.standard_normal(shape)


def test_mean_metrics_over_batches_match_keras(backend, rng):
    data = {kind: [_data(rng, kind) for _ in range(2)] for _, _, kind in MEAN_METRICS}
    weight = rng.uniform(0.5, 2.0, 6).astype("float32")
    for name, kwargs, kind in MEAN_METRICS:
        ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
        for i, (y_true, y_pred) in enumerate(data[kind]):
            w = weight if i else None
            y_true, y_pred = y_true.astype("float32"), y_pred.astype("float32")
            ours.update_state(y_true, y_pred, sample_weight=w)
            theirs.update_state(y_true, y_pred, sample_weight=w)
        np.testing.assert_allclose(_result(ours), np.asarray(theirs.result()), rtol=1e-4, atol=1e-5, err_msg=name)


def test_mse_mae_rmse_against_numpy_with_rank_alignment(backend, rng):
    # y_true of shape (n,) against y_pred of shape (n, 1): aligned, not broadcast to (n, n)
    batches = [(rng.standard_normal(5), rng.standard_normal((5, 1)), None) for _ in range(2)]
    batches.append((rng.standard_normal((4, 1)), rng.standard_normal((4, 1)), rng.uniform(0.5, 2.0, 4)))
    mse, mae, rmse = metrics.MeanSquaredError(), metrics.MeanAbsoluteError(), metrics.RootMeanSquaredError()
    for y_true, y_pred, w in batches:
        for m in (mse, mae, rmse):
            m.update_state(y_true.astype("float32"), y_pred.astype("float32"), sample_weight=w)
    weights = [np.ones(len(t)) if w is None else w for t, _, w in batches]
    expected_mse = ref.weighted_mean([ref.mse(t.reshape(-1, 1), p) for t, p, _ in batches], weights)
    expected_mae = ref.weighted_mean([ref.mae(t.reshape(-1, 1), p) for t, p, _ in batches], weights)
    np.testing.assert_allclose(_result(mse), expected_mse, rtol=1e-5)
    np.testing.assert_allclose(_result(mae), expected_mae, rtol=1e-5)
    np.testing.assert_allclose(_result(rmse), np.sqrt(expected_mse), rtol=1e-5)
    rmse.reset_state()
    assert _result(rmse) == 0.0


def test_mean_metric_wrapper_uses_the_prediction_mask(backend):
    y_true = np.array([[1.0], [2.0], [3.0], [4.0]], dtype="float32")
    y_pred = ops.convert_to_tensor(np.array([[1.5], [2.0], [0.0], [4.0]], dtype="float32"))
    set_keras_mask(y_pred, ops.convert_to_tensor(np.array([True, True, False, True])))
    metric = metrics.MeanMetricWrapper(metrics.regression.mean_absolute_error)
    metric.update_state(y_true, y_pred)
    np.testing.assert_allclose(_result(metric), 0.5 / 3, rtol=1e-6)  # the masked-out sample is left out


def test_configs_match_keras_and_round_trip(backend):
    for name, kwargs, _ in MEAN_METRICS + [("Sum", {}, None), ("Mean", {}, None)]:
        kwargs = {"name": "m", **kwargs}
        config = getattr(metrics, name)(**kwargs).get_config()
        assert config == getattr(keras.metrics, name)(**kwargs).get_config() or name == "CosineSimilarity"
        assert getattr(metrics, name).from_config(config).get_config() == config
    # Keras drops `axis` from CosineSimilarity's config; it is kept here so the round trip keeps it.
    assert metrics.CosineSimilarity(axis=0).get_config()["axis"] == 0
    wrapper = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="acc", threshold=0.3)
    config = wrapper.get_config()
    assert config == {"name": "acc", "dtype": "float32", "fn": "binary_accuracy", "threshold": 0.3}
    rebuilt = metrics.deserialize(metrics.serialize(wrapper))
    assert rebuilt.get_config() == config and rebuilt._fn is metrics.binary_accuracy
    assert metrics.LogCoshError().name == "logcosh" and metrics.Sum().name == "sum"


def test_bad_metric_inputs(backend):
    with pytest.raises(ValueError, match="Unknown metric function 'no_such_fn'"):
        metrics.MeanMetricWrapper.from_config({"name": "x", "fn": "no_such_fn"})
    with pytest.raises(ValueError, match=r"serialize\(\): expected a Metric"):
        metrics.serialize("mse")
