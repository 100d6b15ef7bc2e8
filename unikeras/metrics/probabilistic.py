"""Running means of the probabilistic and hinge losses, as metrics."""

from __future__ import annotations

from typing import Any

from unikeras import losses
from unikeras.metrics.reduction import MeanMetricWrapper
from unikeras.metrics.regression import _aligned, _NamedMean
from unikeras.ops.dispatch import active


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[epsilon, 1]``."""
    return losses.kl_divergence(*_aligned(y_true, y_pred))


def poisson(y_true: Any, y_pred: Any) -> Any:
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``."""
    return losses.poisson(*_aligned(y_true, y_pred))


def hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; labels in {0, 1} are read as {-1, 1}."""
    return losses.hinge(*_aligned(y_true, y_pred))


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(max(1 - y_true * y_pred, 0)**2, axis=-1)``; labels in {0, 1} are read as {-1, 1}."""
    return losses.squared_hinge(*_aligned(y_true, y_pred))


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)`` over the last axis."""
    b = active()
    y_true, y_pred = _aligned(y_true, y_pred)
    pos = b.sum(b.multiply(y_true, y_pred), axis=-1)
    neg = b.max(b.multiply(b.subtract(1.0, y_true), y_pred), axis=-1)
    return b.maximum(b.add(b.subtract(neg, pos), 1.0), 0.0)


class KLDivergence(_NamedMean):
    """The mean Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "kl_divergence", dtype: str | None = None) -> None:
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(_NamedMean):
    """The mean Poisson deviance ``y_pred - y_true * log(y_pred)``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "poisson", dtype: str | None = None) -> None:
        super().__init__(poisson, name=name, dtype=dtype)


class Hinge(_NamedMean):
    """The mean hinge loss ``max(1 - y_true * y_pred, 0)``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "hinge", dtype: str | None = None) -> None:
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(_NamedMean):
    """The mean squared hinge loss ``max(1 - y_true * y_pred, 0)**2``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "squared_hinge", dtype: str | None = None) -> None:
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_NamedMean):
    """The mean categorical hinge loss ``max(neg - pos + 1, 0)``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "categorical_hinge", dtype: str | None = None) -> None:
        super().__init__(categorical_hinge, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
        from_logits: ``y_pred`` holds logits instead of probabilities.
        label_smoothing: squeeze labels towards 0.5 by this amount.
    """

    _direction = "down"

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype: str | None = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ) -> None:
        super().__init__(
            losses.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        super().update_state(*_aligned(y_true, y_pred), sample_weight=sample_weight)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy of one-hot labels.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
        from_logits: ``y_pred`` holds logits instead of probabilities.
        label_smoothing: mix the labels with the uniform distribution by this amount.
        axis: the class axis.
    """

    _direction = "down"

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype: str | None = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ) -> None:
        super().__init__(
            losses.categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean cross-entropy of integer labels.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
        from_logits: ``y_pred`` holds logits instead of probabilities.
        ignore_class: a label value whose samples contribute 0.
        axis: the class axis.
    """

    _direction = "down"

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype: str | None = None,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
    ) -> None:
        super().__init__(
            losses.sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }
