"""Regression metrics: running means of the regression losses, and the root mean squared error."""

from __future__ import annotations

from typing import Any

from unikeras import losses
from unikeras.metrics.metric import squeeze_or_expand_to_same_rank, tensor
from unikeras.metrics.reduction import Mean, MeanMetricWrapper
from unikeras.ops.dispatch import active


def _aligned(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Both as tensors, ``y_true`` in ``y_pred``'s float dtype, ranks aligned as Keras does."""
    b = active()
    y_pred = tensor(y_pred)
    if not b.dtype_name(y_pred).startswith(("float", "bfloat")):
        y_pred = b.cast(y_pred, "float32")
    y_true = tensor(y_true, b.dtype_name(y_pred))
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """``mean((y_pred - y_true)**2, axis=-1)``."""
    return losses.mean_squared_error(*_aligned(y_true, y_pred))


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(|y_pred - y_true|, axis=-1)``."""
    return losses.mean_absolute_error(*_aligned(y_true, y_pred))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon), axis=-1)``."""
    return losses.mean_absolute_percentage_error(*_aligned(y_true, y_pred))


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """``mean((log1p(max(y_pred, eps)) - log1p(max(y_true, eps)))**2, axis=-1)``."""
    return losses.mean_squared_logarithmic_error(*_aligned(y_true, y_pred))


def log_cosh(y_true: Any, y_pred: Any) -> Any:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``."""
    return losses.log_cosh(*_aligned(y_true, y_pred))


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: 1 for parallel vectors."""
    return active().negative(losses.cosine_similarity(*_aligned(y_true, y_pred), axis=axis))


class _NamedMean(MeanMetricWrapper):
    """A MeanMetricWrapper whose config is only ``name`` and ``dtype`` (its function is fixed); an
    error or a loss, so smaller is better."""

    _direction = "down"

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_NamedMean):
    """The mean of ``(y_pred - y_true)**2``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "mean_squared_error", dtype: str | None = None) -> None:
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_NamedMean):
    """The mean of ``|y_pred - y_true|``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "mean_absolute_error", dtype: str | None = None) -> None:
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_NamedMean):
    """The mean of ``100 * |y_true - y_pred| / |y_true|``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: str | None = None) -> None:
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_NamedMean):
    """The mean of ``(log(1 + y_pred) - log(1 + y_true))**2``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype: str | None = None) -> None:
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(_NamedMean):
    """The mean of ``log(cosh(y_pred - y_true))``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "logcosh", dtype: str | None = None) -> None:
        super().__init__(log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along ``axis``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
        axis: the axis along which the similarity is computed.
    """

    _direction = "up"

    def __init__(self, name: str = "cosine_similarity", dtype: str | None = None, axis: int = -1) -> None:
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class RootMeanSquaredError(Mean):
    """``sqrt(mean((y_pred - y_true)**2))`` over everything seen since the last reset.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        b = active()
        y_true, y_pred = squeeze_or_expand_to_same_rank(tensor(y_true, self.dtype), tensor(y_pred, self.dtype))
        super().update_state(b.square(b.subtract(y_pred, y_true)), sample_weight=sample_weight)

    def result(self) -> Any:
        return active().sqrt(super().result())
