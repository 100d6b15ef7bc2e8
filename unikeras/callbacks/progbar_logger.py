"""Prints training progress: a bar per epoch (``verbose=1``) or a line per epoch (``verbose=2``)."""

from __future__ import annotations

from collections.abc import Mapping

from unikeras.callbacks.callback import Callback
from unikeras.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Keras's progress display for ``fit``, ``evaluate`` and ``predict``."""

    def __init__(self) -> None:
        super().__init__()
        self._progbar: Progbar | None = None
        self._epochs = 1
        self._verbose = 1
        self._seen = 0  # batches seen in the current bar: the total when the step count is unknown

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        self._verbose = params.get("verbose", 1)
        self._epochs = params.get("epochs", 1)
        self._steps = params.get("steps")

    def _new_bar(self) -> None:
        self._progbar = Progbar(self._steps, verbose=self._verbose)
        self._seen = 0

    def _total(self) -> int:
        return self._steps if self._steps is not None else self._seen

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        if self._verbose and self._epochs > 1:
            print(f"Epoch {epoch + 1}/{self._epochs}")
        self._new_bar()

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        self._seen = batch + 1
        if self._verbose == 1 and self._progbar is not None:
            self._progbar.update(batch + 1, _items(logs) if self._progbar_would_draw() else None, finalize=False)

    def _progbar_would_draw(self) -> bool:
        return self._progbar is not None and self._progbar.would_draw()

    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        if self._progbar is not None:
            self._progbar.update(self._total(), _items(logs), finalize=True)

    def on_test_begin(self, logs: Mapping | None = None) -> None:
        if self.params.get("mode") == "evaluate":
            self._new_bar()

    def on_test_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        self._seen = batch + 1
        if self.params.get("mode") == "evaluate" and self._verbose == 1 and self._progbar is not None:
            self._progbar.update(batch + 1, _items(logs) if self._progbar_would_draw() else None, finalize=False)

    def on_test_end(self, logs: Mapping | None = None) -> None:
        if self.params.get("mode") == "evaluate" and self._progbar is not None:
            self._progbar.update(self._total(), _items(logs), finalize=True)

    def on_predict_begin(self, logs: Mapping | None = None) -> None:
        self._new_bar()

    def on_predict_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        self._seen = batch + 1
        if self._verbose == 1 and self._progbar is not None:
            self._progbar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs: Mapping | None = None) -> None:
        if self._progbar is not None:
            self._progbar.update(self._total(), finalize=True)


def _items(logs: Mapping | None) -> list[tuple[str, float]]:
    return [(k, float(v)) for k, v in (logs or {}).items()]
