"""Prints training progress: a bar per epoch (``verbose=1``) or a line per epoch (``verbose=2``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unikeras.callbacks.callback import Callback
from unikeras.utils.io_utils import print_msg
from unikeras.utils.progbar import Progbar


def resolve_verbose(verbose: Any, fn: str) -> int:
    """``verbose`` of ``fit`` / ``evaluate`` / ``predict`` as 0, 1 or 2: ``"auto"`` is 1, as in Keras 3."""
    if verbose == "auto":
        return 1
    if isinstance(verbose, int) and verbose in (0, 1, 2):
        return int(verbose)
    raise ValueError(f'{fn}(): `verbose` must be "auto", 0, 1 or 2, received {verbose!r}.')


def with_progbar(callbacks: Sequence[Callback] | None, verbose: int) -> list[Callback]:
    """``callbacks`` plus a ``ProgbarLogger`` when ``verbose`` and none is among them (Keras's rule:
    a ``ProgbarLogger`` passed by the user takes the place of the default one)."""
    callbacks = list(callbacks or [])
    if verbose and not any(isinstance(c, ProgbarLogger) for c in callbacks):
        callbacks.append(ProgbarLogger())
    return callbacks


class ProgbarLogger(Callback):
    """Keras's progress display for ``fit``, ``evaluate`` and ``predict``.

    ``fit``, ``evaluate`` and ``predict`` add one when ``verbose`` is not 0. It shows the values of
    the logs as they are (the trainer's metrics are already running means). Validation inside
    ``fit`` is silent; its results appear in the epoch's line as ``val_*``."""

    def __init__(self) -> None:
        super().__init__()
        self._progbar: Progbar | None = None
        self._epochs = 1
        self._verbose = 1
        self._steps: int | None = None
        self._seen = 0  # batches seen in the current bar: the total when the step count is unknown

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self._verbose = 1 if verbose == "auto" else int(verbose)
        self._epochs = params.get("epochs", 1)
        self._steps = params.get("steps")

    def _new_bar(self) -> None:
        self._progbar = Progbar(self._steps, verbose=self._verbose, stateless_metrics=set())
        self._seen = 0

    def _total(self) -> int:
        return self._steps if self._steps is not None else self._seen

    def _update(self, batch: int, logs: Mapping | None) -> None:
        self._seen = batch + 1
        bar = self._progbar
        if self._verbose == 1 and bar is not None:
            # Reading the logs may wait for the device: only when the bar is about to be drawn.
            bar.update(batch + 1, _items(logs) if logs is not None and bar.would_draw() else None, finalize=False)

    def _finalize(self, logs: Mapping | None) -> None:
        if self._progbar is not None:
            self._progbar.target = self._total()
            self._progbar.update(self._total(), _items(logs), finalize=True)

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        if self._verbose and self._epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self._epochs}")
        self._new_bar()

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        self._update(batch, logs)

    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        self._finalize(logs)

    def _evaluating(self) -> bool:
        return self.params.get("mode") == "evaluate"

    def on_test_begin(self, logs: Mapping | None = None) -> None:
        if self._evaluating():
            self._new_bar()

    def on_test_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        if self._evaluating():
            self._update(batch, logs)

    def on_test_end(self, logs: Mapping | None = None) -> None:
        if self._evaluating():
            self._finalize(logs)

    def on_predict_begin(self, logs: Mapping | None = None) -> None:
        self._new_bar()

    def on_predict_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        self._update(batch, None)  # the outputs are not shown

    def on_predict_end(self, logs: Mapping | None = None) -> None:
        self._finalize(None)


def _items(logs: Mapping | None) -> list[tuple[str, float]]:
    return [(k, float(v)) for k, v in (logs or {}).items()]
