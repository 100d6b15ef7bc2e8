"""``ModelCheckpoint``: save the model or its weights during training."""

from __future__ import annotations

import os
import string
import warnings
from collections.abc import Mapping
from typing import Any

from unikeras.callbacks.monitor_callback import MonitorCallback

MODEL_SUFFIX = ".ukeras"
WEIGHTS_SUFFIX = ".weights.safetensors"
MODEL_SUFFIXES = (MODEL_SUFFIX, ".keras")  # what model.save writes: unikeras's file or a Keras 3 file
WEIGHTS_SUFFIXES = (WEIGHTS_SUFFIX, ".weights.h5")


class ModelCheckpoint(MonitorCallback):
    """Save the model (``model.save``) or its weights (``model.save_weights``) during training.

    ``filepath`` may hold ``str.format`` placeholders filled at save time: ``{epoch}`` (1-based,
    as in Keras), ``{batch}`` (1-based, with an integer ``save_freq``) and any entry of the logs,
    such as ``{val_loss:.2f}``. Placeholders are checked when training starts: a name that
    is neither ``epoch``, ``batch``, ``learning_rate`` nor a loss or metric of the model (or
    its ``val_`` version) raises ``KeyError`` before the first batch.

    Args:
        filepath: where to save; ends in ``.weights.safetensors`` or ``.weights.h5`` when
            ``save_weights_only``, in ``.ukeras`` or ``.keras`` otherwise.
        monitor: quantity compared when ``save_best_only``.
        verbose: 0 (silent) or 1 (print a message on each save).
        save_best_only: save only when the monitored quantity improves on the best so far.
        save_weights_only: save only the weights (and optimizer state), not the whole model.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        save_freq: ``"epoch"`` to save after every epoch, or an integer to save every that many
            batches.
        initial_value_threshold: best value to beat before the first save (``save_best_only``).
    """

    #: Under a distribution, only the chief process (rank 0) runs it: it writes files.
    chief_only = True

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq < 1):
            raise ValueError(
                f"{type(self).__name__}: unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or a "
                "positive integer (a number of batches)."
            )
        if save_weights_only:
            if not self.filepath.endswith(WEIGHTS_SUFFIXES):
                raise ValueError(
                    "ModelCheckpoint: when using `save_weights_only=True`, the filepath provided must end in "
                    f"`{WEIGHTS_SUFFIX}` (unikeras weights) or `.weights.h5` (Keras 3 weights). "
                    f"Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith(MODEL_SUFFIXES):
            hint = " (or pass save_weights_only=True)" if self.filepath.endswith(WEIGHTS_SUFFIXES) else ""
            raise ValueError(
                f"ModelCheckpoint: the filepath provided must end in `{MODEL_SUFFIX}` (unikeras model file) or "
                f"`.keras` (Keras 3 model file){hint}. Received: filepath={self.filepath}"
            )

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._check_filepath_format()

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    # ------------------------------------------------------------------ saving
    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: Mapping, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if self.monitor_op is None:  # a batch-level save before the first epoch ended
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                    f"saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: Mapping | None) -> None:
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise OSError(
                "ModelCheckpoint: please specify a non-directory filepath. Filepath used is an existing "
                f"directory: {filepath}"
            )
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as err:
            raise KeyError(
                f"ModelCheckpoint: failed to format this callback filepath: {self.filepath}. Reason: `{err.args[0]}` "
                f"is not in the logs, which hold: {', '.join(logs)}."
            ) from None

    def _check_filepath_format(self) -> None:
        """Format ``filepath`` with stand-in values for every name the logs can hold, so that a
        misspelt placeholder or a bad format spec fails now rather than after an epoch."""
        names = list(getattr(self.model, "metrics_names", None) or ["loss"])
        sample: dict[str, Any] = {n: 0.0 for n in names}
        sample.update({f"val_{n}": 0.0 for n in names})
        sample.update(learning_rate=0.0, epoch=1, batch=1)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(self.filepath) if f is not None]
        except ValueError as err:
            raise ValueError(
                f'ModelCheckpoint: filepath "{self.filepath}" is not a valid format string: {err}'
            ) from None
        for field in fields:
            key = field.split(".")[0].split("[")[0]
            if key == "" or key.isdigit():
                raise ValueError(
                    f'ModelCheckpoint: filepath "{self.filepath}" has a positional placeholder {{{field}}}; '
                    "use names such as {epoch} or {val_loss}."
                )
            if key not in sample:
                raise KeyError(
                    f"ModelCheckpoint: failed to format this callback filepath: {self.filepath}. Reason: "
                    f"`{key}` is not a quantity this model logs. Available: {', '.join(sample)}."
                )
        try:
            self.filepath.format(**sample)
        except (ValueError, TypeError, IndexError, AttributeError) as err:
            raise ValueError(f'ModelCheckpoint: cannot format filepath "{self.filepath}": {err}') from None
