"""Python generators and other iterators: one stream of batches, read once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from unikeras.trainers.data_adapters.data_adapter import DataAdapter


def is_iterator(x: Any) -> bool:
    """A generator, or any object with ``__next__`` (a one-shot stream of batches)."""
    return hasattr(type(x), "__next__") and hasattr(type(x), "__iter__")


class GeneratorDataAdapter(DataAdapter):
    """Batches from a generator or iterator. Its length is unknown, and it cannot restart: each
    epoch goes on where the previous one stopped, so without ``steps_per_epoch`` the first epoch
    reads it to the end and training then stops."""

    source = "generator"
    one_shot = True

    def __init__(self, generator: Iterator[Any]) -> None:
        self.generator = generator

    def batches(self) -> Iterator[Any]:
        return self.generator
