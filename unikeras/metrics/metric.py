"""The Metric base class and the running mean that most metrics are."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.variables import Variable


class Metric:
    """A value accumulated over batches in Variables: ``update_state``, ``result``,
    ``reset_state``.

    Args:
        name: display name (the key in training logs).
        dtype: dtype of the state (``floatx()``).
    """

    def __init__(self, name: str | None = None, dtype: str | None = None) -> None:
        self.name = name or type(self).__name__.lower()
        self.dtype = dtype or config.floatx()
        self._variables: list[Variable] = []

    def add_variable(
        self, shape: tuple = (), initializer: str = "zeros", dtype: str | None = None, name: str | None = None
    ) -> Variable:
        if initializer != "zeros":
            raise ValueError(f"Metric '{self.name}': only 'zeros' state initializers are supported.")
        dtype = dtype or self.dtype
        variable = Variable(np.zeros(shape, dtype=dtype), dtype=dtype, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def reset_state(self) -> None:
        for v in self._variables:
            v.assign(v.backend.zeros(v.shape, v.dtype))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Update with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class Mean(Metric):
    """Weighted running mean of the values passed to ``update_state``."""

    def __init__(self, name: str = "mean", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        b = active()
        values = b.cast(values if b.is_tensor(values) else b.convert_to_tensor(values), self.dtype)
        if sample_weight is None or isinstance(sample_weight, (int, float)):
            # One weight for every value (the loss tracker passes the batch size): no weight tensor.
            weight = 1.0 if sample_weight is None else float(sample_weight)
            total = b.sum(values) if weight == 1.0 else b.multiply(b.sum(values), weight)
            self.total.assign(b.add(self.total.value, total))
            self.count.assign(b.add(self.count.value, weight * math.prod(b.shape(values))))
            return
        weights = b.cast(b.convert_to_tensor(sample_weight), self.dtype)
        if len(b.shape(weights)) > len(b.shape(values)) and b.shape(weights)[-1] == 1:
            weights = b.squeeze(weights, axis=-1)
        weights = b.broadcast_to(weights, b.shape(values))
        self.total.assign(b.add(self.total.value, b.sum(b.multiply(values, weights))))
        self.count.assign(b.add(self.count.value, b.sum(weights)))

    def result(self) -> Any:
        b = active()
        count = self.count.value
        return b.where(b.equal(count, 0.0), b.zeros_like(count), b.divide(self.total.value, b.maximum(count, 1e-30)))


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred)``.

    Args:
        fn: per-sample metric function.
        name: display name.
        **kwargs: passed to ``fn``.
    """

    def __init__(
        self, fn: Callable[..., Any], name: str | None = None, dtype: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight=sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}
