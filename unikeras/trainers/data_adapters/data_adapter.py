"""The interface every kind of input implements for ``fit`` / ``evaluate`` / ``predict``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class DataAdapter:
    """One kind of input (arrays, a generator, a PyDataset, ...) as a source of batches.

    ``batches()`` starts a pass over the data and returns an iterator of raw batches; for a
    one-shot iterator (a generator) it is the rest of the same stream. ``standardized`` says
    whether those batches are already NumPy ``(x, y, sample_weight)`` tuples (arrays) or still
    need unpacking and checking (everything else).
    """

    #: the input kind, for messages
    source = "data"
    #: batches are already NumPy ``(x, y, sample_weight)``
    standardized = False
    #: a stream that cannot restart (each pass goes on where the last one stopped)
    one_shot = False

    @property
    def num_batches(self) -> int | None:
        """Batches in one pass, or ``None`` when unknown (generators, endless datasets)."""
        return None

    def batches(self) -> Iterator[Any]:
        raise NotImplementedError

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch."""

    def close(self) -> None:
        """Release workers or other resources (called when fit / evaluate / predict ends)."""
