"""``MonitorCallback``: the "is this value an improvement?" logic shared by EarlyStopping,
ModelCheckpoint and ReduceLROnPlateau."""

from __future__ import annotations

import operator
import warnings
from collections.abc import Mapping
from typing import Any

from unikeras.callbacks.callback import Callback

# Metrics that grow as the model improves, for metrics that do not say (no ``_direction``).
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fmeasure", "iou", "r2")


class MonitorCallback(Callback):
    """Base class of callbacks that watch one entry of the epoch logs.

    Args:
        monitor: name of the quantity in the logs, such as ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (inferred from the monitored metric; an
            unknown mode warns and falls back to ``"auto"``, as in Keras).
        baseline: initial best value, or ``None`` to take the first value seen.
        min_delta: smallest change that counts as an improvement (its sign is ignored).
    """

    def __init__(
        self, monitor: str = "val_loss", mode: str = "auto", baseline: float | None = None, min_delta: float = 0
    ):
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"{type(self).__name__}: `monitor` must be a string, received {monitor!r}.")
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Any = None

    def _set_monitor_op(self) -> None:
        """Pick ``<`` or ``>`` from ``mode``, or in "auto" mode from the monitored metric."""
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in _flat_metrics(getattr(self.model, "metrics", None) or []):
                if getattr(metric, "name", None) != name:
                    continue
                direction = getattr(metric, "_direction", None)
                if direction is None:  # a metric that does not declare it: judge by its name
                    direction = "up" if any(word in name.lower() for word in _HIGHER_IS_BETTER) else "down"
                self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but it cannot tell whether "
                    "that metric should be maximized or minimized. Pass `mode='max'` in order to monitor based on "
                    "the highest metric value, or pass `mode='min'` in order to use the lowest value."
                )
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _is_improvement(self, monitor_value: float, reference_value: float | None) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))

    def _monitored(self, logs: Mapping | None, what: str) -> float | None:
        """The monitored value, or ``None`` with Keras's warning listing the available keys."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"{what} conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs.keys())}",
                stacklevel=3,
            )
        return value


def _flat_metrics(metrics: list) -> list:
    """The metrics, with containers (the compiled metrics of ``compile``) replaced by their contents."""
    out = []
    for metric in metrics:
        inner = getattr(metric, "metrics", None)
        out.extend(_flat_metrics(list(inner)) if isinstance(inner, (list, tuple)) else [metric])
    return out
