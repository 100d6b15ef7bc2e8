"""Epochs of batches from any data adapter, with Keras's ``steps_per_epoch`` rules.

Without ``steps``, every epoch is one full pass (a generator: what is left of it). With
``steps``, an epoch stops after that many batches and the next epoch goes on from there; when
the data runs out first the epoch ends early with a warning, and a restartable input starts a
new pass at the next epoch.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from unikeras import config
from unikeras.trainers.data_adapters.data_adapter import DataAdapter
from unikeras.trainers.data_adapters.data_adapter_utils import BatchStandardizer


class EpochIterator:
    """Iterates a :class:`DataAdapter` one epoch at a time.

    Args:
        adapter: the data.
        steps: batches per epoch (``steps_per_epoch``, ``validation_steps``, ``steps``), or
            ``None`` for one pass.
        standardizer: unpacks, converts and checks raw batches (every input kind but arrays).
        name: the argument the data came in (``"x"``, ``"validation_data"``), for messages.
    """

    def __init__(
        self,
        adapter: DataAdapter,
        steps: int | None = None,
        standardizer: BatchStandardizer | None = None,
        name: str = "x",
    ) -> None:
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps <= 0):
            raise ValueError(f"The number of steps must be a positive int or None, received {steps!r}.")
        limit = config.max_steps_per_epoch()
        if limit is not None and (steps is None or limit < steps):
            warnings.warn(
                f"Limiting steps_per_epoch to {limit} (unikeras.config.set_max_steps_per_epoch).", stacklevel=2
            )
            steps = limit
        self.adapter = adapter
        self.steps = steps
        self.standardizer = standardizer
        self.name = name
        self.steps_done = 0  # batches in the last epoch
        self._iterator: Iterator[Any] | None = None
        self._peeked: Any = None
        self._seen = 0  # batches drawn from the current pass
        self._index = 0  # position of the next raw batch in the stream, for messages

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch if known (``steps`` when given), else ``None``."""
        return self.steps or self.adapter.num_batches

    def _stream(self) -> Iterator[Any]:
        raw = self.adapter.batches()
        return raw if self.standardizer is None else self._standardized(raw)

    def _standardized(self, raw: Iterator[Any]) -> Iterator[Any]:
        if not self.adapter.one_shot:
            self._index = 0
        standardize = self.standardizer
        for batch in raw:
            index = self._index
            self._index += 1
            yield standardize(batch, index)

    def _start_pass(self) -> None:
        self._close_pass()
        self._iterator = self._stream()
        self._seen = 0

    def _close_pass(self) -> None:
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()
        self._iterator = None
        self._peeked = None

    def _draw(self) -> Any:
        if self._peeked is not None:
            batch, self._peeked = self._peeked, None
        else:
            batch = next(self._iterator)
        self._seen += 1
        return batch

    def peek(self) -> tuple[Any, Any, Any]:
        """The first batch of the next epoch, read now (to build the model on its shapes)."""
        if self._peeked is None:
            if self._iterator is None:
                self._start_pass()
            try:
                self._peeked = next(self._iterator)
            except StopIteration:
                self._close_pass()
                raise ValueError(f"`{self.name}` ({self.adapter.source}) yielded no batches.") from None
        return self._peeked

    def epoch(self) -> Iterator[tuple[int, Any]]:
        """``(step, (x, y, sample_weight))`` for the batches of one epoch; ``steps_done`` counts
        the batches handed out (also when the caller stops early)."""
        self.adapter.on_epoch_begin()
        self.steps_done = 0
        try:
            if self.steps is None:
                if self._peeked is None:
                    self._start_pass()
                else:
                    self.steps_done = 1
                    yield 0, self._draw()
                for batch in self._iterator:
                    self.steps_done += 1
                    yield self.steps_done - 1, batch
                self._close_pass()
            else:
                known = self.adapter.num_batches
                if self._iterator is None:
                    self._start_pass()
                while self.steps_done < self.steps:
                    if known is not None and self._seen >= known:
                        self._warn_ran_out(self.steps_done)
                        break
                    try:
                        batch = self._draw()
                    except StopIteration:
                        self._close_pass()
                        self._warn_ran_out(self.steps_done)
                        break
                    self.steps_done += 1
                    yield self.steps_done - 1, batch
                if known is not None and self._seen >= known:
                    self._close_pass()  # a new pass at the next epoch
        finally:
            self.adapter.on_epoch_end()

    def _warn_ran_out(self, step: int) -> None:
        warnings.warn(
            f"`{self.name}` ({self.adapter.source}) ran out of data after {step} of the {self.steps} steps of "
            "this epoch; the epoch ends early. Provide data for `steps * epochs` batches (a repeating dataset, a "
            "generator that loops) or fewer steps.",
            stacklevel=4,
        )

    def close(self) -> None:
        """Stop reading (closing worker pools)."""
        self._close_pass()
        self.adapter.close()
