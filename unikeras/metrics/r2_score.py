"""``R2Score``: the coefficient of determination, accumulated over batches."""

from __future__ import annotations

from typing import Any

from unikeras.metrics.metric import Metric, squeeze_or_expand_to_same_rank, tensor
from unikeras.ops.dispatch import active
from unikeras.variables import active_scope

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """``1 - sum((y - y_pred)**2) / sum((y - mean(y))**2)`` per output, over every batch seen.

    Inputs are 2-D, ``(batch_size, num_outputs)``.

    Args:
        class_aggregation: ``"uniform_average"`` (mean over outputs), ``"variance_weighted_average"``
            (weighted by each output's variance) or ``None`` (one score per output).
        num_regressors: the number of independent variables, for the adjusted R2 score (0: plain R2).
        name: display name.
        dtype: dtype of the state and the result.
    """

    _direction = "up"

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {_AGGREGATIONS}. "
                f"Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                f"Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), name="num_samples")
        self._built = False

    def build_state(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if self._built:
            return
        y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim), with output_dim fully defined. "
                f"Received input shapes: y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}."
            )
        outputs = (int(y_pred_shape[-1]),)
        self.squared_sum = self.add_variable(shape=outputs, name="squared_sum")
        self.sum = self.add_variable(shape=outputs, name="sum")
        self.total_mse = self.add_variable(shape=outputs, name="residual")
        self.count = self.add_variable(shape=outputs, name="count")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        b = active()
        y_true, y_pred = squeeze_or_expand_to_same_rank(tensor(y_true, self.dtype), tensor(y_pred, self.dtype))
        if not self._built:
            if active_scope() is not None:
                raise RuntimeError(
                    f"R2Score '{self.name}': its state is created from the first batch's shape; call "
                    "build_state(y_true_shape, y_pred_shape) before using it inside a compiled step."
                )
            self.build_state(b.shape(y_true), b.shape(y_pred))
        weight = tensor(1.0 if sample_weight is None else sample_weight, self.dtype)
        if len(b.shape(weight)) == 1:
            weight = b.expand_dims(weight, 1)
        weight = b.broadcast_to(weight, b.shape(y_true))
        weighted_true = b.multiply(y_true, weight)
        self.sum.assign(b.add(self.sum.value, b.sum(weighted_true, axis=0)))
        self.squared_sum.assign(b.add(self.squared_sum.value, b.sum(b.multiply(y_true, weighted_true), axis=0)))
        residual = b.sum(b.multiply(b.square(b.subtract(y_true, y_pred)), weight), axis=0)
        self.total_mse.assign(b.add(self.total_mse.value, residual))
        self.count.assign(b.add(self.count.value, b.sum(weight, axis=0)))
        size = 1
        for d in b.shape(y_true):
            size *= d
        self.num_samples.assign(b.add(self.num_samples.value, float(size)))

    def result(self) -> Any:
        b = active()
        if not self._built:
            return b.zeros((), self.dtype)
        mean = b.divide(self.sum.value, self.count.value)
        total = b.subtract(self.squared_sum.value, b.multiply(self.sum.value, mean))
        raw = b.subtract(1.0, b.divide(self.total_mse.value, total))
        is_inf = b.logical_and(b.logical_not(b.isfinite(raw)), b.logical_not(b.isnan(raw)))
        raw = b.where(is_inf, b.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = b.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = b.divide(b.sum(b.multiply(total, raw)), b.sum(total))
        else:
            score = raw
        if self.num_regressors:
            n, p = self.num_samples.value, float(self.num_regressors)
            denominator = b.subtract(b.subtract(n, p), 1.0)
            adjusted = b.subtract(1.0, b.divide(b.multiply(b.subtract(1.0, score), b.subtract(n, 1.0)), denominator))
            # as Keras: more regressors than samples (or exactly n - 1) falls back to the plain score
            score = b.where(b.greater(denominator, 0.0), adjusted, score)
        return score

    def reset_state(self) -> None:
        for v in self._variables:
            v.assign(v.backend.zeros(v.shape, v.dtype))

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }


__all__ = ["R2Score"]
