"""Loss classes by Keras name."""

from __future__ import annotations

from typing import Any

from unikeras.losses import functions
from unikeras.losses.loss import LossFunctionWrapper


class MeanSquaredError(LossFunctionWrapper):
    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_squared_error", dtype: str | None = None
    ) -> None:
        super().__init__(functions.mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_absolute_error", dtype: str | None = None
    ) -> None:
        super().__init__(functions.mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy; ``from_logits`` when ``y_pred`` are logits."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            functions.binary_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels; ``from_logits`` when ``y_pred`` are logits."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            functions.categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels; ``from_logits`` when ``y_pred`` are logits."""

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            functions.sparse_categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )


def _simple(class_name: str, fn: Any, loss_name: str, doc: str) -> type:
    """A Loss class ``class_name`` around ``fn``, taking only ``reduction``, ``name`` and ``dtype``."""

    def init(
        self: Any, reduction: str | None = "sum_over_batch_size", name: str = loss_name, dtype: str | None = None
    ) -> None:
        LossFunctionWrapper.__init__(self, fn, name=name, reduction=reduction, dtype=dtype)

    return type(class_name, (LossFunctionWrapper,), {"__init__": init, "__doc__": doc, "__module__": __name__})


MeanAbsolutePercentageError = _simple(
    "MeanAbsolutePercentageError",
    functions.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "``100 * mean(|y_true - y_pred| / |y_true|)``.",
)
MeanSquaredLogarithmicError = _simple(
    "MeanSquaredLogarithmicError",
    functions.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "``mean((log(1 + y_pred) - log(1 + y_true))**2)``.",
)
LogCosh = _simple("LogCosh", functions.log_cosh, "log_cosh", "``mean(log(cosh(y_pred - y_true)))``.")
KLDivergence = _simple("KLDivergence", functions.kl_divergence, "kl_divergence", "``sum(t * log(t / p))``.")
Poisson = _simple("Poisson", functions.poisson, "poisson", "``mean(y_pred - y_true * log(y_pred))``.")
Hinge = _simple("Hinge", functions.hinge, "hinge", "``mean(max(1 - t * p, 0))``; labels {0, 1} read as {-1, 1}.")
SquaredHinge = _simple(
    "SquaredHinge",
    functions.squared_hinge,
    "squared_hinge",
    "``mean(max(1 - t * p, 0)**2)``; labels {0, 1} read as {-1, 1}.",
)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond."""

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: str | None = None,
    ) -> None:
        super().__init__(functions.huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis`` (-1 for identical directions)."""

    def __init__(
        self,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cosine_similarity",
        dtype: str | None = None,
    ) -> None:
        super().__init__(functions.cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy down-weighting easy examples by ``(1 - p_t)**gamma``."""

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            functions.binary_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


_CLASSES: dict[str, Any] = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Huber,
        LogCosh,
        KLDivergence,
        Poisson,
        CosineSimilarity,
        Hinge,
        SquaredHinge,
        BinaryFocalCrossentropy,
    )
}
