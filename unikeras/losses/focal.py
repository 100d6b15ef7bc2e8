"""Categorical focal cross-entropy (Keras's ``categorical_focal_crossentropy`` and its Loss class)."""

from __future__ import annotations

import warnings
from typing import Any

from unikeras import config
from unikeras.losses.functions import _float_pair
from unikeras.losses.loss import LossFunctionWrapper
from unikeras.ops.dispatch import active


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """``sum(alpha * (1 - p)**gamma * -y * log p, axis)``: cross-entropy that down-weights easy examples.

    Probabilities are renormalised along ``axis`` and clipped to ``[epsilon, 1 - epsilon]``; logits
    go through softmax first. ``label_smoothing`` mixes one-hot labels with the uniform distribution.
    """
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    if b.shape(y_pred)[-1] == 1:
        warnings.warn(
            "In loss categorical_focal_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={b.shape(y_pred)}. Consider using 'binary_crossentropy' "
            "if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        num_classes = b.shape(y_true)[-1]
        y_true = b.add(b.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    if from_logits:
        y_pred = b.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = b.clip(b.divide(y_pred, b.sum(y_pred, axis=axis, keepdims=True)), eps, 1.0 - eps)
    cross_entropy = b.negative(b.multiply(y_true, b.log(output)))
    weight = b.multiply(b.power(b.subtract(1.0, output), float(gamma)), float(alpha))
    return b.sum(b.multiply(weight, cross_entropy), axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal cross-entropy for one-hot labels (Lin et al., 2017): easy examples weigh less.

    Args:
        alpha: weight of every class's term (0.25).
        gamma: focusing parameter; 0 gives ``alpha`` times the categorical cross-entropy.
        from_logits: whether ``y_pred`` are logits rather than probabilities.
        label_smoothing: mix the labels with the uniform distribution by this amount.
        axis: the class axis.
    """

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            categorical_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.alpha, self.gamma, self.from_logits = alpha, gamma, from_logits
        self.label_smoothing, self.axis = label_smoothing, axis


__all__ = ["CategoricalFocalCrossentropy", "categorical_focal_crossentropy"]
