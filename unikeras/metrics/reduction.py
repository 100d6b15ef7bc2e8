"""Reduction metrics: ``Sum``, ``Mean`` and ``MeanMetricWrapper`` (the mean of a per-sample function)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unikeras.layers.layer import get_keras_mask
from unikeras.metrics.metric import Metric, divide_no_nan, rank, squeeze_or_expand_to_same_rank, tensor
from unikeras.ops.dispatch import active


def reduce_to_samplewise_values(values: Any, sample_weight: Any, reduce_fn: Callable[..., Any], dtype: str) -> tuple:
    """Keras's per-sample reduction: weight ``values`` by ``sample_weight`` (reducing ``values``
    over the axes the weight lacks) and reduce both to one value per sample.

    Returns ``(values, sample_weight)``; ``sample_weight`` stays ``None`` when none was given and
    stays a Python number when one was given.
    """
    b = active()
    values = tensor(values, dtype)
    if isinstance(sample_weight, (int, float)) and not isinstance(sample_weight, bool):
        # One weight for the whole batch (the loss tracker passes the batch size): no weight tensor.
        if rank(values):
            values = reduce_fn(values, axis=tuple(range(rank(values))))
        return b.multiply(values, float(sample_weight)), float(sample_weight)
    if sample_weight is not None:
        sample_weight = tensor(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = rank(sample_weight), rank(values)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        sample_weight = b.broadcast_to(sample_weight, b.shape(values))
        values = b.multiply(values, sample_weight)
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if rank(values) > 1:
        values = reduce_fn(values, axis=tuple(range(1, rank(values))))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values passed to ``update_state``.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "sum", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        b = active()
        values, _ = reduce_to_samplewise_values(values, sample_weight, b.sum, self.dtype)
        self.total.assign_add(b.sum(values) if rank(values) else values)

    def result(self) -> Any:
        return self.total.value


class Mean(Metric):
    """The (weighted) mean of the values passed to ``update_state``: ``total / count``.

    Values are first reduced to one value per sample (mean over the axes after the first, or over
    the axes ``sample_weight`` does not have); ``count`` adds one per sample, or the sample weights.

    Args:
        name: display name.
        dtype: dtype of the state and the result.
    """

    def __init__(self, name: str = "mean", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        b = active()
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, b.mean, self.dtype)
        self.total.assign_add(b.sum(values) if rank(values) else values)
        if sample_weight is None:
            count: Any = float(b.shape(values)[0]) if rank(values) else 1.0
        elif isinstance(sample_weight, float):
            count = sample_weight
        else:
            count = b.sum(sample_weight)
        self.count.assign_add(count)

    def result(self) -> Any:
        return divide_no_nan(self.total.value, self.count.value)


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    A mask attached to ``y_pred`` (Keras's ``_keras_mask``) multiplies the sample weights.

    Args:
        fn: the metric function.
        name: display name (``fn``'s name by default).
        dtype: dtype of the state and the result.
        **kwargs: keyword arguments passed on to ``fn``.
    """

    def __init__(
        self, fn: Callable[..., Any], name: str | None = None, dtype: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if self._direction is None and _is_loss_function(fn):
            self._direction = "down"

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        mask = get_keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = _apply_mask(sample_weight, mask, self.dtype)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        from unikeras.metrics import function_name

        config = super().get_config()
        name = function_name(self._fn)
        if name is not None and type(self) is MeanMetricWrapper:
            config["fn"] = name
        return {**config, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict) -> MeanMetricWrapper:
        if cls is MeanMetricWrapper and isinstance(config.get("fn"), str):
            from unikeras.metrics import function_by_name

            config = {**config, "fn": function_by_name(config["fn"])}
        return cls(**config)


def _is_loss_function(fn: Any) -> bool:
    from unikeras import losses

    name = getattr(fn, "__name__", None)
    return isinstance(name, str) and getattr(losses, name, None) is fn


def _apply_mask(sample_weight: Any, mask: Any, dtype: str) -> Any:
    b = active()
    float_mask = b.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = tensor(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return b.multiply(sample_weight, float_mask)
