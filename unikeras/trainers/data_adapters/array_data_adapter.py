"""Arrays (NumPy, any backend's tensors, lists and dicts of them): batching, shuffling and
Keras's validation split."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from unikeras.trainers.data_adapters.data_adapter import DataAdapter
from unikeras.trainers.data_adapters.data_adapter_utils import flatten, map_structure, num_samples, unflatten_like


class ArrayDataAdapter(DataAdapter):
    """Batches of prepared NumPy ``(x, y, sample_weight)`` structures.

    Args:
        x, y, sample_weight: NumPy arrays, or lists / tuples / dicts of them, all with the same
            number of samples (``y`` and ``sample_weight`` may be ``None``).
        batch_size: samples per batch; default ``ceil(n / steps)`` when ``steps`` is given, else 32.
        steps: batches per epoch asked for (only used to pick the default ``batch_size``).
        shuffle: ``True`` reshuffles all samples every pass, ``"batch"`` shuffles within each batch.
        seed: seed of the shuffling, so a seeded run visits batches in the same order on every backend.
    """

    source = "arrays"
    standardized = True

    def __init__(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        batch_size: int | None = None,
        steps: int | None = None,
        shuffle: bool | str = False,
        seed: int | None = None,
    ) -> None:
        n = num_samples(x)
        if n == 0:
            raise ValueError("`x` has no samples: received arrays with a batch axis of size 0.")
        if batch_size is None:
            batch_size = math.ceil(n / steps) if steps else 32
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive int, received {batch_size!r}.")
        if shuffle not in (True, False, "batch"):
            raise ValueError(f'`shuffle` must be True, False or "batch", received {shuffle!r}.')
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self._n = n
        self._data = (x, y, sample_weight)
        self._plain = not any(isinstance(v, (list, tuple, dict)) for v in self._data)
        self._rng = np.random.default_rng(seed)

    @property
    def num_batches(self) -> int:
        return math.ceil(self._n / self.batch_size)

    def batches(self) -> Iterator[tuple[Any, Any, Any]]:
        leaves = flatten(self._data)
        if self.shuffle is True:
            order = self._rng.permutation(self._n)
            leaves = [None if a is None else a[order] for a in leaves]
        return self._slices(leaves)

    def _slices(self, leaves: list[Any]) -> Iterator[tuple[Any, Any, Any]]:
        plain, template, size, n = self._plain, self._data, self.batch_size, self._n
        if plain and self.shuffle != "batch":  # the common case, kept lean: a few us per batch count
            x, y, sample_weight = leaves
            for start in range(0, n, size):
                end = start + size
                yield (
                    x[start:end],
                    None if y is None else y[start:end],
                    None if sample_weight is None else sample_weight[start:end],
                )
            return
        for start in range(0, n, size):
            part = [None if a is None else a[start : start + size] for a in leaves]
            if self.shuffle == "batch":
                order = self._rng.permutation(len(part[0]))
                part = [None if a is None else a[order] for a in part]
            yield tuple(part) if plain else unflatten_like(template, part)


def split_validation(x: Any, y: Any, sample_weight: Any, validation_split: float) -> tuple[tuple, tuple]:
    """Keras's rule: the last ``validation_split`` fraction of the samples, before shuffling."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)):
        raise ValueError(f"`validation_split` must be a float in (0, 1), received {validation_split!r}.")
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"`validation_split` must be in (0, 1), received {validation_split!r}.")
    n = num_samples(x)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"`validation_split={validation_split}` leaves no training or no validation samples out of {n}."
        )

    def cut(value: Any, part: slice) -> Any:
        return map_structure(lambda a: a[part], value)

    head, tail = slice(None, split_at), slice(split_at, None)
    return (
        (cut(x, head), cut(y, head), cut(sample_weight, head)),
        (cut(x, tail), cut(y, tail), cut(sample_weight, tail)),
    )
