"""What ``fit`` asks of a distributed engine, written once; each framework's engine fills it in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from unikeras.trainers.data_adapters.data_adapter_utils import flatten, map_structure


class DistributionError(RuntimeError):
    """A distributed run cannot go on: a worker died, timed out, or the workers disagree."""


class Engine:
    """One framework's data-parallel machinery for one process.

    ``fit`` calls ``prepare(model)`` once before training, ``local_batch`` on every global
    batch, ``reduce_gradients`` (through ``Optimizer.apply``) inside every step, and
    ``sum_across_processes`` to total the metric states at the end of an epoch.

    Attributes:
        backend: the unikeras backend name it serves.
        num_replicas: how many parts each global batch is split into.
        process_index: this process's rank (0 is the chief).
        process_count: how many processes train together.
    """

    backend = ""
    num_replicas = 1
    process_index = 0
    process_count = 1

    @property
    def is_chief(self) -> bool:
        """Whether this process prints progress and writes checkpoints (rank 0)."""
        return self.process_index == 0

    def prepare(self, model: Any) -> None:
        """Make every replica start from the same weights (called once per ``fit``)."""

    def check_batch_size(self, batch_size: int) -> None:
        """Fail early when the global batch cannot give every replica at least one sample."""
        if batch_size < self.num_replicas:
            raise ValueError(
                f"DataParallel: the global batch_size ({batch_size}) must be at least the number of "
                f"replicas ({self.num_replicas}), so that every replica gets a sample."
            )

    def local_batch(self, batch: tuple) -> tuple:
        """What this process feeds its step for the global ``batch`` ``(x, y, sample_weight)``."""
        return batch

    def reduce_gradients(self, grads: list[Any]) -> list[Any]:
        """The gradients of the global batch's loss from this replica's (a mean over replicas)."""
        return grads

    def apply_gradients(self, apply: Callable[[list, list], None], grads: list[Any], variables: list[Any]) -> None:
        """Called by ``Optimizer.apply`` inside the step: ``apply(global_grads, variables)`` once per update.

        The default averages with ``reduce_gradients`` and applies in this replica; an engine whose
        replicas share one copy of the weights (several devices in one process) applies once for all.
        """
        apply(self.reduce_gradients(grads), variables)

    def wrap_step(self, step: Callable[..., Any]) -> Callable[..., Any]:
        """The training step as this engine runs it (e.g. once per replica); by default ``step`` itself."""
        return step

    def sum_across_processes(self, values: list[np.ndarray]) -> list[np.ndarray]:
        """Element-wise sums of ``values`` over every process (a collective: every process calls it)."""
        return values

    def shutdown(self) -> None:
        """Release the engine's communicator (the end of the program)."""


def shard_rows(batch: tuple, index: int, count: int) -> tuple[tuple, int, int]:
    """Rows ``index`` of ``count`` near-equal parts of every array in ``batch``: ``(part, rows, total)``.

    The first ``total % count`` parts get one row more, as ``numpy.array_split`` does.
    """
    total = batch_rows(batch)
    base, extra = divmod(total, count)
    start = index * base + min(index, extra)
    stop = start + base + (index < extra)
    return map_structure(lambda a: a[start:stop], batch), stop - start, total


def batch_rows(batch: Any) -> int:
    """Samples in a nested batch: the length of its first array (``None`` parts skipped)."""
    return next((int(np.shape(leaf)[0]) for leaf in flatten(batch) if leaf is not None), 0)
