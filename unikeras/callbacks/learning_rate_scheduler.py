"""``LearningRateScheduler``: set the optimizer's learning rate at the start of every epoch."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from unikeras.callbacks.callback import Callback


def read_learning_rate(model: Any) -> float:
    """The current learning rate of ``model.optimizer`` as a Python float."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    value = optimizer.learning_rate
    if isinstance(value, (int, float, np.floating, np.integer)):
        return float(value)
    backend = getattr(optimizer, "_backend", None) or model.backend
    return float(backend.to_numpy(value))


def _takes_learning_rate(schedule: Callable[..., Any]) -> bool:
    """Whether ``schedule`` accepts ``(epoch, lr)`` (Keras's current form) or only ``(epoch)``."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):  # builtins without a signature: assume the current form
        return True
    try:
        signature.bind(0, 0.0)
    except TypeError:
        return False
    return True


class LearningRateScheduler(Callback):
    """At the beginning of every epoch, set the learning rate to ``schedule(epoch, lr)``.

    Args:
        schedule: function of the epoch index (0-based) and the current learning rate
            returning the new learning rate as a float (a function of the epoch alone is also
            accepted, as in Keras).
        verbose: 0 (quiet) or 1 (print a message at each update).
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: `schedule` must be a function (epoch, lr) -> float, received {schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose
        self._with_lr = _takes_learning_rate(schedule)

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        learning_rate = read_learning_rate(self.model)
        new = self.schedule(epoch, learning_rate) if self._with_lr else self.schedule(epoch)
        if not isinstance(new, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {new!r}")
        self.model.optimizer.learning_rate = float(new)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = read_learning_rate(self.model)
