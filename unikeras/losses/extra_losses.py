"""More Keras losses: ``Dice``, ``Tversky``, ``CategoricalHinge``, ``CategoricalGeneralizedCrossEntropy``,
``Circle``, their functions, and the namespace's ``serialize`` / ``deserialize``."""

from __future__ import annotations

from typing import Any

from unikeras import config
from unikeras.losses.functions import _float_pair
from unikeras.losses.loss import Loss, LossFunctionWrapper
from unikeras.ops.dispatch import active


def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Any:
    """``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`` over ``axis`` (all axes by default)."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    intersection = b.sum(b.multiply(y_true, y_pred), axis=axis)
    total = b.add(b.add(b.sum(y_true, axis=axis), b.sum(y_pred, axis=axis)), config.epsilon())
    return b.subtract(1.0, b.divide(b.multiply(intersection, 2.0), total))


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Any:
    """``1 - TP / (TP + alpha FP + beta FN)`` with soft counts over ``axis``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    intersection = b.sum(b.multiply(y_true, y_pred), axis=axis)
    false_pos = b.sum(b.multiply(b.subtract(1.0, y_pred), y_true), axis=axis)
    false_neg = b.sum(b.multiply(y_pred, b.subtract(1.0, y_true)), axis=axis)
    denominator = b.add(b.add(intersection, b.multiply(false_pos, alpha)), b.multiply(false_neg, beta))
    return b.subtract(1.0, b.divide(intersection, b.add(denominator, config.epsilon())))


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """``max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred))`` over the last axis."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    positive = b.sum(b.multiply(y_true, y_pred), axis=-1)
    negative = b.max(b.multiply(b.subtract(1.0, y_true), y_pred), axis=-1)
    return b.maximum(b.add(b.subtract(negative, positive), 1.0), 0.0)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Any:
    """``(1 - p**q) / q`` with ``p`` the predicted probability of the integer label ``y_true``
    (Zhang & Sabuncu, 2018: between cross-entropy, ``q -> 0``, and mean absolute error, ``q = 1``)."""
    b = active()
    y_pred = y_pred if b.is_tensor(y_pred) else b.convert_to_tensor(y_pred, config.floatx())
    labels = b.cast(y_true if b.is_tensor(y_true) else b.convert_to_tensor(y_true), "int32")
    one_hot = b.cast(b.one_hot(labels, b.shape(y_pred)[-1]), b.dtype_name(y_pred))
    p = b.sum(b.multiply(y_pred, one_hot), axis=-1)
    return b.divide(b.subtract(1.0, b.power(p, float(q))), float(q))


def circle(
    y_true: Any,
    y_pred: Any,
    ref_labels: Any = None,
    ref_embeddings: Any = None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
) -> Any:
    """Circle loss (Sun et al., 2020) of L2-normalised embeddings ``y_pred`` with integer labels ``y_true``:
    pulls same-label pairs together and pushes the others apart, each pair weighted by how far it is
    from its optimum. ``ref_labels`` / ``ref_embeddings`` default to the batch itself."""
    b = active()
    y_pred = y_pred if b.is_tensor(y_pred) else b.convert_to_tensor(y_pred, config.floatx())
    dtype = b.dtype_name(y_pred)
    labels = b.cast(y_true if b.is_tensor(y_true) else b.convert_to_tensor(y_true), "int32")
    refs = y_pred if ref_embeddings is None else b.cast(b.convert_to_tensor(ref_embeddings), dtype)
    ref = labels if ref_labels is None else b.cast(b.convert_to_tensor(ref_labels), "int32")
    distances = b.maximum(b.subtract(1.0, b.matmul(y_pred, b.transpose(refs))), 0.0)
    positive = b.equal(b.reshape(labels, (-1, 1)), b.reshape(ref, (1, -1)))
    negative = b.logical_not(positive)
    if remove_diagonal:
        rows, cols = b.shape(distances)
        positive = b.logical_and(positive, b.logical_not(b.cast(b.eye(rows, cols, dtype="float32"), "bool")))
    pos_mask, neg_mask = b.cast(positive, dtype), b.cast(negative, dtype)
    pos_weights = b.maximum(b.multiply(b.add(distances, margin), pos_mask), 0.0)
    neg_weights = b.maximum(b.multiply(b.subtract(1.0 + margin, distances), neg_mask), 0.0)
    pos_terms = b.multiply(b.multiply(pos_weights, b.subtract(margin, distances)), -float(gamma))
    neg_terms = b.multiply(b.multiply(neg_weights, b.subtract(1.0 - margin, distances)), float(gamma))
    very_negative = b.full(b.shape(distances), -1e30 if dtype != "float16" else -6e4, dtype)
    p_loss = b.logsumexp(b.where(positive, pos_terms, very_negative), axis=1)
    n_loss = b.logsumexp(b.where(negative, neg_terms, very_negative), axis=1)
    total = b.add(p_loss, n_loss)
    # softplus, stable for the very negative sums of rows without a positive or negative pair
    return b.add(b.maximum(total, 0.0), b.log1p(b.exp(b.negative(b.abs(total)))))


class Dice(LossFunctionWrapper):
    """Dice loss: one minus the soft Dice coefficient over ``axis`` (all axes by default)."""

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "dice",
        axis: Any = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """Tversky loss: Dice with false positives weighted ``alpha`` and false negatives ``beta``."""

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "tversky",
        axis: Any = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis


class CategoricalHinge(LossFunctionWrapper):
    """Hinge loss for one-hot labels."""

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "categorical_hinge", dtype: str | None = None
    ) -> None:
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy for integer labels, robust to noisy labels; ``q`` in (0, 1)."""

    def __init__(
        self,
        q: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype: str | None = None,
    ) -> None:
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction, dtype=dtype, q=q)
        self.q = q


class Circle(LossFunctionWrapper):
    """Circle loss for metric learning on L2-normalised embeddings with integer labels.

    Args:
        gamma: scale of the pair terms (80).
        margin: relaxation of the decision boundary (0.4).
        remove_diagonal: leave each embedding's pair with itself out of the positives.
    """

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str = "circle",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            circle,
            name=name,
            reduction=reduction,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return circle(y_true, y_pred, gamma=self.gamma, margin=self.margin, remove_diagonal=self.remove_diagonal)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """As Keras, rows with a zero loss (no positive or no negative pair) are left out of the means."""
        from unikeras.losses.loss import reduce_weighted

        b = active()
        values = self.call(y_true, y_pred)
        if self.reduction not in ("sum_over_batch_size", "mean_with_sample_weight"):
            return reduce_weighted(values, sample_weight, self.reduction)
        kept = b.cast(b.greater(values, 0.0), b.dtype_name(values))
        weighted = reduce_weighted(values, sample_weight, "none")
        if self.reduction == "sum_over_batch_size" or sample_weight is None:
            return b.divide(b.sum(weighted), b.maximum(b.sum(kept), 1.0))
        weights = reduce_weighted(kept, sample_weight, "none")
        return b.divide(b.sum(weighted), b.sum(weights))


def serialize(loss: Loss) -> dict:
    """A Loss as the dict Keras writes: ``{"module", "class_name", "config", "registered_name"}``."""
    if not isinstance(loss, Loss):
        raise ValueError(f"serialize() expects a Loss instance. Received: {loss!r}")
    return {
        "module": "keras.losses",
        "class_name": type(loss).__name__,
        "config": loss.get_config(),
        "registered_name": None,
    }


def deserialize(name: Any, custom_objects: dict | None = None) -> Any:
    """A Loss (or loss function) from a name or from ``serialize``'s dict."""
    from unikeras import losses

    if isinstance(name, str):
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        function = getattr(losses, name, None)
        if callable(function) and not isinstance(function, type):
            return function
        return losses.get(name)
    if not isinstance(name, dict) or "class_name" not in name:
        raise ValueError(f"Could not interpret loss config {name!r}: expected a name or a dict with 'class_name'.")
    class_name = name["class_name"]
    cls = (custom_objects or {}).get(class_name) or losses._CLASSES.get(class_name)
    if cls is None:
        raise ValueError(f"Unknown loss class {class_name!r} in config {name!r}.")
    return cls.from_config(dict(name.get("config") or {}))


__all__ = [
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "Dice",
    "Tversky",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "deserialize",
    "dice",
    "serialize",
    "tversky",
]
