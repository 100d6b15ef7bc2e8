"""Loss functions ``(y_true, y_pred) -> per-sample loss`` (reduced over the last axis)."""

from __future__ import annotations

from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active


def _float_pair(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    b = active()
    y_pred = y_pred if b.is_tensor(y_pred) else b.convert_to_tensor(y_pred, config.floatx())
    dtype = b.dtype_name(y_pred)
    if not b.is_tensor(y_true) or b.dtype_name(y_true) != dtype:
        y_true = b.cast(b.convert_to_tensor(y_true), dtype)
    return y_true, y_pred


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """``mean((y_pred - y_true)**2, axis=-1)``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    return b.mean(b.square(b.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(|y_pred - y_true|, axis=-1)``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    return b.mean(b.abs(b.subtract(y_pred, y_true)), axis=-1)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    """Mean over ``axis`` of ``-(y log p + (1 - y) log(1 - p))``, ``p`` clipped to
    ``[epsilon, 1 - epsilon]`` (or computed stably from logits)."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        y_true = b.add(b.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        # max(x, 0) - x * y + log(1 + exp(-|x|))
        losses = b.add(
            b.subtract(b.relu(y_pred), b.multiply(y_pred, y_true)),
            b.log1p(b.exp(b.negative(b.abs(y_pred)))),
        )
    else:
        eps = config.epsilon()
        p = b.clip(y_pred, eps, 1.0 - eps)
        losses = b.negative(
            b.add(b.multiply(y_true, b.log(p)), b.multiply(b.subtract(1.0, y_true), b.log(b.subtract(1.0, p))))
        )
    return b.mean(losses, axis=axis)


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    """``-sum(y * log p, axis)``; probabilities are renormalised and clipped to
    ``[epsilon, 1 - epsilon]``, logits go through ``log_softmax``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        num_classes = b.shape(y_pred)[axis]
        y_true = b.add(b.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    return b.negative(b.sum(b.multiply(y_true, _log_probabilities(y_pred, from_logits, axis)), axis=axis))


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Any:
    """``-log p[y]`` for integer class labels ``y`` (shape ``y_pred.shape[:-1]``, or with a
    trailing axis of 1)."""
    b = active()
    if not b.is_tensor(y_pred):
        y_pred = b.convert_to_tensor(y_pred, config.floatx())
    labels = y_true if b.is_tensor(y_true) else b.convert_to_tensor(y_true)
    if len(b.shape(labels)) == len(b.shape(y_pred)) and b.shape(labels)[-1] == 1:
        labels = b.squeeze(labels, axis=-1)
    labels = b.cast(labels, "int32")
    if axis not in (-1, len(b.shape(y_pred)) - 1):
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported, received axis={axis}.")
    valid = None
    if ignore_class is not None:
        valid = b.not_equal(labels, ignore_class)
        labels = b.where(valid, labels, b.zeros_like(labels))
    if from_logits:
        losses = b.sparse_softmax_cross_entropy(labels, y_pred)
    else:
        log_probs = _log_probabilities(y_pred, False, -1)
        losses = b.negative(b.squeeze(b.take_along_axis(log_probs, b.expand_dims(labels, -1), axis=-1), axis=-1))
    if valid is not None:
        losses = b.where(valid, losses, b.zeros_like(losses))
    return losses


def _log_probabilities(y_pred: Any, from_logits: bool, axis: int) -> Any:
    b = active()
    if from_logits:
        return b.log_softmax(y_pred, axis=axis)
    eps = config.epsilon()
    probs = b.divide(y_pred, b.sum(y_pred, axis=axis, keepdims=True))
    return b.log(b.clip(probs, eps, 1.0 - eps))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
