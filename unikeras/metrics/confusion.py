"""Metrics over confusion-matrix counts accumulated at thresholds: TruePositives and friends,
Precision, Recall, SensitivityAtSpecificity and friends, and AUC.

The counts live in Variables with one entry per threshold (and per label for multi-label AUC). A
prediction counts as positive at threshold ``t`` when ``y_pred > t``; a label is positive when it is
non-zero. Evenly spaced thresholds (AUC's default) are counted in one pass by bucketing each score,
``bucket = ceil(y_pred * (n - 1)) - 1``, the rule Keras uses, so results agree with Keras even for
scores that sit on a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.metrics.metric import (
    Metric,
    divide_no_nan,
    first,
    head,
    last_axis_slice,
    rank,
    squeeze_or_expand_to_same_rank,
    tail,
    tensor,
)
from unikeras.ops.dispatch import active
from unikeras.variables import Variable, active_scope

NEG_INF = -1e10
CONDITIONS = ("tp", "fp", "tn", "fn")


def _to_list(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def parse_thresholds(owner: str, thresholds: Any, default: float) -> list[float]:
    """``thresholds`` as a list of floats in [0, 1] (``default`` when ``None``)."""
    if thresholds is None:
        return [default]
    values = _to_list(thresholds)
    bad = [t for t in values if t is None or not isinstance(t, (int, float, np.floating)) or t < 0 or t > 1]
    if bad or not values:
        raise ValueError(f"{owner}: `thresholds` must be values in [0, 1], received {thresholds!r}.")
    return [float(t) for t in values]


def evenly_distributed(thresholds: Sequence[float]) -> bool:
    """Whether ``thresholds`` are ``i / (n - 1)`` for ``i = 0..n-1`` (n >= 3), within epsilon."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def filter_top_k(x: Any, k: int) -> Any:
    """``x`` where an entry is among the ``k`` largest of its row, ``NEG_INF`` elsewhere (ties go to
    the lower index, as ``tf.math.top_k``)."""
    b = active()
    num_classes = b.shape(x)[-1]
    order = b.argsort(b.negative(x), axis=-1)  # stable: equal scores keep index order
    top = b.slice(order, (0,) * (rank(x) - 1) + (0,), tuple(b.shape(x)[:-1]) + (min(k, num_classes),))
    mask = b.sum(b.one_hot(top, num_classes, b.dtype_name(x)), axis=-2)
    return b.add(b.multiply(x, mask), b.multiply(b.subtract(1.0, mask), NEG_INF))


def update_confusion_matrix_variables(
    variables: dict[str, Variable],
    y_true: Any,
    y_pred: Any,
    thresholds: Sequence[float],
    top_k: int | None = None,
    class_id: int | None = None,
    sample_weight: Any = None,
    multi_label: bool = False,
    label_weights: Any = None,
    thresholds_distributed_evenly: bool = False,
    owner: str = "metric",
) -> None:
    """Add this batch's weighted counts to ``variables`` (keys ``"tp"``, ``"fp"``, ``"tn"``, ``"fn"``).

    Each variable has shape ``(len(thresholds),)``, or ``(len(thresholds), num_labels)`` with
    ``multi_label`` (labels counted separately instead of pooled).
    """
    b = active()
    unknown = sorted(set(variables) - set(CONDITIONS))
    if unknown or not variables:
        raise ValueError(f"{owner}: confusion-matrix keys must be among {CONDITIONS}, received {sorted(variables)}.")
    dtype = next(iter(variables.values())).dtype
    y_true = tensor(y_true, dtype)
    y_pred = tensor(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if b.shape(y_pred) != b.shape(y_true):
        raise ValueError(
            f"{owner}: `y_true` and `y_pred` must have the same shape, received {b.shape(y_true)} and "
            f"{b.shape(y_pred)}."
        )
    if sample_weight is not None:
        sample_weight = b.expand_dims(tensor(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if rank(y_pred) < 2:
            raise ValueError(
                f"{owner}: with `class_id`, `y_pred` must have shape (num_samples, num_classes), "
                f"received shape {b.shape(y_pred)}."
            )
        num_classes = b.shape(y_pred)[-1]
        if not 0 <= class_id < num_classes:
            raise ValueError(f"{owner}: `class_id` {class_id} is out of range for {num_classes} classes.")
        y_true, y_pred = last_axis_slice(y_true, class_id), last_axis_slice(y_pred, class_id)
    shape = b.shape(y_pred)
    weights = None
    if sample_weight is not None:
        weights = b.broadcast_to(sample_weight, shape)
    if label_weights is not None and not multi_label:
        label_weights = b.broadcast_to(b.expand_dims(tensor(label_weights, dtype), 0), shape)
        weights = label_weights if weights is None else b.multiply(weights, label_weights)
    is_true = b.not_equal(y_true, b.zeros_like(y_true))
    if thresholds_distributed_evenly:
        _update_by_buckets(variables, is_true, y_pred, weights, thresholds, multi_label, dtype)
    else:
        _update_by_comparison(variables, is_true, y_pred, weights, thresholds, multi_label, dtype)


def _update_by_comparison(
    variables: dict[str, Variable],
    is_true: Any,
    y_pred: Any,
    weights: Any,
    thresholds: Sequence[float],
    multi_label: bool,
    dtype: str,
) -> None:
    """Compare every score with every threshold: counts of shape (T,) or (T, labels)."""
    b = active()
    if multi_label:  # (1, N, L) against (T, 1, 1), summed over N
        preds, labels = b.expand_dims(y_pred, 0), b.expand_dims(is_true, 0)
        thresh = b.reshape(tensor(np.asarray(thresholds), dtype), (-1, 1, 1))
        weights = None if weights is None else b.expand_dims(weights, 0)
    else:  # (1, N*L) against (T, 1)
        preds, labels = b.reshape(y_pred, (1, -1)), b.reshape(is_true, (1, -1))
        thresh = b.reshape(tensor(np.asarray(thresholds), dtype), (-1, 1))
        weights = None if weights is None else b.reshape(weights, (1, -1))
    pred_pos = b.greater(preds, thresh)
    pred_neg = b.logical_not(pred_pos)
    label_neg = b.logical_not(labels)
    cells = {
        "tp": (labels, pred_pos),
        "fp": (label_neg, pred_pos),
        "tn": (label_neg, pred_neg),
        "fn": (labels, pred_neg),
    }
    for key, variable in variables.items():
        label, pred = cells[key]
        hits = b.cast(b.logical_and(label, pred), dtype)
        if weights is not None:
            hits = b.multiply(hits, weights)
        variable.assign(b.add(variable.value, b.sum(hits, axis=1)))


def _update_by_buckets(
    variables: dict[str, Variable],
    is_true: Any,
    y_pred: Any,
    weights: Any,
    thresholds: Sequence[float],
    multi_label: bool,
    dtype: str,
) -> None:
    """Evenly spaced thresholds: put each score in the bucket of the highest threshold it exceeds,
    sum the weights per bucket and turn the buckets into counts with a reversed cumulative sum."""
    b = active()
    n = len(thresholds)
    with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    y_pred = b.clip(y_pred, 0.0, 1.0)
    true_labels = b.cast(is_true, dtype)
    false_labels = b.subtract(1.0, true_labels)
    if weights is not None:
        true_labels, false_labels = b.multiply(true_labels, weights), b.multiply(false_labels, weights)
    buckets = b.subtract(b.ceil(b.multiply(y_pred, float(n - 1))), 1.0)
    if with_epsilon:
        buckets = b.relu(buckets)
    # A score of 0 with thresholds starting at 0 has bucket -1: one_hot gives it no bucket at all.
    one_hot = b.one_hot(b.cast(buckets, "int32"), n, dtype)
    if multi_label:  # (N, L) -> per label buckets (L, n) -> counts (n, L)
        tp_buckets = b.einsum("nl,nlt->lt", true_labels, one_hot)
        fp_buckets = b.einsum("nl,nlt->lt", false_labels, one_hot)
        total_true, total_false = b.sum(true_labels, axis=0), b.sum(false_labels, axis=0)
    else:
        one_hot = b.reshape(one_hot, (-1, n))
        tp_buckets = b.reshape(b.matmul(b.reshape(true_labels, (1, -1)), one_hot), (n,))
        fp_buckets = b.reshape(b.matmul(b.reshape(false_labels, (1, -1)), one_hot), (n,))
        total_true, total_false = b.sum(true_labels), b.sum(false_labels)

    def at_or_above(buckets_: Any) -> Any:  # counts[j] = sum of buckets >= j
        counts = b.flip(b.cumsum(b.flip(buckets_, -1), axis=-1), -1)
        return b.transpose(counts) if multi_label else counts

    tp, fp = at_or_above(tp_buckets), at_or_above(fp_buckets)
    updates = {
        "tp": lambda: tp,
        "fp": lambda: fp,
        "tn": lambda: b.subtract(total_false, fp),
        "fn": lambda: b.subtract(total_true, tp),
    }
    for key, variable in variables.items():
        variable.assign(b.add(variable.value, updates[key]()))


# ---------------------------------------------------------------------- counts
class _ConfusionMatrixConditionCount(Metric):
    """One confusion-matrix count at one or several thresholds."""

    _condition = ""

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(type(self).__name__, thresholds, 0.5)
        self._thresholds_distributed_evenly = evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_matrix_variables(
            {self._condition: self.accumulator},
            y_true,
            y_pred,
            self.thresholds,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            owner=type(self).__name__,
        )

    def result(self) -> Any:
        value = self.accumulator.value
        return first(value) if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positive labels predicted positive (``y_pred > threshold``).

    Args:
        thresholds: a float or a list of floats in [0, 1] (0.5 by default); one count per threshold.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negative labels predicted positive (``y_pred > threshold``).

    Args:
        thresholds: a float or a list of floats in [0, 1] (0.5 by default); one count per threshold.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negative labels predicted negative (``y_pred <= threshold``).

    Args:
        thresholds: a float or a list of floats in [0, 1] (0.5 by default); one count per threshold.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positive labels predicted negative (``y_pred <= threshold``).

    Args:
        thresholds: a float or a list of floats in [0, 1] (0.5 by default); one count per threshold.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _condition = "fn"


# ---------------------------------------------------------------------- precision and recall
class _PrecisionRecall(Metric):
    _second = ""
    _direction = "up"

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1):
            raise ValueError(f"{owner}: `top_k` must be a positive int or None, received {top_k!r}.")
        if class_id is not None and (not isinstance(class_id, int) or isinstance(class_id, bool) or class_id < 0):
            raise ValueError(f"{owner}: `class_id` must be a non-negative int or None, received {class_id!r}.")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(owner, thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_distributed_evenly = evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        second = "false_positives" if self._second == "fp" else "false_negatives"
        setattr(self, second, self.add_variable(shape=(n,), name=second))
        self._other = getattr(self, second)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_matrix_variables(
            {"tp": self.true_positives, self._second: self._other},
            y_true,
            y_pred,
            self.thresholds,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            owner=type(self).__name__,
        )

    def result(self) -> Any:
        b = active()
        tp = self.true_positives.value
        value = divide_no_nan(tp, b.add(tp, self._other.value))
        return first(value) if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecall):
    """``true_positives / (true_positives + false_positives)``, accumulated over batches.

    Args:
        thresholds: a float or a list of floats in [0, 1]: a score above it is a positive
            prediction (0.5 by default; with ``top_k``, every top-k entry). One value per threshold.
        top_k: count only the ``k`` highest scores of each sample as predictions.
        class_id: compute the metric for this class only (``y`` of shape (samples, classes)).
        name: display name.
        dtype: dtype of the state and the result.
    """

    _second = "fp"


class Recall(_PrecisionRecall):
    """``true_positives / (true_positives + false_negatives)``, accumulated over batches.

    Args:
        thresholds: a float or a list of floats in [0, 1]: a score above it is a positive
            prediction (0.5 by default; with ``top_k``, every top-k entry). One value per threshold.
        top_k: count only the ``k`` highest scores of each sample as predictions.
        class_id: compute the metric for this class only (``y`` of shape (samples, classes)).
        name: display name.
        dtype: dtype of the state and the result.
    """

    _second = "fn"


# ---------------------------------------------------------------------- one rate at a fixed other rate
class SensitivitySpecificityBase(Metric):
    """All four counts at ``num_thresholds`` evenly spaced thresholds in [0, 1]; subclasses return
    the best value of one rate among the thresholds where another rate reaches ``value``."""

    _value_name = "value"
    _direction = "up"

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{owner}: `{self._value_name}` must be in [0, 1], received {value!r}.")
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(f"{owner}: `num_thresholds` must be an int > 0, received {num_thresholds!r}.")
        setattr(self, self._value_name, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            self.thresholds = [i / (num_thresholds - 1) for i in range(num_thresholds)]
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_matrix_variables(
            {
                "tp": self.true_positives,
                "fp": self.false_positives,
                "tn": self.true_negatives,
                "fn": self.false_negatives,
            },
            y_true,
            y_pred,
            self.thresholds,
            class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            owner=type(self).__name__,
        )

    def _rates(self) -> dict[str, Any]:
        b = active()
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {
            "sensitivity": divide_no_nan(tp, b.add(tp, fn)),
            "specificity": divide_no_nan(tn, b.add(tn, fp)),
            "precision": divide_no_nan(tp, b.add(tp, fp)),
        }

    def _best(self, constrained: Any, dependent: Any) -> Any:
        """The largest ``dependent`` where ``constrained >= value`` (0 where none)."""
        b = active()
        feasible = b.greater_equal(constrained, self.value)
        return b.maximum(b.max(b.where(feasible, dependent, b.zeros_like(dependent))), 0.0)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._value_name: self.value,
        }


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) at thresholds whose specificity is at least ``specificity``.

    Args:
        specificity: the required specificity, in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1].
        class_id: compute the metric for this class only.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _value_name = "specificity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        rates = self._rates()
        return self._best(rates["specificity"], rates["sensitivity"])


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity at thresholds whose sensitivity (recall) is at least ``sensitivity``.

    Args:
        sensitivity: the required sensitivity, in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1].
        class_id: compute the metric for this class only.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _value_name = "sensitivity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        rates = self._rates()
        return self._best(rates["sensitivity"], rates["specificity"])


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision at thresholds whose recall is at least ``recall``.

    Args:
        recall: the required recall, in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1].
        class_id: compute the metric for this class only.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _value_name = "recall"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        rates = self._rates()
        return self._best(rates["sensitivity"], rates["precision"])


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall at thresholds whose precision is at least ``precision``.

    Args:
        precision: the required precision, in [0, 1].
        num_thresholds: number of evenly spaced thresholds in [0, 1].
        class_id: compute the metric for this class only.
        name: display name.
        dtype: dtype of the state and the result.
    """

    _value_name = "precision"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self) -> Any:
        rates = self._rates()
        return self._best(rates["precision"], rates["sensitivity"])


# ---------------------------------------------------------------------- AUC
_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at ``num_thresholds`` thresholds.

    Thresholds are ``[-epsilon, 1/(n-1), ..., (n-2)/(n-1), 1 + epsilon]`` (or ``thresholds`` with
    those two ends added). The area is a Riemann sum over consecutive thresholds.

    Args:
        num_thresholds: number of thresholds (> 1).
        curve: ``"ROC"``, ``"PR"`` (precision-recall) or ``"PRGAIN"``.
        summation_method: ``"interpolation"`` (trapezoids; for PR, Davis & Goadrich's interpolation),
            ``"minoring"`` (left/lower heights) or ``"majoring"`` (upper heights).
        name: display name.
        dtype: dtype of the state and the result.
        thresholds: explicit thresholds in [0, 1] (overrides ``num_thresholds``).
        multi_label: treat each column as its own binary problem and average their AUCs, instead of
            pooling every entry into one curve.
        num_labels: number of labels with ``multi_label`` (otherwise read from the first batch).
        label_weights: per-label weights: for the pooled curve they weight each label's entries;
            with ``multi_label`` they weight the per-label AUCs.
        from_logits: ``y_pred`` holds logits (a sigmoid is applied first).
    """

    _direction = "up"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: str | None = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if not isinstance(curve, str) or curve.lower() not in _CURVES:
            raise ValueError(f"AUC: `curve` must be one of 'ROC', 'PR', 'PRGAIN', received {curve!r}.")
        if not isinstance(summation_method, str) or summation_method.lower() not in _SUMMATIONS:
            raise ValueError(f"AUC: `summation_method` must be one of {_SUMMATIONS}, received {summation_method!r}.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_thresholds("AUC", thresholds, 0.5))
            self.num_thresholds = len(inner) + 2
            self._thresholds_distributed_evenly = evenly_distributed([0.0, *inner, 1.0])
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"AUC: `num_thresholds` must be an int > 1, received {num_thresholds!r}.")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = [0.0 - eps, *inner, 1.0 + eps]
        self.curve = _CURVES[curve.lower()]
        self.summation_method = summation_method.lower()
        self.multi_label = bool(multi_label)
        if num_labels is not None and not self.multi_label:
            raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else [float(w) for w in _to_list(label_weights)]
        self._from_logits = bool(from_logits)
        self._built = False
        self._num_labels: int | None = None
        if not self.multi_label:
            self._build(None)
        elif num_labels:
            self._build((None, num_labels))

    @property
    def thresholds(self) -> list[float]:
        """The thresholds, the two ends included."""
        return list(self._thresholds)

    def _build(self, shape: tuple | None) -> None:
        if self.multi_label:
            if shape is None or len(shape) != 2:
                raise ValueError(f"AUC: with `multi_label=True`, `y_pred` must have rank 2, received shape {shape}.")
            self._num_labels = int(shape[1])
            state_shape: tuple = (self.num_thresholds, self._num_labels)
        else:
            state_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(shape=state_shape, name="true_positives")
        self.false_positives = self.add_variable(shape=state_shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=state_shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=state_shape, name="false_negatives")
        self._built = True

    def build_state(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        if not self._built:
            self._build(tuple(y_pred_shape))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        b = active()
        y_pred = tensor(y_pred)
        if not self._built:
            if active_scope() is not None:
                raise RuntimeError(
                    f"AUC '{self.name}': with `multi_label=True` and no `num_labels` its state is created from the "
                    "first batch's shape; pass `num_labels` or call build_state(y_true_shape, y_pred_shape) before "
                    "using it inside a compiled step."
                )
            self._build(b.shape(y_pred))
        if self._from_logits:
            y_pred = b.sigmoid(y_pred)
        update_confusion_matrix_variables(
            {
                "tp": self.true_positives,
                "tn": self.true_negatives,
                "fp": self.false_positives,
                "fn": self.false_negatives,
            },
            y_true,
            y_pred,
            self._thresholds,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            owner="AUC",
        )

    def _by_label(self, terms: Any) -> Any:
        """Sum Riemann terms over thresholds; with ``multi_label`` average the per-label areas."""
        b = active()
        if not self.multi_label:
            return b.sum(terms)
        by_label = b.sum(terms, axis=0)
        if self.label_weights is None:
            return b.mean(by_label)
        weights = tensor(np.asarray(self.label_weights), self.dtype)
        return divide_no_nan(b.sum(b.multiply(by_label, weights)), b.sum(weights))

    def interpolate_pr_auc(self) -> Any:
        """Precision-recall area with precision interpolated between thresholds as the number of
        predicted positives ``p`` varies linearly with the true positives (Davis & Goadrich 2006):
        each segment adds ``slope * (dtp + intercept * log(p_i / p_i+1)) / positives``."""
        b = active()
        n = self.num_thresholds
        tp = self.true_positives.value
        fp, fn = self.false_positives.value, self.false_negatives.value
        p = b.add(tp, fp)
        dtp = b.subtract(head(tp, n - 1), tail(tp, 1))
        p_lo, p_hi = head(p, n - 1), tail(p, 1)
        dp = b.subtract(p_lo, p_hi)
        slope = divide_no_nan(dtp, b.maximum(dp, 0.0))
        intercept = b.subtract(tail(tp, 1), b.multiply(slope, p_hi))
        both = b.logical_and(b.greater(p_lo, 0.0), b.greater(p_hi, 0.0))
        ratio = b.where(both, divide_no_nan(p_lo, b.maximum(p_hi, 0.0)), b.ones_like(p_hi))
        increments = divide_no_nan(
            b.multiply(slope, b.add(dtp, b.multiply(intercept, b.log(ratio)))),
            b.maximum(b.add(tail(tp, 1), tail(fn, 1)), 0.0),
        )
        return self._by_label(increments)

    def result(self) -> Any:
        b = active()
        if not self._built:
            return b.zeros((), self.dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        recall = divide_no_nan(tp, b.add(tp, fn))
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, b.add(fp, tn)), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, b.add(tp, fp))
        else:  # PRGAIN
            scale = divide_no_nan(b.add(tp, fn), b.add(tn, fp))
            no_tp = b.equal(tp, b.zeros_like(tp))
            recall_gain = b.subtract(1.0, b.multiply(scale, divide_no_nan(fn, tp)))
            precision_gain = b.subtract(1.0, b.multiply(scale, divide_no_nan(fp, tp)))
            x = b.maximum(b.where(no_tp, b.zeros_like(tp), recall_gain), 0.0)
            y = b.where(no_tp, b.ones_like(tp), precision_gain)
        n = self.num_thresholds
        y_lo, y_hi = head(y, n - 1), tail(y, 1)
        if self.summation_method == "interpolation":
            heights = b.divide(b.add(y_lo, y_hi), 2.0)
        elif self.summation_method == "minoring":
            heights = b.minimum(y_lo, y_hi)
        else:
            heights = b.maximum(y_lo, y_hi)
        return self._by_label(b.multiply(b.subtract(head(x, n - 1), tail(x, 1)), heights))

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config
