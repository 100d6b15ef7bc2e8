"""Intersection-over-union metrics, from a confusion matrix accumulated over batches."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.metrics.metric import Metric, rank, tensor
from unikeras.ops.dispatch import active


def _is_float(x: Any) -> bool:
    dtype = active().dtype_name(x) if active().is_tensor(x) else np.asarray(x).dtype.name
    return dtype.startswith(("float", "bfloat"))


class _IoUBase(Metric):
    """The ``(num_classes, num_classes)`` confusion matrix (rows: true class, columns: predicted
    class) of integer labels, accumulated in a Variable."""

    _direction = "up"

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: str | None = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(name=name, dtype=dtype or "int32")
        owner = type(self).__name__
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"{owner}: `num_classes` must be a positive int, received {num_classes!r}.")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), name="total_confusion_matrix")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        b = active()
        if not self.sparse_y_true:
            y_true = b.argmax(tensor(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = b.argmax(tensor(y_pred), axis=self.axis)
        # Labels are read in the state dtype (float labels are truncated to int, as Keras casts them).
        y_true = b.reshape(tensor(y_true, self.dtype), (-1,))
        y_pred = b.reshape(tensor(y_pred, self.dtype), (-1,))
        if b.shape(y_true) != b.shape(y_pred):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `y_true` and `y_pred` must hold as many labels, "
                f"received {b.shape(y_true)[0]} and {b.shape(y_pred)[0]}."
            )
        n = self.num_classes
        valid = b.logical_and(
            b.logical_and(b.greater_equal(y_true, 0), b.less(y_true, n)),
            b.logical_and(b.greater_equal(y_pred, 0), b.less(y_pred, n)),
        )
        if self.ignore_class is not None:
            valid = b.logical_and(valid, b.not_equal(y_true, self.ignore_class))
        # Counts are summed in floating point (one-hot products), then stored in the state dtype.
        work = self.dtype if self.dtype.startswith("float") else "float32"
        weights = b.ones(b.shape(y_true), work)
        if sample_weight is not None:
            if self.dtype.startswith("int") and _is_float(sample_weight):
                warnings.warn(
                    f"{type(self).__name__} '{self.name}': float sample weights are truncated to the integer "
                    f"state dtype {self.dtype}; pass integer weights, or dtype='float32' for fractional ones.",
                    stacklevel=2,
                )
            weights = tensor(sample_weight, self.dtype)
            if rank(weights) > 1:
                weights = b.reshape(weights, (-1,))
            weights = b.broadcast_to(b.cast(weights, work), b.shape(y_true))
        weights = b.where(valid, weights, b.zeros_like(weights))
        zero = b.zeros_like(y_true)
        true_hot = b.one_hot(b.cast(b.where(valid, y_true, zero), "int32"), n, work)
        pred_hot = b.one_hot(b.cast(b.where(valid, y_pred, zero), "int32"), n, work)
        batch_cm = b.matmul(b.transpose(b.multiply(true_hot, b.expand_dims(weights, -1))), pred_hot)
        self.total_cm.assign(b.add(self.total_cm.value, b.cast(batch_cm, self.dtype)))


class IoU(_IoUBase):
    """Intersection over union, ``tp / (tp + fp + fn)``, averaged over ``target_class_ids``.

    Classes that never occur (in labels or predictions) are left out of the average.

    Args:
        num_classes: number of classes (labels are ints in ``[0, num_classes)``).
        target_class_ids: the classes whose IoU is averaged.
        name: display name.
        dtype: dtype of the confusion-matrix state (``"int32"``).
        ignore_class: a label value whose samples are skipped.
        sparse_y_true: labels are class ids (``False``: one-hot or scores, argmax over ``axis``).
        sparse_y_pred: predictions are class ids (``False``: scores, argmax over ``axis``).
        axis: the class axis of non-sparse inputs.
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Sequence[int],
        name: str | None = None,
        dtype: str | None = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
        ids = list(target_class_ids)
        if not ids or max(ids) >= num_classes or min(ids) < 0:
            raise ValueError(
                f"{type(self).__name__}: `target_class_ids` must be class ids in [0, {num_classes}), "
                f"received {target_class_ids!r}."
            )
        self.target_class_ids = ids

    def result(self) -> Any:
        b = active()
        cm = b.cast(self.total_cm.value, "float32")
        predicted = b.sum(cm, axis=0)
        actual = b.sum(cm, axis=1)
        true_positives = b.sum(b.multiply(cm, b.eye(self.num_classes, dtype="float32")), axis=1)
        denominator = b.subtract(b.add(predicted, actual), true_positives)
        ids = b.convert_to_tensor(np.asarray(self.target_class_ids, dtype="int32"))
        true_positives, denominator = b.take(true_positives, ids, axis=0), b.take(denominator, ids, axis=0)
        valid = b.greater(denominator, 1e-9)
        eps = config.epsilon()
        iou = b.where(valid, b.divide(true_positives, b.add(denominator, eps)), b.zeros_like(denominator))
        return b.divide(b.sum(iou), b.add(b.sum(b.cast(valid, "float32")), eps))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of a binary problem: a score ``>= threshold`` predicts class 1.

    Args:
        target_class_ids: which of the classes 0 and 1 to average over.
        threshold: the score from which a prediction is class 1.
        name: display name.
        dtype: dtype of the confusion-matrix state.
    """

    def __init__(
        self,
        target_class_ids: Sequence[int] = (0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        b = active()
        predicted = b.cast(b.greater_equal(tensor(y_pred, "float32"), self.threshold), self.dtype)
        super().update_state(tensor(y_true, self.dtype), predicted, sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """IoU averaged over every class: ``mean_c tp_c / (tp_c + fp_c + fn_c)``.

    Args:
        num_classes: number of classes (labels are ints in ``[0, num_classes)``).
        name: display name.
        dtype: dtype of the confusion-matrix state (``"int32"``).
        ignore_class: a label value whose samples are skipped.
        sparse_y_true: labels are class ids (``False``: one-hot, argmax over ``axis``).
        sparse_y_pred: predictions are class ids (``False``: scores, argmax over ``axis``).
        axis: the class axis of non-sparse inputs.
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: str | None = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: `num_classes` must be a positive int, received {num_classes!r}.")
        super().__init__(
            num_classes,
            target_class_ids=list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotIoU(IoU):
    """IoU with one-hot labels and score predictions (argmax over ``axis``).

    Args:
        num_classes: number of classes.
        target_class_ids: the classes whose IoU is averaged.
        name: display name.
        dtype: dtype of the confusion-matrix state.
        ignore_class: a class id whose samples are skipped.
        sparse_y_pred: predictions are class ids instead of scores.
        axis: the class axis.
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Sequence[int],
        name: str | None = None,
        dtype: str | None = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotMeanIoU(MeanIoU):
    """Mean IoU over every class, with one-hot labels and score predictions.

    Args:
        num_classes: number of classes.
        name: display name.
        dtype: dtype of the confusion-matrix state.
        ignore_class: a class id whose samples are skipped.
        sparse_y_pred: predictions are class ids instead of scores.
        axis: the class axis.
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: str | None = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            "name": self.name,
            "dtype": self.dtype,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }
