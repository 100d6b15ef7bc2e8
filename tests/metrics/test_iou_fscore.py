"""IoU metrics (confusion-matrix state) and F-beta / F1 scores over several batches on every backend,
against the NumPy reference and against Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.reference import metrics as ref
from unikeras import metrics, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def _result(metric):
    return ops.convert_to_numpy(metric.result())


def _run_both(ours, theirs, batches):
    for y_true, y_pred, weight in batches:
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
    return _result(ours), np.asarray(theirs.result())


def test_mean_iou_sparse_and_one_hot(backend, rng):
    num_classes = 4
    batches = []
    for i in range(3):
        labels = rng.integers(0, num_classes, (5, 3))  # e.g. a small segmentation map
        labels[0, 0] = 3 if i == 0 else labels[0, 0]
        preds = rng.integers(0, num_classes - 1, (5, 3))  # class 3 never predicted
        weight = rng.integers(1, 3, 15).astype("int32") if i == 2 else None
        batches.append((labels, preds, weight))
    for kwargs in ({}, {"ignore_class": 0}):
        expected_cm = np.zeros((num_classes, num_classes))
        for labels, preds, weight in batches:
            keep = np.ones(labels.size, bool) if "ignore_class" not in kwargs else labels.reshape(-1) != 0
            w = (np.ones(labels.size) if weight is None else weight) * keep
            expected_cm += ref.confusion_matrix(labels, preds, num_classes, w)
        ours, theirs = _run_both(
            metrics.MeanIoU(num_classes, **kwargs), keras.metrics.MeanIoU(num_classes, **kwargs), batches
        )
        np.testing.assert_allclose(ours, ref.mean_iou(expected_cm), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    # one-hot labels and scores: argmax over the last axis
    onehot_batches = [
        (np.eye(num_classes, dtype="float32")[t], rng.random(p.shape + (num_classes,)).astype("float32"), None)
        for t, p, _ in batches
    ]
    ours, theirs = _run_both(
        metrics.OneHotMeanIoU(num_classes), keras.metrics.OneHotMeanIoU(num_classes), onehot_batches
    )
    expected_cm = sum(ref.confusion_matrix(t.argmax(-1), p.argmax(-1), num_classes) for t, p, _ in onehot_batches)
    np.testing.assert_allclose(ours, ref.mean_iou(expected_cm), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_iou_for_target_classes_and_binary_iou(backend, rng):
    labels = rng.integers(0, 4, 15)
    preds = rng.integers(0, 4, 15)
    cm = ref.confusion_matrix(labels, preds, 4)
    ours, theirs = _run_both(metrics.IoU(4, [0, 2]), keras.metrics.IoU(4, [0, 2]), [(labels, preds, None)])
    np.testing.assert_allclose(ours, ref.mean_iou(cm, [0, 2]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    binary_true = rng.integers(0, 2, 15)
    scores = rng.random(15).astype("float32")
    scores[:3] = 0.5  # on the threshold: >= counts as class 1
    ours, theirs = _run_both(metrics.BinaryIoU(), keras.metrics.BinaryIoU(), [(binary_true, scores, None)])
    cm = ref.confusion_matrix(binary_true, (scores >= 0.5).astype(int), 2)
    np.testing.assert_allclose(ours, ref.mean_iou(cm), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_iou_state_configs_and_errors(backend, rng):
    metric = metrics.MeanIoU(4)
    assert metric.name == "mean_io_u" and metric.dtype == "int32"
    assert [(v.name, v.shape, v.dtype) for v in metric.variables] == [("total_confusion_matrix", (4, 4), "int32")]
    labels, preds = rng.integers(0, 4, 15), rng.integers(0, 4, 15)
    labels[:2], preds[2] = [5, -1], 4  # out-of-range pairs are skipped
    metric.update_state(labels, preds)
    np.testing.assert_array_equal(metric.variables[0].numpy(), ref.confusion_matrix(labels, preds, 4))
    metric.reset_state()
    assert not metric.variables[0].numpy().any()
    cases = [
        (metrics.MeanIoU, {"num_classes": 3, "ignore_class": 0, "name": "m"}),
        (metrics.IoU, {"num_classes": 4, "target_class_ids": [1, 3], "name": "m", "sparse_y_pred": False}),
        (metrics.BinaryIoU, {"target_class_ids": [1], "threshold": 0.3, "name": "m"}),
        (metrics.OneHotMeanIoU, {"num_classes": 2, "name": "m"}),
        (metrics.OneHotIoU, {"num_classes": 2, "target_class_ids": [0], "name": "m"}),
    ]
    for cls, kwargs in cases:
        config = cls(**kwargs).get_config()
        keras_config = getattr(keras.metrics, cls.__name__)(**kwargs).get_config()
        # Keras's integer state is int64 on its TensorFlow backend, int32 on the others (as here).
        assert config == {**keras_config, "dtype": "int32"}
        assert cls.from_config(config).get_config() == config
    with pytest.warns(UserWarning, match="MeanIoU 'mean_io_u': float sample weights are truncated"):
        metrics.MeanIoU(4).update_state(labels, preds, sample_weight=np.full(15, 0.5))
    with pytest.raises(ValueError, match="MeanIoU: `num_classes` must be a positive int, received 0"):
        metrics.MeanIoU(0)
    with pytest.raises(ValueError, match=r"IoU: `target_class_ids` must be class ids in \[0, 3\), received \[0, 3\]"):
        metrics.IoU(3, [0, 3])
    with pytest.raises(ValueError, match="MeanIoU 'mean_io_u': `y_true` and `y_pred` must hold as many labels"):
        metrics.MeanIoU(4).update_state(labels, preds[:14])


F_CASES = [
    ("F1Score", {}),
    ("F1Score", {"average": "micro", "threshold": 0.5}),
    ("F1Score", {"average": "macro"}),
    ("FBetaScore", {"beta": 2.0, "average": "weighted", "threshold": 0.4}),
]


@pytest.mark.parametrize(("name", "kwargs"), F_CASES, ids=lambda v: str(v))
def test_f_scores_over_batches(backend, rng, name, kwargs):
    batches = []
    for i in range(3):
        y_true = rng.integers(0, 2, (8, 3)).astype("float32")
        y_pred = rng.random((8, 3)).astype("float32")
        y_pred[0] = 0.0  # an all-zero row predicts nothing when there is no threshold
        batches.append((y_true, y_pred, rng.uniform(0.5, 2.0, 8).astype("float32") if i else None))
    ours, theirs = _run_both(getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs), batches)
    y_true = np.concatenate([t for t, _, _ in batches])
    predicted = np.concatenate([ref.argmax_predictions(p, kwargs.get("threshold")) for _, p, _ in batches])
    weights = np.concatenate([np.ones(8) if w is None else w for _, _, w in batches])
    expected = ref.fbeta(y_true, predicted, kwargs.get("beta", 1.0), kwargs.get("average"), weights)
    assert ours.shape == np.shape(expected)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_f_score_configs_state_and_errors(backend):
    for cls, kwargs in ((metrics.F1Score, {"average": "micro", "name": "f"}), (metrics.FBetaScore, {"beta": 0.5})):
        config = cls(**kwargs).get_config()
        assert config == getattr(keras.metrics, cls.__name__)(**kwargs).get_config()
        assert cls.from_config(config).get_config() == config
    metric = metrics.F1Score()
    assert metric.variables == []  # created from the first batch's shape
    metric.build_state((None, 4), (None, 4))
    assert [(v.name, v.shape) for v in metric.variables] == [
        ("true_positives", (4,)),
        ("false_positives", (4,)),
        ("false_negatives", (4,)),
        ("intermediate_weights", (4,)),
    ]
    with pytest.raises(ValueError, match="FBetaScore: `beta` must be a Python float, received 2 of type int"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="F1Score: `average` must be one of"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match=r"F1Score: `threshold` must satisfy 0 < threshold <= 1, received 1.5"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match=r"F1Score 'f1_score': expects 2-D inputs .* y_pred.shape=\(4,\)"):
        metrics.F1Score().update_state(np.zeros(4), np.zeros(4))
