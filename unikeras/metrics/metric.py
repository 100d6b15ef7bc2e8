"""The Metric base class and the tensor helpers every metric shares.

A metric keeps its state in non-trainable Variables. ``update_state`` is plain contract ops (no
Python branching on tensor values, no ``.numpy()``), so it runs inside every backend's compiled
step; ``result`` reads the state; ``reset_state`` zeroes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.variables import StatelessScope, Variable


def snake_case(name: str) -> str:
    """``"MeanIoU"`` -> ``"mean_io_u"``, ``"AUC"`` -> ``"auc"``: Keras's default metric names."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Metric:
    """A value accumulated over batches in Variables: ``update_state``, ``result``, ``reset_state``.

    Args:
        dtype: dtype of the state and the result (``floatx()``).
        name: display name (the key in training logs); the class name in snake case by default.
    """

    #: Whether larger values are better ("up") or smaller ("down"); callbacks such as EarlyStopping
    #: read it when their ``mode`` is "auto". ``None``: the metric does not say.
    _direction: str | None = None

    def __init__(self, dtype: str | None = None, name: str | None = None) -> None:
        self.name = name or snake_case(type(self).__name__)
        self._dtype = dtype or config.floatx()
        self._variables: list[Variable] = []

    @property
    def dtype(self) -> str:
        return self._dtype

    def add_variable(
        self,
        shape: tuple = (),
        initializer: Any = "zeros",
        dtype: str | None = None,
        aggregation: str = "sum",
        name: str | None = None,
    ) -> Variable:
        """A non-trainable state Variable tracked by this metric (``initializer``: ``"zeros"`` or an
        initializer ``(shape, dtype) -> array``)."""
        del aggregation  # one device: nothing to aggregate
        dtype = dtype or self._dtype
        shape = tuple(int(d) for d in shape)
        if initializer in ("zeros", "Zeros"):
            value = np.zeros(shape, dtype=dtype)
        else:
            from unikeras import initializers

            value = np.asarray(initializers.get(initializer)(shape, dtype), dtype=dtype)
        variable = Variable(value, dtype=dtype, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def add_weight(
        self, shape: tuple = (), initializer: Any = "zeros", dtype: str | None = None, name: str | None = None
    ):
        """Alias of ``add_variable``."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def build_state(self, y_true_shape: tuple, y_pred_shape: tuple) -> None:
        """Create state whose shape depends on the data (``F1Score``, multi-label ``AUC``) before a
        compiled step collects the metric's variables. Metrics with fixed state do nothing."""

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def reset_state(self) -> None:
        """Set every state Variable back to zero."""
        for v in self._variables:
            v.assign(v.backend.zeros(v.shape, v.dtype))

    # Pure forms, for custom loops that carry the state themselves (jax.jit, say): the metric's own
    # Variables are left untouched.
    def stateless_update_state(self, metric_variables: Sequence[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """``update_state`` applied to the state values ``metric_variables`` (one per ``variables``
        entry, in order); returns the new values."""
        self._check_state(metric_variables)
        with StatelessScope(dict(zip(self._variables, metric_variables))) as scope:
            self.update_state(*args, **kwargs)
        return [scope.values.get(v, old) for v, old in zip(self._variables, metric_variables)]

    def stateless_result(self, metric_variables: Sequence[Any]) -> Any:
        """``result`` computed from the state values ``metric_variables``."""
        self._check_state(metric_variables)
        with StatelessScope(dict(zip(self._variables, metric_variables))):
            return self.result()

    def stateless_reset_state(self) -> list[Any]:
        """The state values ``reset_state`` would set."""
        with StatelessScope() as scope:
            self.reset_state()
        return [scope.values.get(v, v.value) for v in self._variables]

    def _check_state(self, metric_variables: Sequence[Any]) -> None:
        if len(metric_variables) != len(self._variables):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `metric_variables` must hold one value per variable "
                f"({len(self._variables)}), received {len(metric_variables)}."
            )

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


# ---------------------------------------------------------------------- helpers (contract ops only)
def tensor(x: Any, dtype: str | None = None) -> Any:
    """``x`` as a native tensor of the active backend, cast to ``dtype`` when given."""
    b = active()
    if not b.is_tensor(x):
        x = b.convert_to_tensor(np.asarray(x))
    if dtype is not None and b.dtype_name(x) != dtype:
        x = b.cast(x, dtype)
    return x


def rank(x: Any) -> int:
    return len(active().shape(x))


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, expand_rank_1: bool = True) -> tuple[Any, Any]:
    """Keras's rank alignment: when the ranks differ by one and the longer one ends in a size-1 axis,
    squeeze that axis (or, for a rank-1 partner and ``expand_rank_1``, expand the partner)."""
    b = active()
    r1, r2 = rank(x1), rank(x2)
    if r1 == r2 + 1 and b.shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = b.expand_dims(x2, -1)
        else:
            x1 = b.squeeze(x1, -1)
    elif r2 == r1 + 1 and b.shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = b.expand_dims(x1, -1)
        else:
            x2 = b.squeeze(x2, -1)
    return x1, x2


def divide_no_nan(x: Any, y: Any) -> Any:
    """``x / y``, and 0 where ``y == 0``."""
    b = active()
    zero = b.equal(y, b.zeros_like(y))
    safe = b.where(zero, b.ones_like(y), y)
    return b.where(zero, b.zeros_like(safe), b.divide(x, safe))


def first(x: Any) -> Any:
    """Element 0 of a 1-D tensor, as a 0-d tensor."""
    b = active()
    return b.reshape(b.slice(x, (0,), (1,)), ())


def head(x: Any, n: int) -> Any:
    """``x[:n]`` along axis 0."""
    b = active()
    shape = b.shape(x)
    return b.slice(x, (0,) * len(shape), (n,) + tuple(shape[1:]))


def tail(x: Any, start: int) -> Any:
    """``x[start:]`` along axis 0."""
    b = active()
    shape = b.shape(x)
    return b.slice(x, (start,) + (0,) * (len(shape) - 1), (shape[0] - start,) + tuple(shape[1:]))


def last_axis_slice(x: Any, index: int) -> Any:
    """``x[..., index:index + 1]``."""
    b = active()
    shape = b.shape(x)
    return b.slice(x, (0,) * (len(shape) - 1) + (index,), tuple(shape[:-1]) + (1,))
