"""``unikeras.utils.PyDataset``: batches by index, optionally prepared ahead by workers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from unikeras.trainers.data_adapters.data_adapter import DataAdapter
from unikeras.utils.py_dataset import BatchPrefetcher, PyDataset


class PyDatasetAdapter(DataAdapter):
    """Batches ``dataset[i]`` in index order, or in a new random order each epoch with
    ``shuffle`` (finite datasets only), prepared by the dataset's workers when it has some."""

    source = "PyDataset"

    def __init__(self, dataset: PyDataset, shuffle: bool = False, seed: int | None = None) -> None:
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self._rng = np.random.default_rng(seed)
        workers, multiprocess = dataset.workers, dataset.use_multiprocessing
        # Keras's rule: several workers, or one worker process.
        self._prefetcher = BatchPrefetcher(dataset) if workers > 1 or (workers > 0 and multiprocess) else None

    @property
    def num_batches(self) -> int | None:
        return self.dataset.num_batches

    def batches(self) -> Iterator[Any]:
        n = self.dataset.num_batches
        if n is None:
            indices: Any = itertools.count()
        else:
            indices = self._rng.permutation(n).tolist() if self.shuffle else range(n)
        if self._prefetcher is None:
            return (self.dataset[i] for i in indices)
        return self._prefetcher.get(indices)

    def on_epoch_begin(self) -> None:
        if self._prefetcher is not None:
            self._prefetcher.new_epoch()
        self.dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()

    def close(self) -> None:
        if self._prefetcher is not None:
            self._prefetcher.stop()
