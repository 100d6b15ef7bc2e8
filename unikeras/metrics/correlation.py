"""Correlation metrics: ``PearsonCorrelation`` and ``ConcordanceCorrelation`` (running means of per-sample values)."""

from __future__ import annotations

from typing import Any

from unikeras import config
from unikeras.metrics.metric import squeeze_or_expand_to_same_rank, tensor
from unikeras.metrics.reduction import MeanMetricWrapper
from unikeras.ops.dispatch import active


def _pair(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    b = active()
    y_pred = tensor(y_pred)
    y_true = tensor(y_true, b.dtype_name(y_pred))
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Pearson correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``, per sample."""
    b = active()
    y_true, y_pred = _pair(y_true, y_pred)
    centred_true = b.subtract(y_true, b.mean(y_true, axis=axis, keepdims=True))
    centred_pred = b.subtract(y_pred, b.mean(y_pred, axis=axis, keepdims=True))
    std_true = b.sqrt(b.var(centred_true, axis=axis, keepdims=True))
    std_pred = b.sqrt(b.var(centred_pred, axis=axis, keepdims=True))
    return b.mean(b.multiply(b.divide(centred_true, std_true), b.divide(centred_pred, std_pred)), axis=axis)


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Lin's concordance correlation ``2 cov / (var_true + var_pred + (mean_true - mean_pred)**2)`` along ``axis``."""
    b = active()
    y_true, y_pred = _pair(y_true, y_pred)
    mean_true = b.mean(y_true, axis=axis, keepdims=True)
    mean_pred = b.mean(y_pred, axis=axis, keepdims=True)
    var_true = b.var(y_true, axis=axis, keepdims=True)
    var_pred = b.var(y_pred, axis=axis, keepdims=True)
    covariance = b.multiply(b.subtract(y_true, mean_true), b.subtract(y_pred, mean_pred))
    norm = b.add(b.add(var_true, var_pred), b.square(b.subtract(mean_true, mean_pred)))
    return b.mean(b.divide(b.multiply(covariance, 2.0), b.add(norm, config.epsilon())), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean over samples of the Pearson correlation along ``axis``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
        axis: the axis the correlation is taken along (-1).
    """

    _direction = "up"

    def __init__(self, name: str = "pearson_correlation", dtype: str | None = None, axis: int = -1) -> None:
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean over samples of Lin's concordance correlation along ``axis``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
        axis: the axis the correlation is taken along (-1).
    """

    _direction = "up"

    def __init__(self, name: str = "concordance_correlation", dtype: str | None = None, axis: int = -1) -> None:
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


__all__ = ["ConcordanceCorrelation", "PearsonCorrelation", "concordance_correlation", "pearson_correlation"]
