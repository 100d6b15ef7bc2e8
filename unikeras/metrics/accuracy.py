"""Accuracy metrics."""

from __future__ import annotations

from typing import Any

from unikeras.metrics.metric import MeanMetricWrapper
from unikeras.ops.dispatch import active


def _as_tensor(x: Any) -> Any:
    b = active()
    return x if b.is_tensor(x) else b.convert_to_tensor(x)


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``y_true == y_pred`` exactly."""
    b = active()
    y_true, y_pred = _as_tensor(y_true), _as_tensor(y_pred)
    return b.cast(b.equal(b.cast(y_true, b.dtype_name(y_pred)), y_pred), "float32")


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """Mean over the last axis of ``y_true == (y_pred > threshold)``."""
    b = active()
    y_true, y_pred = _as_tensor(y_true), _as_tensor(y_pred)
    predicted = b.cast(b.greater(y_pred, threshold), "float32")
    return b.mean(b.cast(b.equal(b.cast(y_true, "float32"), predicted), "float32"), axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``argmax(y_true) == argmax(y_pred)``."""
    b = active()
    y_true, y_pred = _as_tensor(y_true), _as_tensor(y_pred)
    return b.cast(b.equal(b.argmax(y_true, axis=-1), b.argmax(y_pred, axis=-1)), "float32")


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where the integer label ``y_true`` equals ``argmax(y_pred)``."""
    b = active()
    y_true, y_pred = _as_tensor(y_true), _as_tensor(y_pred)
    if len(b.shape(y_true)) == len(b.shape(y_pred)) and b.shape(y_true)[-1] == 1:
        y_true = b.squeeze(y_true, axis=-1)
    return b.cast(b.equal(b.cast(y_true, "int32"), b.argmax(y_pred, axis=-1)), "float32")


class Accuracy(MeanMetricWrapper):
    def __init__(self, name: str = "accuracy", dtype: str | None = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "binary_accuracy", dtype: str | None = None, threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)
