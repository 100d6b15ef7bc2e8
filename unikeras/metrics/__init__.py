"""Metrics by Keras name; ``get`` resolves what ``compile(metrics=...)`` receives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unikeras.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    huber,
    sparse_categorical_crossentropy,
)
from unikeras.losses.focal import categorical_focal_crossentropy
from unikeras.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from unikeras.metrics.confusion import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from unikeras.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from unikeras.metrics.f_score import F1Score, FBetaScore
from unikeras.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from unikeras.metrics.metric import Metric, snake_case
from unikeras.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    categorical_hinge,
    hinge,
    kl_divergence,
    poisson,
    squared_hinge,
)
from unikeras.metrics.r2_score import R2Score
from unikeras.metrics.reduction import Mean, MeanMetricWrapper, Sum
from unikeras.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)

_CLASSES: dict[str, type[Metric]] = {
    cls.__name__: cls
    for cls in (
        Mean,
        Sum,
        MeanMetricWrapper,
        MeanSquaredError,
        RootMeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        CosineSimilarity,
        LogCoshError,
        AUC,
        FalseNegatives,
        FalsePositives,
        Precision,
        PrecisionAtRecall,
        Recall,
        RecallAtPrecision,
        SensitivityAtSpecificity,
        SpecificityAtSensitivity,
        TrueNegatives,
        TruePositives,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        KLDivergence,
        Poisson,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        F1Score,
        FBetaScore,
        IoU,
        BinaryIoU,
        MeanIoU,
        OneHotIoU,
        OneHotMeanIoU,
        R2Score,
        PearsonCorrelation,
        ConcordanceCorrelation,
    )
}

# Keras's lookup table: class names, their snake_case forms, and the short regression aliases.
_BY_NAME: dict[str, type[Metric]] = {
    **_CLASSES,
    **{snake_case(name): cls for name, cls in _CLASSES.items()},
    "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
}

# Which accuracy "accuracy"/"acc" means, by the loss it is compiled with.
_ACCURACY_FOR_LOSS = {
    "binary_crossentropy": BinaryAccuracy,
    "categorical_crossentropy": CategoricalAccuracy,
    "sparse_categorical_crossentropy": SparseCategoricalAccuracy,
}

# The metric functions (Keras exports the loss functions here too), by name for MeanMetricWrapper configs.
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        log_cosh,
        kl_divergence,
        poisson,
        hinge,
        squared_hinge,
        categorical_hinge,
        binary_crossentropy,
        binary_focal_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
        huber,
        categorical_focal_crossentropy,
        pearson_correlation,
        concordance_correlation,
    )
}


def function_name(fn: Callable[..., Any]) -> str | None:
    """The name a known metric or loss function is serialized under (``None`` for other callables)."""
    from unikeras import losses

    name = getattr(fn, "__name__", None)
    if name is not None and (_FUNCTIONS.get(name) is fn or getattr(losses, name, None) is fn):
        return name
    return None


def function_by_name(name: str) -> Callable[..., Any]:
    """The metric or loss function serialized as ``name``."""
    from unikeras import losses

    fn = _FUNCTIONS.get(name) or getattr(losses, name, None)
    if fn is None or not callable(fn) or isinstance(fn, type):
        raise ValueError(f"Unknown metric function {name!r}.")
    return fn


def _instantiate(cls: type[Metric], identifier: Any, **kwargs: Any) -> Metric:
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ValueError(
            f"Metric {identifier!r} ({cls.__name__}) needs arguments ({err}): pass an instance instead, "
            f"e.g. {cls.__name__}(...)."
        ) from None


def get(identifier: Any, loss_name: str | None = None) -> Metric:
    """A Metric from a name, a config dict, a class, an instance or a function ``(y_true, y_pred)``.

    A name gives the metric that name, as ``compile`` does in Keras (so ``"mse"`` is logged as
    ``"mse"``); ``"accuracy"`` (or ``"acc"``) picks the accuracy that fits ``loss_name``.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            return _ACCURACY_FOR_LOSS.get(loss_name or "", Accuracy)(name=identifier)
        cls = _BY_NAME.get(identifier)
        if cls is None:
            known = sorted({*(snake_case(name) for name in _CLASSES), "accuracy", "acc", "mse", "mae", "mape", "msle"})
            raise ValueError(f"Unknown metric {identifier!r}. Known metrics: {', '.join(known)}.")
        return _instantiate(cls, identifier, name=identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return _instantiate(identifier, identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Cannot interpret metric {identifier!r}: expected a name, a config, a Metric or a function.")


def serialize(metric: Metric) -> dict:
    """``{"class_name": ..., "config": ...}`` of a Metric."""
    if not isinstance(metric, Metric):
        raise ValueError(f"serialize(): expected a Metric, received {metric!r}.")
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config: dict | str, custom_objects: dict | None = None) -> Metric:
    """A Metric from ``serialize``'s dict (or from a name)."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize(): expected a dict with 'class_name' and 'config', received {config!r}.")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown metric class {name!r}. Known: {', '.join(sorted(_CLASSES))}.")
    return cls.from_config(dict(config.get("config") or {}))


__all__ = [
    *sorted(_CLASSES),
    "Metric",
    *sorted(_FUNCTIONS),
    "deserialize",
    "get",
    "serialize",
]
