"""Array inputs for ``fit`` / ``evaluate`` / ``predict``: validation, splitting and batching."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from unikeras import backends


def to_array(value: Any, name: str) -> np.ndarray | None:
    """``value`` as a NumPy array (accepts NumPy, lists, Variables and any backend's tensors)."""
    if value is None or isinstance(value, np.ndarray):
        return value
    if hasattr(value, "numpy") and callable(value.numpy):
        return np.asarray(value.numpy())
    for backend in backends.loaded():
        if backend.is_tensor(value):
            return backend.to_numpy(value)
    try:
        return np.asarray(value)
    except Exception as err:  # noqa: BLE001 - reported as the argument's fault
        raise ValueError(f"`{name}` must be array-like, received {type(value).__name__}.") from err


def to_arrays(value: Any, name: str) -> Any:
    """Like :func:`to_array`, keeping a list or tuple of arrays (one per model input) a list."""
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        return [to_array(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return to_array(value, name)


def num_samples(x: Any) -> int:
    return len(x[0]) if isinstance(x, list) else len(x)


def map_arrays(fn: Any, x: Any) -> Any:
    """``fn`` applied to an array, to each array of a list, or ``None`` kept."""
    if x is None:
        return None
    return [fn(a) for a in x] if isinstance(x, list) else fn(x)


def check_lengths(x: Any, y: np.ndarray | None, sample_weight: np.ndarray | None) -> None:
    for i, a in enumerate(x if isinstance(x, list) else [x]):
        if a.ndim == 0:
            raise ValueError(f"`x` must have a batch axis, received a scalar of shape {a.shape}.")
        if len(a) != num_samples(x):
            raise ValueError(f"Every input in `x` needs the same number of samples: x[{i}] has {len(a)}.")
    n = num_samples(x)
    if y is not None and len(y) != n:
        raise ValueError(f"`x` and `y` must have the same number of samples: x has {n}, y has {len(y)}.")
    if sample_weight is not None and len(sample_weight) != n:
        raise ValueError(
            f"`sample_weight` must have one entry per sample: x has {n}, sample_weight has {len(sample_weight)}."
        )


def split_validation(
    x: np.ndarray, y: np.ndarray | None, sample_weight: np.ndarray | None, validation_split: float
) -> tuple[tuple, tuple]:
    """Keras's rule: the last ``validation_split`` fraction of the samples, before shuffling."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"`validation_split` must be in (0, 1), received {validation_split!r}.")
    n = num_samples(x)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"`validation_split={validation_split}` leaves no training or no validation samples out of {n}."
        )

    def cut(a: Any, part: slice) -> Any:
        return map_arrays(lambda v: v[part], a)

    train = (cut(x, slice(None, split_at)), cut(y, slice(None, split_at)), cut(sample_weight, slice(None, split_at)))
    val = (cut(x, slice(split_at, None)), cut(y, slice(split_at, None)), cut(sample_weight, slice(split_at, None)))
    return train, val


class ArrayBatches:
    """Batches of ``(x, y, sample_weight)`` NumPy arrays, reshuffled each epoch if ``shuffle``."""

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray | None = None,
        sample_weight: np.ndarray | None = None,
        batch_size: int = 32,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> None:
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive int, received {batch_size!r}.")
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)

    @property
    def num_samples(self) -> int:
        return num_samples(self.x)

    @property
    def num_batches(self) -> int:
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
        n = self.num_samples
        if self.shuffle:
            order = self._rng.permutation(n)
            x, y, sw = (map_arrays(lambda a: a[order], v) for v in (self.x, self.y, self.sample_weight))
        else:
            x, y, sw = self.x, self.y, self.sample_weight
        for start in range(0, n, self.batch_size):
            end = start + self.batch_size
            yield tuple(map_arrays(lambda a: a[start:end], v) for v in (x, y, sw))  # noqa: B023 - used at once
