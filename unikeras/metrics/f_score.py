"""F-beta and F1 scores over multi-class or multi-label predictions."""

from __future__ import annotations

from typing import Any

from unikeras import config
from unikeras.metrics.metric import Metric, rank, tensor
from unikeras.ops.dispatch import active
from unikeras.variables import active_scope

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """``(1 + beta**2) * precision * recall / (beta**2 * precision + recall)`` per class.

    Inputs have shape ``(batch_size, num_classes)``; the state (per-class counts) is created on
    the first batch, or by ``build_state`` before a compiled step.

    Args:
        average: ``None`` (one score per class), ``"micro"`` (counts pooled over classes),
            ``"macro"`` (mean of the class scores) or ``"weighted"`` (mean weighted by each class's
            number of true labels).
        beta: weight of recall against precision (a float > 0).
        threshold: a score above it predicts the class; ``None``: each sample's highest score
            predicts its class (a float in (0, 1]).
        name: display name.
        dtype: dtype of the state and the result.
    """

    _direction = "up"

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(f"{owner}: `average` must be one of {_AVERAGES}, received {average!r}.")
        if not isinstance(beta, float):
            raise ValueError(
                f"{owner}: `beta` must be a Python float, received {beta!r} of type {type(beta).__name__}."
            )
        if beta <= 0.0:
            raise ValueError(f"{owner}: `beta` must be > 0, received {beta}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    f"{owner}: `threshold` must be a Python float, received {threshold!r} of type "
                    f"{type(threshold).__name__}."
                )
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"{owner}: `threshold` must satisfy 0 < threshold <= 1, received {threshold}.")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def build_state(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if self._built:
            return
        y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expects 2-D inputs of shape (batch_size, num_classes) "
                f"with num_classes known, received y_true.shape={y_true_shape} and y_pred.shape={y_pred_shape}."
            )
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape=shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        b = active()
        y_true, y_pred = tensor(y_true, self.dtype), tensor(y_pred, self.dtype)
        if not self._built:
            if active_scope() is not None:
                raise RuntimeError(
                    f"{type(self).__name__} '{self.name}': its state is created from the first batch's shape; "
                    "call build_state(y_true_shape, y_pred_shape) before using it inside a compiled step."
                )
            self.build_state(b.shape(y_true), b.shape(y_pred))
        if self.threshold is None:
            best = b.max(y_pred, axis=-1, keepdims=True)
            predicted = b.logical_and(b.greater_equal(y_pred, best), b.greater(b.abs(y_pred), 1e-9))
        else:
            predicted = b.greater(y_pred, self.threshold)
        predicted = b.cast(predicted, self.dtype)
        weights = None
        if sample_weight is not None:
            weights = tensor(sample_weight, self.dtype)
            if rank(weights) == 2 and b.shape(weights)[-1] == 1:
                weights = b.squeeze(weights, -1)
            weights = b.expand_dims(weights, 1)

        def weighted_sum(values: Any) -> Any:
            if weights is not None:
                values = b.multiply(values, weights)
            return b.sum(values, axis=self.axis)

        not_predicted, not_true = b.subtract(1.0, predicted), b.subtract(1.0, y_true)
        for variable, values in (
            (self.true_positives, b.multiply(predicted, y_true)),
            (self.false_positives, b.multiply(predicted, not_true)),
            (self.false_negatives, b.multiply(not_predicted, y_true)),
            (self.intermediate_weights, y_true),
        ):
            variable.assign(b.add(variable.value, weighted_sum(values)))

    def result(self) -> Any:
        b = active()
        if not self._built:
            return b.zeros((), self.dtype)
        eps = config.epsilon()
        tp = self.true_positives.value
        precision = b.divide(tp, b.add(b.add(tp, self.false_positives.value), eps))
        recall = b.divide(tp, b.add(b.add(tp, self.false_negatives.value), eps))
        beta_sq = self.beta**2
        score = b.divide(b.multiply(precision, recall), b.add(b.add(b.multiply(precision, beta_sq), recall), eps))
        score = b.multiply(score, 1.0 + beta_sq)
        if self.average == "weighted":
            support = self.intermediate_weights.value
            score = b.sum(b.multiply(score, b.divide(support, b.add(b.sum(support), eps))))
        elif self.average is not None:
            score = b.mean(score)
        return score

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall, ``2 * precision * recall / (precision + recall)``.

    Args:
        average: ``None``, ``"micro"``, ``"macro"`` or ``"weighted"`` (see ``FBetaScore``).
        threshold: a score above it predicts the class; ``None``: each sample's highest score
            predicts its class.
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str = "f1_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
