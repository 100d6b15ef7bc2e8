"""The CTC (Connectionist Temporal Classification) loss: ``CTC`` and ``ctc``."""

from __future__ import annotations

from typing import Any

from unikeras.losses.loss import Loss, LossFunctionWrapper
from unikeras.ops.dispatch import active


def ctc(y_true: Any, y_pred: Any) -> Any:
    """CTC loss of integer labels ``y_true`` ``(batch_size, max_length)`` (``0`` is the blank/mask
    index and pads the labels) against logits ``y_pred`` ``(batch_size, max_length, num_classes)``
    (not softmax-normalized), every output step counted."""
    from unikeras.ops.nn_sequence import ctc_loss

    b = active()
    y_true = y_true if b.is_tensor(y_true) else b.convert_to_tensor(y_true)
    y_pred = y_pred if b.is_tensor(y_pred) else b.convert_to_tensor(y_pred, "float32")
    if len(b.shape(y_true)) != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in integer format. "
            f"Received: y_true.shape={b.shape(y_true)}"
        )
    if len(b.shape(y_pred)) != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, num_classes)`. "
            f"Received: y_pred.shape={b.shape(y_pred)}"
        )
    labels = b.cast(y_true, "int32")
    batch, steps = b.shape(y_pred)[:2]
    label_length = b.sum(b.cast(b.not_equal(labels, 0), "int32"), axis=-1)
    output_length = b.full((batch,), steps, "int32")
    return ctc_loss(labels, y_pred, label_length, output_length, mask_index=0)


class CTC(LossFunctionWrapper):
    """CTC (Connectionist Temporal Classification) loss: ``ctc`` with a reduction over the batch."""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "ctc", dtype: str | None = None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)


__all__ = ["CTC", "ctc"]
