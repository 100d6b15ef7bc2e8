"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k."""

from __future__ import annotations

from typing import Any

from unikeras import config
from unikeras.metrics.metric import rank, squeeze_or_expand_to_same_rank, tensor
from unikeras.metrics.reduction import MeanMetricWrapper
from unikeras.ops.dispatch import active


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``y_true == y_pred`` exactly, elementwise."""
    b = active()
    y_pred = tensor(y_pred)
    y_true = tensor(y_true, b.dtype_name(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return b.cast(b.equal(y_true, y_pred), config.floatx())


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """1.0 where ``y_true == (y_pred > threshold)``, elementwise."""
    b = active()
    y_true, y_pred = squeeze_or_expand_to_same_rank(tensor(y_true), tensor(y_pred))
    predicted = b.cast(b.greater(y_pred, threshold), b.dtype_name(y_true))
    return b.cast(b.equal(y_true, predicted), config.floatx())


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` over the last axis."""
    b = active()
    true_class = b.cast(b.argmax(tensor(y_true), axis=-1), "int32")
    pred_class = b.cast(b.argmax(tensor(y_pred), axis=-1), "int32")
    return b.cast(b.equal(true_class, pred_class), config.floatx())


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where the integer label ``y_true`` equals ``argmax(y_pred)`` over the last axis."""
    b = active()
    y_pred = tensor(y_pred)
    y_true = tensor(y_true)
    true_shape = b.shape(y_true)
    squeezed = rank(y_true) == rank(y_pred) and true_shape[-1] == 1
    if squeezed:
        y_true = b.squeeze(y_true, -1)
    pred_class = b.cast(b.argmax(y_pred, axis=-1), b.dtype_name(y_true))
    matches = b.cast(b.equal(y_true, pred_class), config.floatx())
    if squeezed:
        matches = b.reshape(matches, true_shape)
    if rank(matches) > 1 and b.shape(matches)[-1] == 1:
        matches = b.squeeze(matches, -1)
    return matches


def in_top_k(targets: Any, predictions: Any, k: int) -> Any:
    """Whether ``predictions[i, targets[i]]`` is among the ``k`` largest of row ``i``.

    Ties count in the target's favour (as ``tf.math.in_top_k``): the target is in the top ``k``
    when fewer than ``k`` entries of its row are strictly larger. A NaN target score is never in.
    """
    b = active()
    targets = b.expand_dims(tensor(targets, "int32"), -1)
    target_score = b.take_along_axis(predictions, targets, axis=-1)
    larger = b.sum(b.cast(b.greater(predictions, target_score), "int32"), axis=-1)
    return b.logical_and(b.less(larger, k), b.logical_not(b.isnan(b.squeeze(target_score, -1))))


def _top_k_matches(labels: Any, y_pred: Any, k: int) -> Any:
    b = active()
    labels_shape = b.shape(labels)
    if rank(y_pred) > 2:
        y_pred = b.reshape(y_pred, (-1, b.shape(y_pred)[-1]))
    if len(labels_shape) > 1:
        labels = b.reshape(labels, (-1,))
    matches = b.cast(in_top_k(labels, y_pred, k), config.floatx())
    return b.reshape(matches, labels_shape) if len(labels_shape) > 1 else matches


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1.0 where the class of one-hot ``y_true`` is among the ``k`` highest scores of ``y_pred``."""
    b = active()
    y_pred = tensor(y_pred)
    return _top_k_matches(b.argmax(tensor(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False) -> Any:
    """1.0 where the integer label ``y_true`` is among the ``k`` highest scores of ``y_pred``.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score (best first) and the
    label is looked for in its first ``k`` columns.
    """
    b = active()
    y_pred = tensor(y_pred)
    if not from_sorted_ids:
        return _top_k_matches(tensor(y_true, "int32"), y_pred, k)
    labels = tensor(y_true, b.dtype_name(y_pred))
    labels_shape = b.shape(labels)
    if rank(y_pred) > 2:
        y_pred = b.reshape(y_pred, (-1, b.shape(y_pred)[-1]))
    labels = b.reshape(labels, (-1, 1))
    columns = min(k, b.shape(y_pred)[-1])
    best = b.slice(y_pred, (0, 0), (b.shape(y_pred)[0], columns))
    matches = b.cast(b.any(b.equal(labels, best), axis=1), config.floatx())
    return b.reshape(matches, labels_shape) if len(labels_shape) > 1 else matches


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    _direction = "up"

    def __init__(self, name: str = "accuracy", dtype: str | None = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` equals the binary label.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
        threshold: the score above which a prediction counts as 1.
    """

    _direction = "up"

    def __init__(self, name: str = "binary_accuracy", dtype: str | None = None, threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` equals the argmax of one-hot ``y_true``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    _direction = "up"

    def __init__(self, name: str = "categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` equals the integer label.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    _direction = "up"

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the class of one-hot ``y_true`` is among the ``k`` highest scores.

    Args:
        k: how many top scores to look at.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _direction = "up"

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest scores.

    Args:
        k: how many top scores to look at.
        name: display name.
        dtype: dtype of the state and the result.
        from_sorted_ids: ``y_pred`` holds class ids sorted by score instead of scores.
    """

    _direction = "up"

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype: str | None = None,
        from_sorted_ids: bool = False,
    ) -> None:
        super().__init__(
            sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k, from_sorted_ids=from_sorted_ids
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
