"""``BackupAndRestore``: resume a ``fit`` that was interrupted, from the last backup."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Mapping

from unikeras.callbacks.callback import Callback
from unikeras.distribution import data_parallel as distribution_state

_METADATA = "training_metadata.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)\.weights\.safetensors$")


class BackupAndRestore(Callback):
    """Back up the training state regularly, and restore it when ``fit`` starts again.

    At the end of every epoch (or every ``save_freq`` batches) the weights and the optimizer
    state are saved with ``model.save_weights`` in ``backup_dir``, along with
    ``training_metadata.json`` naming the epoch reached. A later ``fit`` with a
    ``BackupAndRestore`` on the same ``backup_dir`` (after a crash, in a new process, on a
    freshly built and compiled model) loads that state and continues from that epoch: the
    callback sets ``model._initial_epoch``, which ``fit`` reads after ``on_train_begin``.

    Each backup is written to a new file and the metadata (written last, by atomic rename)
    names it, so a crash at any moment leaves a consistent backup. As in Keras, a backup
    taken within an epoch (integer ``save_freq``) resumes at the start of that epoch with the
    weights of the backup. Under a distribution only the chief writes backups; every process
    restores from them.

    Args:
        backup_dir: folder for the backup files (created if missing).
        save_freq: ``"epoch"``, or an integer number of batches between backups, or ``False``
            to back up nothing (only restore).
        double_checkpoint: also keep the previous backup, and fall back to it when the latest
            cannot be read.
        delete_checkpoint: delete the backup files at the end of a ``fit`` that finished (the
            folder too, when nothing else is in it).
    """

    def __init__(
        self,
        backup_dir: str | os.PathLike,
        save_freq: str | int | bool = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: empty `backup_dir` argument passed.")
        periodic = isinstance(save_freq, int) and not isinstance(save_freq, bool) and save_freq >= 1
        if not (save_freq == "epoch" or save_freq is False or periodic):
            raise ValueError(
                f"BackupAndRestore: invalid value for argument `save_freq`. Received: save_freq={save_freq!r}. "
                "Expected either 'epoch', False or a positive integer."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._metadata_path = os.path.join(self.backup_dir, _METADATA)
        self._prev_metadata_path = self._metadata_path + ".bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._count = 0

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._current_epoch = 0
        self._last_batch_seen = 0
        self._batches_seen_since_last_saving = 0
        candidates = [self._metadata_path, *([self._prev_metadata_path] if self.double_checkpoint else [])]
        candidates = [path for path in candidates if os.path.exists(path)]
        for i, path in enumerate(candidates):
            try:
                self._restore(path)
                return
            except (OSError, ValueError, KeyError):
                if i == len(candidates) - 1:  # no older backup to fall back to
                    raise

    def _restore(self, metadata_path: str) -> None:
        with open(metadata_path, encoding="utf-8") as f:
            metadata = json.load(f)
        if not isinstance(metadata, dict) or not isinstance(metadata.get("epoch"), int):
            raise ValueError(f"BackupAndRestore: {metadata_path} is not a backup's metadata file: {metadata!r}.")
        weights = os.path.join(self.backup_dir, os.path.basename(metadata["weights"]))
        model = self.model
        if not getattr(model, "built", True):
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you call `fit()`. "
                f"Model '{model.name}' is unbuilt."
            )
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            optimizer.build(model.trainable_variables)  # so that its state has somewhere to go
        model.load_weights(weights)
        self._count = int(metadata.get("count", 0))
        self._current_epoch = metadata["epoch"]
        model._initial_epoch = metadata["epoch"]

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        # fit has read the resume epoch by now: clear it, so that a later fit starts where it is told.
        if getattr(self.model, "_initial_epoch", None) is not None:
            self.model._initial_epoch = None

    # ------------------------------------------------------------------ back up
    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save(batch)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch" or self.save_freq is False:
            return False
        if batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save(self, batch: int | None = None) -> None:
        self._count += 1
        if not distribution_state.is_chief():  # under a distribution the chief writes, every process restores
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        name = f"checkpoint-{self._count}.weights.safetensors"
        self.model.save_weights(os.path.join(self.backup_dir, name), overwrite=True)
        metadata = {"epoch": self._current_epoch, "batch": batch, "weights": name, "count": self._count}
        if self.double_checkpoint and os.path.exists(self._metadata_path):
            with open(self._metadata_path, encoding="utf-8") as f:
                _write_atomic(self._prev_metadata_path, f.read())
        _write_atomic(self._metadata_path, json.dumps(metadata))
        self._remove_unreferenced()

    def _referenced(self) -> set[str]:
        names = set()
        for path in (self._metadata_path, self._prev_metadata_path):
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                with open(path, encoding="utf-8") as f:
                    names.add(os.path.basename(json.load(f)["weights"]))
        return names

    def _remove_unreferenced(self) -> None:
        keep = self._referenced()
        for name in os.listdir(self.backup_dir):
            if _CHECKPOINT.match(name) and name not in keep:
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.backup_dir, name))

    # ------------------------------------------------------------------ clean up
    def on_train_end(self, logs: Mapping | None = None) -> None:
        if getattr(self.model, "_initial_epoch", None) is not None:  # a fit with no epoch left to run
            self.model._initial_epoch = None
        if not self.delete_checkpoint or not os.path.isdir(self.backup_dir) or not distribution_state.is_chief():
            return
        for name in os.listdir(self.backup_dir):
            if _CHECKPOINT.match(name) or name in (_METADATA, _METADATA + ".bkp"):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.backup_dir, name))
        with contextlib.suppress(OSError):
            os.rmdir(self.backup_dir)  # only when empty: never delete files this callback did not write


def _write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so readers see all or nothing."""
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
