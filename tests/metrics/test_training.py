"""Metrics in training: every kind updates inside each backend's compiled step (jax.jit, tf.function)
with Keras's results, ``compile(metrics=[...])`` resolves Keras's names, and ``fit`` / ``evaluate``
report the right values."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import metrics as ref
from unikeras import layers, metrics, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

# (class name, args, kwargs, inputs: "onehot" / "sparse" / "binary")
COMPILED = [
    ("TopKCategoricalAccuracy", (), {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", (), {"k": 2}, "sparse"),
    ("RootMeanSquaredError", (), {}, "onehot"),
    ("Precision", (), {"top_k": 1}, "onehot"),
    ("Recall", (), {"class_id": 1, "thresholds": [0.2, 0.4]}, "onehot"),
    ("TruePositives", (), {}, "binary"),
    ("AUC", (), {}, "binary"),
    ("AUC", (), {"curve": "PR", "multi_label": True}, "onehot"),
    ("PrecisionAtRecall", (0.5,), {}, "binary"),
    ("F1Score", (), {"average": "macro"}, "onehot"),
    ("MeanIoU", (4,), {}, "sparse_pair"),
    ("OneHotMeanIoU", (4,), {}, "onehot"),
]

_KERAS_RESULTS: dict = {}


_FIELDS = ("onehot", "scores", "labels", "pred_ids", "binary", "score0", "weight")


def _inputs(kind, batch):
    """The (y_true, y_pred) pair a metric of this kind takes, from a batch laid out as _FIELDS."""
    onehot, scores, labels, pred_ids, binary, score0, _ = batch
    return {
        "onehot": (onehot, scores),
        "sparse": (labels, scores),
        "sparse_pair": (labels, pred_ids),
        "binary": (binary, score0),
    }[kind]


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")  # Keras's IoU on float weights
@pytest.mark.filterwarnings("ignore:.*float sample weights are truncated")
def test_every_metric_updates_inside_the_compiled_step(backend, rng):
    batches = []
    for _ in range(2):
        labels = rng.integers(0, 4, 16).astype("int32")
        logits = rng.standard_normal((16, 4))
        scores = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype("float32")
        batches.append(
            (
                np.eye(4, dtype="float32")[labels],
                scores,
                labels,
                scores.argmax(-1).astype("int32"),
                (labels == 0).astype("float32"),
                np.ascontiguousarray(scores[:, 0]),
                rng.uniform(0.5, 2.0, 16).astype("float32"),
            )
        )
    ours = [getattr(metrics, name)(*args, **kwargs) for name, args, kwargs, _ in COMPILED]
    for metric, (_, _, _, kind) in zip(ours, COMPILED):  # state shaped by the data, made before tracing
        metric.build_state(*(np.shape(a) for a in _inputs(kind, batches[0])))

    def update(*batch):
        for metric, (_, _, _, kind) in zip(ours, COMPILED):
            metric.update_state(*_inputs(kind, batch), sample_weight=batch[-1])
        return batch[-1]

    state = [v for m in ours for v in m.variables]
    step = backend.make_step(update, state, "auto")
    for batch in batches:
        step(*batch)
    results = backend.make_step(lambda: [m.result() for m in ours], state, "auto")()  # compiled reads too
    for result, (name, args, kwargs, kind) in zip(results, COMPILED):
        key = (name, args, repr(kwargs))
        if key not in _KERAS_RESULTS:  # the same data on every backend: ask Keras once
            theirs = getattr(keras.metrics, name)(*args, **kwargs)
            for batch in batches:
                theirs.update_state(*_inputs(kind, batch), sample_weight=batch[-1])
            _KERAS_RESULTS[key] = np.asarray(theirs.result())
        got = ops.convert_to_numpy(result)
        np.testing.assert_allclose(got, _KERAS_RESULTS[key], rtol=1e-4, atol=1e-5, err_msg=f"{name}{kwargs}")


def test_lazily_built_state_inside_a_traced_step_is_a_clear_error(backend):
    if backend.name != "jax":  # eager steps create the state on the first batch; jax.jit cannot
        metric = metrics.F1Score()
        step = backend.make_step(lambda t, p: metric.update_state(t, p) or p, [], "auto")
        step(np.eye(3, dtype="float32"), np.eye(3, dtype="float32"))
        np.testing.assert_allclose(ops.convert_to_numpy(metric.result()), [1.0, 1.0, 1.0], rtol=1e-5)
        return
    metric = metrics.F1Score()
    step = backend.make_step(lambda t, p: metric.update_state(t, p) or p, [], "auto")
    with pytest.raises(RuntimeError, match=r"F1Score 'f1_score': .* call build_state\(y_true_shape, y_pred_shape\)"):
        step(np.eye(3, dtype="float32"), np.eye(3, dtype="float32"))


GET_NAMES = [
    "mse",
    "MSE",
    "mean_squared_error",
    "mae",
    "mean_absolute_error",
    "mape",
    "msle",
    "bce",
    "root_mean_squared_error",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "precision",
    "recall",
    "auc",
    "AUC",
    "f1_score",
    "f_beta_score",
    "true_positives",
    "MeanSquaredError",
    "sum",
    "categorical_crossentropy",
]


def test_get_resolves_keras_names(backend):
    for name in GET_NAMES:
        metric = metrics.get(name)
        assert type(metric).__name__ == type(keras.metrics.get(name)).__name__, name
        assert metric.name == name  # compile logs a metric under the name it was given
    with pytest.raises(ValueError, match="Unknown metric 'rmse'. Known metrics: .*root_mean_squared_error"):
        metrics.get("rmse")  # Keras has no such alias either
    with pytest.raises(ValueError, match=r"Metric 'mean_io_u' \(MeanIoU\) needs arguments"):
        metrics.get("mean_io_u")
    auc = metrics.get({"class_name": "AUC", "config": {"curve": "PR", "name": "pr_auc"}})
    assert isinstance(auc, metrics.AUC) and auc.curve == "PR" and auc.name == "pr_auc"
    assert metrics.get(metrics.Recall).name == "recall"
    wrapped = metrics.get(metrics.top_k_categorical_accuracy)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "top_k_categorical_accuracy"


def test_fit_and_evaluate_report_compiled_metrics(backend, rng):
    x = rng.standard_normal((96, 4)).astype("float32")
    y = ((x @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * rng.standard_normal(96)) > 0).astype("float32")[:, None]
    model = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    names = ["precision", "recall", "auc", "accuracy", "mse"]
    f1 = metrics.F1Score(threshold=0.5)
    # F1Score's state is shaped by the data: fit creates it from y and the output shape before tracing.
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[*names, f1])
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    for name in ["loss", *names, "f1_score"]:
        assert len(history.history[name]) == 2, name
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    pred = ops.convert_to_numpy(model(x)).astype("float64")
    counts = ref.confusion_counts(y, pred, [0.5])
    expected = {
        "precision": ref.precision(counts)[0],
        "recall": ref.recall(counts)[0],
        "auc": ref.auc_from_counts(ref.confusion_counts(y, pred, ref.auc_thresholds(200))),
        "accuracy": np.mean((pred > 0.5) == y),
        "mse": np.mean((pred - y) ** 2),
        "f1_score": ref.fbeta(y, (pred > 0.5).astype(float), 1.0, None)[0],
    }
    for name, value in expected.items():
        np.testing.assert_allclose(logs[name], value, rtol=1e-4, atol=1e-5, err_msg=name)
    keras_auc = keras.metrics.AUC()
    keras_auc.update_state(y, pred.astype("float32"))
    np.testing.assert_allclose(logs["auc"], float(keras_auc.result()), rtol=1e-4, atol=1e-5)


def test_stateless_forms_leave_the_variables_alone(backend, rng):
    batches = [(rng.integers(0, 2, (8, 3)).astype("float32"), rng.random((8, 3)).astype("float32")) for _ in range(2)]
    pure, stateful = metrics.AUC(curve="PR"), metrics.AUC(curve="PR")
    state = [v.value for v in pure.variables]
    for y_true, y_pred in batches:
        state = pure.stateless_update_state(state, y_true, y_pred)
        stateful.update_state(y_true, y_pred)
    expected = ops.convert_to_numpy(stateful.result())
    np.testing.assert_allclose(ops.convert_to_numpy(pure.stateless_result(state)), expected, rtol=1e-6)
    assert all(not v.numpy().any() for v in pure.variables)  # untouched
    assert all(not ops.convert_to_numpy(s).any() for s in stateful.stateless_reset_state())
    assert ops.convert_to_numpy(stateful.result()) == expected  # reset computed, not applied
    with pytest.raises(ValueError, match=r"AUC 'auc': `metric_variables` must hold one value per variable \(4\)"):
        pure.stateless_result(state[:2])


def test_directions_match_keras(backend):
    """EarlyStopping and friends read ``_direction`` to know whether larger is better."""
    needs = {"IoU": (3, [0]), "MeanIoU": (3,), "OneHotIoU": (3, [0]), "OneHotMeanIoU": (3,)}
    needs.update({name: (0.5,) for name in ("PrecisionAtRecall", "RecallAtPrecision")})
    needs.update({name: (0.5,) for name in ("SensitivityAtSpecificity", "SpecificityAtSensitivity")})
    for name, cls in metrics._CLASSES.items():
        if name == "MeanMetricWrapper":
            continue
        ours = cls(*needs.get(name, ()))
        theirs = getattr(keras.metrics, name)(*needs.get(name, ()))
        assert ours._direction == getattr(theirs, "_direction", None), name
    assert metrics.MeanMetricWrapper(unikeras.losses.huber)._direction == "down"
    assert metrics.MeanMetricWrapper(lambda t, p: p)._direction is None
