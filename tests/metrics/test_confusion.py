"""Confusion-matrix metrics (counts, Precision, Recall, the at-rate metrics, AUC) over several
batches on every backend, against the NumPy reference of Keras's definitions and against Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.reference import metrics as ref
from unikeras import metrics, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def _batches(rng, n=3, shape=(8, 3), weighted=True, exact=False):
    """Binary labels, scores in [0, 1] and (from the second batch on) sample weights."""
    out = []
    for i in range(n):
        y_true = rng.integers(0, 2, shape).astype("float32")
        y_pred = rng.random(shape).astype("float32")
        if exact:  # scores on the thresholds themselves, 0 and 1 included
            y_pred.flat[:6] = [0.0, 1.0, 0.5, 0.25, 0.75, 0.0]
        weight = rng.uniform(0.2, 2.0, shape[0]).astype("float32") if weighted and i else None
        out.append((y_true, y_pred, weight))
    return out


def _ours(metric, batches):
    for y_true, y_pred, weight in batches:
        metric.update_state(y_true, y_pred, sample_weight=weight)
    return ops.convert_to_numpy(metric.result())


_KERAS_RESULTS: dict = {}


def _keras(cls, batches, *args, **kwargs):
    """Keras's result on the same batches, computed once for all four backends (the data repeats)."""
    key = (cls.__name__, repr(args), repr(kwargs), sum(float(np.sum(p)) for _, p, _ in batches))
    if key not in _KERAS_RESULTS:
        metric = cls(*args, **kwargs)
        for y_true, y_pred, weight in batches:
            metric.update_state(y_true, y_pred, sample_weight=weight)
        _KERAS_RESULTS[key] = np.asarray(metric.result())
    return _KERAS_RESULTS[key]


def _weights(batches):
    return [np.ones(len(t)) if w is None else w for t, _, w in batches]


def _pooled_counts(batches, thresholds, transform=lambda t, p: (t, p)):
    total = None
    for (y_true, y_pred, _), w in zip(batches, _weights(batches)):
        t, p = transform(y_true, y_pred)
        w = w.reshape((-1,) + (1,) * (p.ndim - 1))
        counts = ref.confusion_counts(t, p, thresholds, w)
        total = counts if total is None else {k: total[k] + counts[k] for k in total}
    return total


PRECISION_RECALL = [
    ({}, None),
    ({"thresholds": [0.3, 0.5, 0.8]}, None),
    ({"thresholds": [0.0, 0.5, 1.0]}, "exact"),  # evenly spaced: counted by buckets, scores on them
    ({"top_k": 2}, None),
    ({"top_k": 1, "class_id": 2, "thresholds": 0.4}, None),
]


@pytest.mark.parametrize(("kwargs", "data"), PRECISION_RECALL, ids=lambda v: str(v))
def test_precision_and_recall_over_batches(backend, rng, kwargs, data):
    batches = _batches(rng, exact=data == "exact")
    thresholds = kwargs.get("thresholds", 0.5 if "top_k" not in kwargs else -1e10)
    thresholds = thresholds if isinstance(thresholds, list) else [thresholds]

    def transform(t, p):
        if "top_k" in kwargs:
            p = ref.top_k_filter(p, kwargs["top_k"])
        if "class_id" in kwargs:
            t, p = t[:, kwargs["class_id"]], p[:, kwargs["class_id"]]
        return t, p

    counts = _pooled_counts(batches, thresholds, transform)
    for ours_cls, keras_cls, expected in (
        (metrics.Precision, keras.metrics.Precision, ref.precision(counts)),
        (metrics.Recall, keras.metrics.Recall, ref.recall(counts)),
    ):
        expected = expected[0] if len(thresholds) == 1 else expected
        metric = ours_cls(**kwargs)
        got = _ours(metric, batches)
        assert got.shape == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
        theirs = _keras(keras_cls, batches, **kwargs)
        np.testing.assert_allclose(got, theirs, rtol=1e-4, atol=1e-5)
        metric.reset_state()
        assert np.all(ops.convert_to_numpy(metric.result()) == 0.0)


def test_confusion_counts_at_thresholds(backend, rng):
    batches = _batches(rng)
    thresholds = [0.1, 0.45, 0.9]
    counts = _pooled_counts(batches, thresholds)
    for cls, key in (
        (metrics.TruePositives, "tp"),
        (metrics.FalsePositives, "fp"),
        (metrics.TrueNegatives, "tn"),
        (metrics.FalseNegatives, "fn"),
    ):
        np.testing.assert_allclose(_ours(cls(thresholds=thresholds), batches), counts[key], rtol=1e-5)
        single = _ours(cls(), batches)
        assert single.shape == ()
        np.testing.assert_allclose(single, _pooled_counts(batches, [0.5])[key][0], rtol=1e-5)
        theirs = _keras(getattr(keras.metrics, cls.__name__), batches)
        np.testing.assert_allclose(single, theirs, rtol=1e-5)


def test_rate_at_rate_metrics(backend, rng):
    batches = _batches(rng)
    thresholds = np.arange(200) / 199
    counts = _pooled_counts(batches, thresholds)
    rates = {
        "sensitivity": ref.recall(counts),
        "specificity": ref._ratio(counts["tn"], counts["tn"] + counts["fp"]),
        "precision": ref.precision(counts),
    }
    cases = [
        ("SensitivityAtSpecificity", 0.6, "specificity", "sensitivity"),
        ("SpecificityAtSensitivity", 0.7, "sensitivity", "specificity"),
        ("PrecisionAtRecall", 0.5, "sensitivity", "precision"),
        ("RecallAtPrecision", 0.55, "precision", "sensitivity"),
    ]
    for name, value, constrained, dependent in cases:
        expected = max(np.max(np.where(rates[constrained] >= value, rates[dependent], 0.0)), 0.0)
        got = _ours(getattr(metrics, name)(value), batches)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=name)
        theirs = _keras(getattr(keras.metrics, name), batches, value)
        np.testing.assert_allclose(got, theirs, rtol=1e-4, atol=1e-5, err_msg=name)


AUC_CASES = [
    {},
    {"curve": "PR", "from_logits": True},
    {"curve": "PR", "summation_method": "minoring", "label_weights": [0.5, 1.0, 2.0]},
    {"summation_method": "majoring", "num_thresholds": 7},
    {"curve": "PRGAIN", "thresholds": [0.2, 0.5, 0.7]},
    {"multi_label": True, "num_labels": 3, "curve": "PR", "label_weights": [1.0, 0.0, 3.0]},
    {"multi_label": True},
]


@pytest.mark.parametrize("kwargs", AUC_CASES, ids=lambda v: ",".join(f"{k}={v}" for k, v in v.items()) or "default")
def test_auc_over_batches(backend, rng, kwargs):
    batches = _batches(rng, exact="thresholds" not in kwargs)
    if kwargs.get("from_logits"):
        batches = [(t, (p * 8 - 4).astype("float32"), w) for t, p, w in batches]
    thresholds = (
        np.concatenate([[-ref.EPSILON], kwargs["thresholds"], [1 + ref.EPSILON]])
        if "thresholds" in kwargs
        else ref.auc_thresholds(kwargs.get("num_thresholds", 200))
    )
    multi = kwargs.get("multi_label", False)
    label_weights = np.asarray(kwargs.get("label_weights", [1.0, 1.0, 1.0]))
    total = None
    for (y_true, y_pred, _), w in zip(batches, _weights(batches)):
        scores = 1 / (1 + np.exp(-np.float64(y_pred))) if kwargs.get("from_logits") else y_pred
        weights = w[:, None] if multi else w[:, None] * label_weights
        counts = ref.confusion_counts(y_true, scores, thresholds, weights, per_label=multi)
        total = counts if total is None else {k: total[k] + counts[k] for k in total}
    area = ref.auc_from_counts(total, kwargs.get("curve", "ROC"), kwargs.get("summation_method", "interpolation"))
    expected = np.sum(area * label_weights) / np.sum(label_weights) if multi else area
    metric = metrics.AUC(**kwargs)
    got = _ours(metric, batches)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    theirs = _keras(keras.metrics.AUC, batches, **kwargs)
    np.testing.assert_allclose(got, theirs, rtol=1e-4, atol=1e-5)
    assert [v.shape for v in metric.variables] == [(len(thresholds), 3) if multi else (len(thresholds),)] * 4
    metric.reset_state()
    assert float(ops.convert_to_numpy(metric.result())) == 0.0


def test_configs_round_trip_and_match_keras(backend):
    cases = [
        (metrics.Precision, {"thresholds": [0.2, 0.6], "top_k": 2, "class_id": 1, "name": "p"}),
        (metrics.Recall, {}),
        (metrics.TruePositives, {"thresholds": 0.3}),
        (metrics.AUC, {"curve": "PR", "summation_method": "minoring", "num_thresholds": 11, "from_logits": True}),
        (metrics.AUC, {"thresholds": [0.25, 0.5], "multi_label": True, "num_labels": 2}),
        (metrics.PrecisionAtRecall, {"recall": 0.4, "num_thresholds": 20, "class_id": 0}),
        (metrics.SensitivityAtSpecificity, {"specificity": 0.3}),
    ]
    for cls, kwargs in cases:
        kwargs = {"name": "m", **kwargs}  # Keras numbers unnamed instances (recall_1, ...)
        metric = cls(**kwargs)
        config = metric.get_config()
        assert config == getattr(keras.metrics, cls.__name__)(**kwargs).get_config()
        assert cls.from_config(config).get_config() == config
        assert metrics.deserialize(metrics.serialize(metric)).get_config() == config


def test_default_names_and_state(backend):
    assert metrics.Precision().name == "precision"
    assert metrics.AUC().name == "auc"
    assert metrics.TruePositives().name == "true_positives"
    auc = metrics.AUC()
    assert [v.name for v in auc.variables] == ["true_positives", "false_positives", "true_negatives", "false_negatives"]
    assert len(auc.thresholds) == 200 and auc.thresholds[0] < 0 and auc.thresholds[-1] > 1


def test_bad_arguments_and_inputs(backend):
    with pytest.raises(ValueError, match=r"Precision: `thresholds` must be values in \[0, 1\], received \[0.5, 1.5\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="Recall: `top_k` must be a positive int or None, received 0"):
        metrics.Recall(top_k=0)
    with pytest.raises(ValueError, match="AUC: `curve` must be one of 'ROC', 'PR', 'PRGAIN', received 'XY'"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="AUC: `summation_method` must be one of"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="AUC: `num_thresholds` must be an int > 1, received 1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="AUC: `num_labels` is needed only when `multi_label` is True"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match=r"PrecisionAtRecall: `recall` must be in \[0, 1\], received 2"):
        metrics.PrecisionAtRecall(2)
    with pytest.raises(ValueError, match=r"Precision: `class_id` 5 is out of range for 3 classes"):
        metrics.Precision(class_id=5).update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match=r"Precision: `y_true` and `y_pred` must have the same shape, received \(2, 3\)"
    ):
        metrics.Precision().update_state(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="AUC: with `multi_label=True`, `y_pred` must have rank 2"):
        metrics.AUC(multi_label=True).update_state(np.zeros((4,)), np.zeros((4,)))
