"""``OrbaxCheckpoint``: Keras's step-numbered checkpoint directories, written in unikeras's own files."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Mapping

from unikeras.callbacks.model_checkpoint import MODEL_SUFFIX, WEIGHTS_SUFFIX, ModelCheckpoint


class OrbaxCheckpoint(ModelCheckpoint):
    """Save the model (or its weights) into ``directory/<step>/`` during training, keeping the
    ``max_to_keep`` most recent steps, with Keras's ``OrbaxCheckpoint`` arguments.

    Keras writes these directories with orbax, a JAX library; unikeras writes its own files in them
    (``model.ukeras``, or ``model.weights.safetensors`` with ``save_weights_only``), on every backend.
    The step is the epoch index (from 0) with ``save_freq="epoch"``, else the number of batches seen.
    ``latest_checkpoint(directory)`` gives the newest file; ``load_model`` / ``load_weights`` read it.

    Args:
        directory: the folder holding one sub-folder per saved step.
        monitor, verbose, save_best_only, mode, save_freq, initial_value_threshold: as ``ModelCheckpoint``.
        max_to_keep: how many of the most recent steps to keep (``None``: all).
        save_on_background: accepted for Keras compatibility; saving is synchronous (a checkpoint is
            complete when the callback returns).
        save_weights_only: save the weights (and optimizer state) only.
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
        max_to_keep: int | None = 1,
        save_on_background: bool = True,
        save_weights_only: bool = False,
    ) -> None:
        if max_to_keep is not None and (
            not isinstance(max_to_keep, int) or isinstance(max_to_keep, bool) or max_to_keep < 1
        ):
            raise ValueError(f"OrbaxCheckpoint: `max_to_keep` must be None or an int >= 1, received {max_to_keep!r}.")
        self.directory = os.fspath(directory)
        name = "model" + (WEIGHTS_SUFFIX if save_weights_only else MODEL_SUFFIX)
        super().__init__(
            os.path.join(self.directory, "{step}", name),
            monitor=monitor,
            verbose=verbose,
            save_best_only=save_best_only,
            save_weights_only=save_weights_only,
            mode=mode,
            save_freq=save_freq,
            initial_value_threshold=initial_value_threshold,
        )
        self.max_to_keep = max_to_keep
        self.save_on_background = save_on_background
        self._total_batches_seen = 0
        self._step = 0

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        pass  # the file path has only the {step} placeholder, filled here

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        seen = self._last_batch_seen
        if self.save_freq != "epoch":
            self._total_batches_seen += batch + 1 if seen is None or batch <= seen else batch - seen
        self._step = self._total_batches_seen
        super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        self._step = epoch
        super().on_epoch_end(epoch, logs)

    def _get_file_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        return self.filepath.format(step=self._step)

    def _save_model(self, epoch: int, batch: int | None, logs: Mapping | None) -> None:
        if batch is not None and self.save_best_only and (logs or {}).get(self.monitor) is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available, skipping save at batch {batch}.",
                stacklevel=3,
            )
            return
        super()._save_model(epoch, batch, logs)
        self._prune()

    def _prune(self) -> None:
        if self.max_to_keep is None:
            return
        for step in all_steps(self.directory)[: -self.max_to_keep]:
            shutil.rmtree(os.path.join(self.directory, str(step)), ignore_errors=True)

    def wait_until_finished(self) -> None:
        """Return when every checkpoint is written (at once: saving is synchronous)."""


def all_steps(directory: str | os.PathLike) -> list[int]:
    """The saved steps under ``directory``, oldest first."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        return []
    return sorted(int(name) for name in os.listdir(directory) if name.isdigit())


def latest_checkpoint(directory: str | os.PathLike) -> str | None:
    """The file of the newest step under ``directory`` (``None`` when there is none)."""
    directory = os.fspath(directory)
    for step in reversed(all_steps(directory)):
        folder = os.path.join(directory, str(step))
        for name in ("model" + MODEL_SUFFIX, "model" + WEIGHTS_SUFFIX):
            if os.path.isfile(os.path.join(folder, name)):
                return os.path.join(folder, name)
    return None
