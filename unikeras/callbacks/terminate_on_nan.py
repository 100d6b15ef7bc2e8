"""``TerminateOnNaN``: stop training at the first NaN or infinite loss, keeping the last good weights."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from unikeras.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite, keeping the last good weights.

    Keras only stops. Here the model is also put back in the state it had before the bad
    batch: before every batch the callback copies the model's variables and the optimizer's
    state (iterations, slots) as tensors on their device: no transfer to the host and no
    synchronisation beyond the read of the batch loss that detecting a NaN needs anyway. The
    copies of the two latest batches are kept; on a NaN or infinite loss the newest one whose
    values are all finite is put back (the weights themselves can turn non-finite one batch
    before the loss does). This costs one device copy of the training state per batch and
    twice its memory; the callback costs nothing when it is not used.

    After the stop, ``stopped_epoch`` and ``stopped_batch`` say where the loss went bad, and
    ``restored_epoch`` and ``restored_batch`` the batch whose starting state was put back.

    Args:
        raise_error: raise ``RuntimeError`` (after restoring the weights) instead of stopping.
    """

    _KEEP = 2

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        if not isinstance(raise_error, bool):
            raise TypeError(f"TerminateOnNaN: `raise_error` must be a bool, received {raise_error!r}.")
        self.raise_error = raise_error
        self._reset()

    def _reset(self) -> None:
        self._variables: list[Any] = []
        self._snapshots: list[tuple[int, int, list[Any]]] = []
        self._restored: tuple[int, int, list[Any]] | None = None
        self._epoch = 0
        self.stopped_epoch: int | None = None
        self.stopped_batch: int | None = None
        self.restored_epoch: int | None = None
        self.restored_batch: int | None = None

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._reset()
        found: dict[int, Any] = {}
        optimizer = getattr(self.model, "optimizer", None)
        for variable in [*self.model.variables, *(getattr(optimizer, "variables", None) or [])]:
            found.setdefault(id(variable), variable)
        self._variables = list(found.values())

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        if self.stopped_batch is not None:
            return
        copies = [v.backend.copy(v.value) for v in self._variables]
        self._snapshots.append((self._epoch, batch, copies))
        if len(self._snapshots) > self._KEEP:
            del self._snapshots[0]

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        if self.stopped_batch is not None or not logs:
            return
        loss = logs.get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        self.stopped_epoch, self.stopped_batch = self._epoch, batch
        restored = self._restore_last_finite()
        where = ""
        if restored is not None:
            self.restored_epoch, self.restored_batch, _ = restored
            where = f"; restored the weights from before batch {self.restored_batch} of epoch {self.restored_epoch + 1}"
        if self.raise_error:
            self._restored = None  # fit ends with the exception: no copy to keep
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                f"Terminating training immediately{where}."
            )
        print(f"Batch {batch}: Invalid loss, terminating training{where}.")
        self.model.stop_training = True

    def on_train_end(self, logs: Mapping | None = None) -> None:
        # fit may have run further batches after the stop request: put the good state back again.
        if self._restored is not None:
            self._assign(self._restored[2])
        self._restored = None
        self._snapshots = []
        self._variables = []

    def _restore_last_finite(self) -> tuple[int, int, list[Any]] | None:
        for snapshot in reversed(self._snapshots):
            if all(_all_finite(v, value) for v, value in zip(self._variables, snapshot[2])):
                self._assign(snapshot[2])
                self._restored = snapshot
                self._snapshots = []
                return snapshot
        warnings.warn(
            "TerminateOnNaN: the weights of the last batches are not finite either; they were left as they are.",
            stacklevel=3,
        )
        return None

    def _assign(self, values: list[Any]) -> None:
        for variable, value in zip(self._variables, values):
            variable.assign(value)


def _all_finite(variable: Any, value: Any) -> bool:
    if "float" not in str(variable.dtype):
        return True
    b = variable.backend
    return bool(b.to_numpy(b.all(b.isfinite(value))))
