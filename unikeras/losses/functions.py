"""Loss functions ``(y_true, y_pred) -> per-sample loss`` (reduced over the last axis)."""

from __future__ import annotations

import math
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active


def _float_pair(y_true: Any, y_pred: Any, align: bool = False) -> tuple[Any, Any]:
    """Both as tensors of ``y_pred``'s float dtype; with ``align``, ranks made equal as Keras does."""
    b = active()
    y_pred = y_pred if b.is_tensor(y_pred) else b.convert_to_tensor(y_pred, config.floatx())
    dtype = b.dtype_name(y_pred)
    if not b.is_tensor(y_true) or b.dtype_name(y_true) != dtype:
        y_true = b.cast(b.convert_to_tensor(y_true), dtype)
    return align_ranks(y_true, y_pred) if align else (y_true, y_pred)


def align_ranks(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """Keras's rule for ranks that differ by one where the longer has a last axis of size 1: a
    rank-1 partner gains that axis, otherwise the size-1 axis goes (``(N,)`` against ``(N, 1)``
    compares element by element instead of broadcasting to ``(N, N)``)."""
    b = active()
    true_rank, pred_rank = len(b.shape(y_true)), len(b.shape(y_pred))
    if true_rank == pred_rank + 1 and b.shape(y_true)[-1] == 1:
        if pred_rank == 1:
            return y_true, b.expand_dims(y_pred, -1)
        return b.squeeze(y_true, axis=-1), y_pred
    if pred_rank == true_rank + 1 and b.shape(y_pred)[-1] == 1:
        if true_rank == 1:
            return b.expand_dims(y_true, -1), y_pred
        return y_true, b.squeeze(y_pred, axis=-1)
    return y_true, y_pred


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """``mean((y_pred - y_true)**2, axis=-1)``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred, align=True)
    return b.mean(b.square(b.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(|y_pred - y_true|, axis=-1)``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred, align=True)
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


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon), axis=-1)``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred, align=True)
    diff = b.divide(b.abs(b.subtract(y_true, y_pred)), b.maximum(b.abs(y_true), config.epsilon()))
    return b.multiply(b.mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """``mean((log(1 + max(y_pred, eps)) - log(1 + max(y_true, eps)))**2, axis=-1)``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred, align=True)
    eps = config.epsilon()
    first, second = b.log1p(b.maximum(y_pred, eps)), b.log1p(b.maximum(y_true, eps))
    return b.mean(b.square(b.subtract(first, second)), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    """Mean over the last axis of ``0.5 e**2`` where ``|e| <= delta``, else ``delta (|e| - 0.5 delta)``
    (``e = y_pred - y_true``)."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred, align=True)
    error = b.subtract(y_pred, y_true)
    abs_error = b.abs(error)
    quadratic = b.multiply(b.square(error), 0.5)
    linear = b.subtract(b.multiply(abs_error, delta), 0.5 * delta * delta)
    return b.mean(b.where(b.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Any:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log 2``."""
    from unikeras.ops.nn import softplus

    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred, align=True)
    x = b.subtract(y_pred, y_true)
    return b.mean(b.subtract(b.add(x, softplus(b.multiply(x, -2.0))), math.log(2.0)), axis=-1)


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[epsilon, 1]``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    eps = config.epsilon()
    t, p = b.clip(y_true, eps, 1.0), b.clip(y_pred, eps, 1.0)
    return b.sum(b.multiply(t, b.log(b.divide(t, p))), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Any:
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    return b.mean(b.subtract(y_pred, b.multiply(y_true, b.log(b.add(y_pred, config.epsilon())))), axis=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (norms floored at epsilon)."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred, align=True)

    def normalize(x: Any) -> Any:
        norm = b.sqrt(b.sum(b.square(x), axis=axis, keepdims=True))
        return b.divide(x, b.maximum(norm, config.epsilon()))

    return b.negative(b.sum(b.multiply(normalize(y_true), normalize(y_pred)), axis=axis))


def _hinge_labels(y_true: Any) -> Any:
    """Labels in {0, 1} become {-1, 1}; other labels are kept (Keras's rule)."""
    b = active()
    binary = b.all(b.logical_or(b.equal(y_true, 0.0), b.equal(y_true, 1.0)))
    return b.where(binary, b.subtract(b.multiply(y_true, 2.0), 1.0), y_true)


def hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; labels in {0, 1} are read as {-1, 1}."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    margin = b.subtract(1.0, b.multiply(_hinge_labels(y_true), y_pred))
    return b.mean(b.maximum(margin, 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(max(1 - y_true * y_pred, 0)**2, axis=-1)``; labels in {0, 1} are read as {-1, 1}."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    margin = b.subtract(1.0, b.multiply(_hinge_labels(y_true), y_pred))
    return b.mean(b.square(b.maximum(margin, 0.0)), axis=-1)


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Binary cross-entropy scaled by ``(1 - p_t)**gamma`` (and by ``alpha`` / ``1 - alpha`` per class
    with ``apply_class_balancing``), mean over ``axis``."""
    b = active()
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        y_true = b.add(b.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = b.sigmoid(y_pred)
    eps = config.epsilon()
    p = b.clip(y_pred, eps, 1.0 - eps)
    one_minus_t = b.subtract(1.0, y_true)
    bce = b.negative(b.add(b.multiply(y_true, b.log(p)), b.multiply(one_minus_t, b.log(b.subtract(1.0, p)))))
    p_t = b.add(b.multiply(y_true, y_pred), b.multiply(one_minus_t, b.subtract(1.0, y_pred)))
    focal = b.multiply(b.power(b.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        focal = b.multiply(b.add(b.multiply(y_true, alpha), b.multiply(one_minus_t, 1.0 - alpha)), focal)
    return b.mean(focal, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
