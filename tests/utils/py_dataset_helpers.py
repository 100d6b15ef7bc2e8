"""PyDataset subclasses for the tests, in a module of their own: worker processes (started with
"spawn") import it to rebuild the datasets, so it must stay importable and light (no pytest,
no framework)."""

from __future__ import annotations

import os

import numpy as np

from unikeras.utils import PyDataset


def make_data(n: int = 20, features: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (x @ np.arange(1, features + 1, dtype="float32")[:, None] * 0.5).astype("float32")
    return x, y


class ArrayBatches(PyDataset):
    """``(x, y)`` batches sliced from arrays; the last batch may be smaller."""

    def __init__(self, x: np.ndarray, y: np.ndarray | None, batch_size: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part] if self.y is None else (self.x[part], self.y[part])


class EpochIds(PyDataset):
    """Batch ``i`` of epoch ``e`` is ``[[10 * e + i, pid]]``: shows the order, the process that built
    it, and whether workers see the dataset's state after ``on_epoch_end``."""

    def __init__(self, n: int = 6, **kwargs) -> None:
        super().__init__(**kwargs)
        self.n = n
        self.epoch = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        return np.array([[10 * self.epoch + index, os.getpid()]], dtype="int64")

    def on_epoch_end(self) -> None:
        self.epoch += 1


class Failing(PyDataset):
    """Batch 1 raises: the error must reach the caller from the worker."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: int):
        if index == 1:
            raise RuntimeError("batch 1 is broken")
        return np.zeros((1, 1), dtype="float32")
