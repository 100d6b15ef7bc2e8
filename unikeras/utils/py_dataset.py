"""``PyDataset``: batches written in Python, optionally prepared ahead in threads or processes."""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import multiprocessing
import warnings
from collections.abc import Iterable, Iterator
from typing import Any


class PyDataset:
    """Base class for a dataset of batches written in Python.

    Subclasses implement ``__getitem__(index)``, returning one whole batch (``x``, ``(x,)``,
    ``(x, y)`` or ``(x, y, sample_weight)``), and ``__len__``, the number of batches; or the
    ``num_batches`` property, which may return ``None`` for an endless dataset. They may also
    implement ``on_epoch_begin()`` and ``on_epoch_end()``.

    Args:
        workers: number of threads (or processes) that prepare batches ahead of training; 1
            prepares each batch when it is needed.
        use_multiprocessing: prepare batches in worker processes instead of threads. Workers
            are started with the ``"spawn"`` method, so the dataset must be picklable and its
            class importable from a module (not defined in ``__main__`` without a
            ``if __name__ == "__main__":`` guard). Each worker holds a copy of the dataset,
            refreshed at every epoch when the class defines ``on_epoch_begin`` or
            ``on_epoch_end``.
        max_queue_size: most batches prepared ahead of the one being trained on.

    Batches come back in index order whatever the number of workers. Call
    ``super().__init__(**kwargs)`` in a subclass's ``__init__``.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise ValueError(f"PyDataset: `workers` must be a non-negative int, received {workers!r}.")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int) or max_queue_size < 1:
            raise ValueError(f"PyDataset: `max_queue_size` must be a positive int, received {max_queue_size!r}.")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    def _check_super_init(self) -> None:
        if not hasattr(self, "_workers"):
            warnings.warn(
                f"{type(self).__name__} should call `super().__init__(**kwargs)` in its `__init__`; "
                "using workers=1, use_multiprocessing=False, max_queue_size=10.",
                stacklevel=3,
            )
            self._workers, self._use_multiprocessing, self._max_queue_size = 1, False, 10

    @property
    def workers(self) -> int:
        self._check_super_init()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        self._check_super_init()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        self._check_super_init()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """The batch at position ``index``."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(index)`.")

    @property
    def num_batches(self) -> int | None:
        """The number of batches (``len(self)``), or ``None`` for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__` or the `num_batches` property (None if endless)."
        )

    def on_epoch_begin(self) -> None:
        """Called at the beginning of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch."""

    def __iter__(self) -> Iterator[Any]:
        """The batches in order, prepared here (no workers)."""
        try:
            num_batches = self.num_batches
        except NotImplementedError:
            num_batches = None
        for index in range(num_batches) if num_batches is not None else itertools.count():
            yield self[index]


# ---------------------------------------------------------------------- workers
_worker_dataset: PyDataset | None = None


def _init_worker(dataset: PyDataset) -> None:
    global _worker_dataset
    _worker_dataset = dataset


def _worker_getitem(index: int) -> Any:
    return _worker_dataset[index]


def _defines_epoch_hooks(dataset: PyDataset) -> bool:
    cls = type(dataset)
    return cls.on_epoch_begin is not PyDataset.on_epoch_begin or cls.on_epoch_end is not PyDataset.on_epoch_end


class BatchPrefetcher:
    """Prepares a PyDataset's batches ahead in a pool of threads or spawned processes and
    hands them back in the order asked for.

    Args:
        dataset: the PyDataset (its ``workers``, ``use_multiprocessing`` and ``max_queue_size``
            configure the pool).
    """

    def __init__(self, dataset: PyDataset) -> None:
        self.dataset = dataset
        self.workers = max(dataset.workers, 1)
        self.use_multiprocessing = dataset.use_multiprocessing
        self.max_queue_size = dataset.max_queue_size
        self._executor: concurrent.futures.Executor | None = None

    def _start(self) -> concurrent.futures.Executor:
        if self._executor is None:
            if self.use_multiprocessing:
                # "spawn", never "fork": a forked child of a process that already ran JAX or
                # TensorFlow threads can deadlock.
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self.dataset,),
                )
            else:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="PyDataset"
                )
        return self._executor

    def new_epoch(self) -> None:
        """Worker processes get a fresh copy of the dataset when it can change between epochs."""
        if self.use_multiprocessing and _defines_epoch_hooks(self.dataset):
            self.stop()

    def get(self, indices: Iterable[int]) -> Iterator[Any]:
        """``dataset[i]`` for each of ``indices`` in order, up to ``max_queue_size`` prepared ahead."""
        executor = self._start()
        fetch = _worker_getitem if self.use_multiprocessing else self.dataset.__getitem__
        pending: collections.deque[concurrent.futures.Future] = collections.deque()
        indices = iter(indices)
        try:
            for index in itertools.islice(indices, self.max_queue_size):
                pending.append(executor.submit(fetch, index))
            while pending:
                batch = pending.popleft().result()
                for index in itertools.islice(indices, 1):
                    pending.append(executor.submit(fetch, index))
                yield batch
        finally:
            for future in pending:
                future.cancel()
            concurrent.futures.wait(pending)

    def stop(self) -> None:
        """Shut the pool down (a later ``get`` starts a new one)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
