"""Losses: functions and classes by Keras name; ``get`` resolves what ``compile`` receives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unikeras.losses.ctc import CTC, ctc
from unikeras.losses.extra_losses import (
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    Circle,
    Dice,
    Tversky,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    circle,
    deserialize,
    dice,
    serialize,
    tversky,
)
from unikeras.losses.focal import CategoricalFocalCrossentropy, categorical_focal_crossentropy
from unikeras.losses.functions import (
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    kld,
    log_cosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from unikeras.losses.loss import Loss, LossFunctionWrapper
from unikeras.losses.losses import (
    _CLASSES,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)

for _cls in (
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    Circle,
    CTC,
    Dice,
    Tversky,
):
    _CLASSES[_cls.__name__] = _cls

_BY_NAME: dict[str, Callable[[], Loss]] = {
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "huber": Huber,
    "huber_loss": Huber,
    "log_cosh": LogCosh,
    "logcosh": LogCosh,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "poisson": Poisson,
    "cosine_similarity": CosineSimilarity,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "categorical_hinge": CategoricalHinge,
    "categorical_generalized_cross_entropy": CategoricalGeneralizedCrossEntropy,
    "circle": Circle,
    "dice": Dice,
    "tversky": Tversky,
    "ctc": CTC,
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
    *_CLASSES,
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "serialize",
    "tversky",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "mse",
    "mae",
    "mape",
    "msle",
    "kld",
    "MSE",
    "MAE",
    "MAPE",
    "MSLE",
    "KLD",
    "get",
]
