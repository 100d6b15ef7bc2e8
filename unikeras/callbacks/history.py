"""The History callback that ``fit`` returns."""

from __future__ import annotations

from collections.abc import Mapping

from unikeras.callbacks.callback import Callback


class History(Callback):
    """Records ``logs`` at the end of every epoch in ``history[name]`` (a list per name)."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
