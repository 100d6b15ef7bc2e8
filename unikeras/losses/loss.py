"""The Loss base class: a per-sample function plus a reduction and sample weights."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred) -> per-sample losses``.

    Args:
        name: display name.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"`` or ``"none"`` / ``None``.
        dtype: dtype of the computation (``floatx()``).
    """

    def __init__(
        self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype: str | None = None
    ) -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: `reduction` must be one of {REDUCTIONS}, received {reduction!r}.")
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype or config.floatx()

    def call(self, y_true: Any, y_pred: Any) -> Any:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        b = active()
        if b.is_tensor(y_pred) and b.dtype_name(y_pred) in ("float16", "bfloat16"):
            y_pred = b.cast(y_pred, self.dtype)  # a mixed-precision model's loss is computed in float32
        return reduce_weighted(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


def reduce_weighted(values: Any, sample_weight: Any, reduction: str | None) -> Any:
    """Weight per-sample ``values`` by ``sample_weight`` (broadcast) and reduce them."""
    b = active()
    if sample_weight is not None:
        sample_weight = b.cast(b.convert_to_tensor(sample_weight), b.dtype_name(values))
        values_ndim, weight_ndim = len(b.shape(values)), len(b.shape(sample_weight))
        if weight_ndim > values_ndim and b.shape(sample_weight)[-1] == 1:
            sample_weight = b.squeeze(sample_weight, axis=-1)
        values = b.multiply(values, sample_weight)
    if reduction in ("none", None):
        return values
    total = b.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return b.divide(total, b.sum(b.broadcast_to(sample_weight, b.shape(values))))
    return b.divide(total, float(max(math.prod(b.shape(values)), 1)))


class LossFunctionWrapper(Loss):
    """A Loss around a function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Any:
        from unikeras.losses.functions import align_ranks

        b = active()
        y_pred = y_pred if b.is_tensor(y_pred) else b.convert_to_tensor(y_pred, config.floatx())
        y_true = y_true if b.is_tensor(y_true) else b.convert_to_tensor(y_true)
        y_true, y_pred = align_ranks(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
