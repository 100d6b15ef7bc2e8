"""Losses: functions and classes by Keras name; ``get`` resolves what ``compile`` receives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unikeras.losses.functions import (
    MAE,
    MSE,
    binary_crossentropy,
    categorical_crossentropy,
    mae,
    mean_absolute_error,
    mean_squared_error,
    mse,
    sparse_categorical_crossentropy,
)
from unikeras.losses.loss import Loss, LossFunctionWrapper
from unikeras.losses.losses import (
    _CLASSES,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)

_BY_NAME: dict[str, Callable[[], Loss]] = {
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get(identifier: Any) -> Loss:
    """A Loss from a name, a class, an instance or a function ``(y_true, y_pred) -> losses``."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier) or _CLASSES.get(identifier)
        if factory is None:
            raise ValueError(f"Unknown loss {identifier!r}. Known losses: {', '.join(sorted(_BY_NAME))}.")
        return factory()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Cannot interpret loss {identifier!r}: expected a name, a Loss or a function.")


__all__ = [
    "Loss",
    "LossFunctionWrapper",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "mean_absolute_error",
    "mean_squared_error",
    "sparse_categorical_crossentropy",
    "mse",
    "mae",
    "MSE",
    "MAE",
    "get",
]
