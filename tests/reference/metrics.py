"""NumPy (float64) references for the metrics, written from Keras's documented definitions.

Nothing here imports unikeras or a framework.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-7


# ---------------------------------------------------------------------- running means
def weighted_mean(per_sample: list[np.ndarray], weights: list[np.ndarray | None] | None = None) -> float:
    """Mean over batches of per-sample values (one value per sample), weighted by sample weights."""
    values = np.concatenate([np.asarray(v, np.float64).reshape(-1) for v in per_sample])
    if weights is None:
        return float(values.mean())
    w = np.concatenate([np.asarray(x, np.float64).reshape(-1) for x in weights])
    return float((values * w).sum() / w.sum())


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return ((np.float64(y_pred) - y_true) ** 2).mean(axis=-1)


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.abs(np.float64(y_pred) - y_true).mean(axis=-1)


# ---------------------------------------------------------------------- accuracy
def in_top_k(labels: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Whether each label's score is at least the k-th largest score of its row (ties count in)."""
    scores = np.asarray(scores, np.float64)
    kth = np.sort(scores, axis=-1)[:, ::-1][:, min(k, scores.shape[-1]) - 1]
    return scores[np.arange(len(labels)), labels] >= kth


# ---------------------------------------------------------------------- confusion counts
def auc_thresholds(num_thresholds: int) -> np.ndarray:
    """AUC's thresholds: just below 0, ``i / (n - 1)`` inside, just above 1."""
    inner = np.arange(1, num_thresholds - 1) / (num_thresholds - 1)
    return np.concatenate([[-EPSILON], inner, [1.0 + EPSILON]])


def confusion_counts(
    y_true: np.ndarray, y_pred: np.ndarray, thresholds, sample_weight: np.ndarray | None = None, per_label=False
) -> dict[str, np.ndarray]:
    """tp, fp, tn, fn at each threshold: a prediction is positive when ``score > threshold``, a label
    when non-zero. Entries are pooled, or counted per column (last axis) with ``per_label``."""
    y_true = np.asarray(y_true, np.float64) != 0
    y_pred = np.asarray(y_pred, np.float64)
    w = np.ones_like(y_pred) if sample_weight is None else np.broadcast_to(sample_weight, y_pred.shape)
    thresholds = np.asarray(thresholds, np.float64)
    axes = tuple(range(y_pred.ndim - 1)) if per_label else None
    counts = {key: [] for key in ("tp", "fp", "tn", "fn")}
    for t in thresholds:
        positive = y_pred > t
        counts["tp"].append(np.sum(w * (y_true & positive), axis=axes))
        counts["fp"].append(np.sum(w * (~y_true & positive), axis=axes))
        counts["tn"].append(np.sum(w * (~y_true & ~positive), axis=axes))
        counts["fn"].append(np.sum(w * (y_true & ~positive), axis=axes))
    return {key: np.array(v) for key, v in counts.items()}


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)


def precision(counts: dict[str, np.ndarray]) -> np.ndarray:
    return _ratio(counts["tp"], counts["tp"] + counts["fp"])


def recall(counts: dict[str, np.ndarray]) -> np.ndarray:
    return _ratio(counts["tp"], counts["tp"] + counts["fn"])


def top_k_filter(y_pred: np.ndarray, k: int) -> np.ndarray:
    """Scores outside each row's k largest (ties: lower index first) set to -1e10."""
    order = np.argsort(-np.asarray(y_pred, np.float64), axis=-1, kind="stable")[..., :k]
    keep = np.zeros(y_pred.shape, bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, y_pred, -1e10)


def auc_from_counts(counts: dict[str, np.ndarray], curve: str = "ROC", summation: str = "interpolation") -> np.ndarray:
    """Area under the curve through the points at consecutive thresholds (Riemann sum over axis 0).

    ROC: x = false-positive rate, y = recall. PR: x = recall, y = precision; with "interpolation"
    precision between two thresholds follows from tp varying linearly with the number of predicted
    positives p (Davis & Goadrich): integrating (tp(p) / p) d(tp(p) / positives) in closed form.
    """
    tp, fp, tn, fn = (np.asarray(counts[k], np.float64) for k in ("tp", "fp", "tn", "fn"))
    if curve == "PR" and summation == "interpolation":
        area = np.zeros(tp.shape[1:])
        for i in range(len(tp) - 1):
            p_lo, p_hi = tp[i] + fp[i], tp[i + 1] + fp[i + 1]
            d_tp, d_p = tp[i] - tp[i + 1], p_lo - p_hi
            slope = _ratio(d_tp, np.maximum(d_p, 0))
            intercept = tp[i + 1] - slope * p_hi
            both = (p_lo > 0) & (p_hi > 0)
            log_term = np.log(np.where(both, _ratio(p_lo, np.maximum(p_hi, 0)), 1.0))
            positives = np.maximum(tp[i + 1] + fn[i + 1], 0)
            area = area + _ratio(slope * (d_tp + intercept * log_term), positives)
        return area
    rec = _ratio(tp, tp + fn)
    if curve == "ROC":
        x, y = _ratio(fp, fp + tn), rec
    elif curve == "PR":
        x, y = rec, _ratio(tp, tp + fp)
    else:  # PRGAIN
        scale = _ratio(tp + fn, tn + fp)
        x = np.maximum(np.where(tp == 0, 0.0, 1.0 - scale * _ratio(fn, tp)), 0.0)
        y = np.where(tp == 0, 1.0, 1.0 - scale * _ratio(fp, tp))
    if summation == "interpolation":
        heights = (y[:-1] + y[1:]) / 2
    elif summation == "minoring":
        heights = np.minimum(y[:-1], y[1:])
    else:
        heights = np.maximum(y[:-1], y[1:])
    return np.sum((x[:-1] - x[1:]) * heights, axis=0)


# ---------------------------------------------------------------------- IoU and F-scores
def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int, weights=None) -> np.ndarray:
    """Rows: true class, columns: predicted class; out-of-range pairs are dropped."""
    labels, predictions = np.asarray(labels).reshape(-1), np.asarray(predictions).reshape(-1)
    w = np.ones(labels.shape) if weights is None else np.broadcast_to(np.asarray(weights).reshape(-1), labels.shape)
    cm = np.zeros((num_classes, num_classes))
    ok = (labels >= 0) & (labels < num_classes) & (predictions >= 0) & (predictions < num_classes)
    np.add.at(cm, (labels[ok], predictions[ok]), w[ok])
    return cm


def mean_iou(cm: np.ndarray, class_ids=None) -> float:
    """Mean over classes (that occur at all) of tp / (tp + fp + fn)."""
    tp = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    ids = np.arange(len(cm)) if class_ids is None else np.asarray(class_ids)
    tp, union = tp[ids], union[ids]
    present = union > 0
    return float(np.sum(tp[present] / union[present]) / max(present.sum(), 1))


def fbeta(y_true: np.ndarray, predicted: np.ndarray, beta: float, average, sample_weight=None) -> np.ndarray:
    """F-beta from 0/1 predictions; ``average``: None, "micro", "macro" or "weighted"."""
    y_true, predicted = np.asarray(y_true, np.float64), np.asarray(predicted, np.float64)
    w = np.ones((len(y_true), 1)) if sample_weight is None else np.asarray(sample_weight, np.float64).reshape(-1, 1)
    axis = None if average == "micro" else 0
    tp = np.sum(w * predicted * y_true, axis=axis)
    fp = np.sum(w * predicted * (1 - y_true), axis=axis)
    fn = np.sum(w * (1 - predicted) * y_true, axis=axis)
    support = np.sum(w * y_true, axis=axis)
    p = tp / (tp + fp + EPSILON)
    r = tp / (tp + fn + EPSILON)
    score = (1 + beta**2) * p * r / (beta**2 * p + r + EPSILON)
    if average == "weighted":
        return np.sum(score * support / (support.sum() + EPSILON))
    if average in ("micro", "macro"):
        return np.mean(score)
    return score


def argmax_predictions(y_pred: np.ndarray, threshold: float | None) -> np.ndarray:
    """F-score's predicted classes: above ``threshold``, or each row's maximum (when non-zero)."""
    y_pred = np.asarray(y_pred, np.float64)
    if threshold is not None:
        return (y_pred > threshold).astype(np.float64)
    return ((y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)).astype(np.float64)
