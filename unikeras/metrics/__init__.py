"""Metrics by Keras name; ``get`` resolves what ``compile(metrics=...)`` receives."""

from __future__ import annotations

from typing import Any

from unikeras.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
)
from unikeras.metrics.metric import Mean, MeanMetricWrapper, Metric

_BY_NAME = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
}

# Which accuracy "accuracy"/"acc" means, by the loss it is compiled with (as in Keras).
_ACCURACY_FOR_LOSS = {
    "binary_crossentropy": BinaryAccuracy,
    "categorical_crossentropy": CategoricalAccuracy,
    "sparse_categorical_crossentropy": SparseCategoricalAccuracy,
}


def get(identifier: Any, loss_name: str | None = None) -> Metric:
    """A Metric from a name, a class, an instance or a function ``(y_true, y_pred)``.

    ``"accuracy"`` (or ``"acc"``) picks the accuracy that fits ``loss_name``.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            cls = _ACCURACY_FOR_LOSS.get(loss_name or "", Accuracy)
            return cls(name=identifier)
        cls = _BY_NAME.get(identifier)
        if cls is None:
            known = sorted([*_BY_NAME, "accuracy", "acc"])
            raise ValueError(f"Unknown metric {identifier!r}. Known metrics: {', '.join(known)}.")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Cannot interpret metric {identifier!r}: expected a name, a Metric or a function.")


__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "Mean",
    "MeanMetricWrapper",
    "Metric",
    "SparseCategoricalAccuracy",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "get",
]
