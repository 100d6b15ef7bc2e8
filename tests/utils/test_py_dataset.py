"""``unikeras.utils.PyDataset``: the Keras protocol, batches prepared ahead by threads or spawned
processes in index order, shuffling of the batch order, and training on it."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

import unikeras
from tests.utils.py_dataset_helpers import ArrayBatches, EpochIds, Failing, make_data
from unikeras.trainers.data_adapters import PyDatasetAdapter
from unikeras.utils import PyDataset
from unikeras.utils.py_dataset import BatchPrefetcher


def test_the_keras_protocol():
    x, y = make_data(10)
    dataset = ArrayBatches(x, y, 4)
    assert dataset.num_batches == 3 and len(dataset) == 3
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (1, False, 10)
    batches = list(dataset)
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)

    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return np.full((1, 1), index)

    endless = iter(Endless())
    assert [int(next(endless)[0, 0]) for _ in range(4)] == [0, 1, 2, 3]
    with pytest.raises(NotImplementedError, match="must implement `__getitem__"):
        PyDataset()[0]
    with pytest.raises(NotImplementedError, match="`__len__` or the `num_batches` property"):
        _ = PyDataset().num_batches

    class NoSuper(PyDataset):
        def __init__(self):
            pass

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__"):
        assert NoSuper().workers == 1


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"workers": -1}, "`workers` must be a non-negative int, received -1"),
        ({"workers": 1.5}, "`workers` must be a non-negative int"),
        ({"max_queue_size": 0}, "`max_queue_size` must be a positive int, received 0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PyDataset(**kwargs)


class _Slow(PyDataset):
    """Later batches are ready sooner; records how many batches are being prepared at once."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lock = threading.Lock()
        self.active = self.most_active = self.calls = 0
        self.threads = set()

    def __len__(self):
        return 8

    def __getitem__(self, index):
        with self.lock:
            self.active += 1
            self.calls += 1
            self.most_active = max(self.most_active, self.active)
            self.threads.add(threading.get_ident())
        time.sleep(0.002 * (8 - index))
        with self.lock:
            self.active -= 1
        return np.array([index])


def test_threads_prepare_batches_ahead_keep_their_order_and_report_errors():
    dataset = _Slow(workers=3, max_queue_size=4)
    prefetcher = BatchPrefetcher(dataset)
    try:
        assert [int(b[0]) for b in prefetcher.get(range(8))] == list(range(8))
        assert [int(b[0]) for b in prefetcher.get([5, 2, 7])] == [5, 2, 7]
        calls = dataset.calls
        batches = prefetcher.get(range(8))
        assert int(next(batches)[0]) == 0
        batches.close()  # a consumer that stops early: what was queued is cancelled or finished
        assert dataset.active == 0 and dataset.calls - calls <= 5  # the first + max_queue_size ahead
    finally:
        prefetcher.stop()
    assert 1 < dataset.most_active <= 3
    assert threading.get_ident() not in dataset.threads
    failing = BatchPrefetcher(Failing(workers=2))
    try:
        with pytest.raises(RuntimeError, match="batch 1 is broken"):
            list(failing.get(range(3)))
    finally:
        failing.stop()


def test_worker_processes_are_spawned_keep_the_order_and_see_each_epoch():
    """Two spawned worker processes (never forked: a fork after JAX or TF ran can hang)."""
    adapter = PyDatasetAdapter(EpochIds(6, workers=2, use_multiprocessing=True, max_queue_size=3))
    epochs = []
    try:
        for _ in range(2):
            adapter.on_epoch_begin()
            epochs.append([tuple(int(v) for v in b[0]) for b in adapter.batches()])
            if not epochs[1:]:
                assert adapter._prefetcher._executor._mp_context.get_start_method() == "spawn"
            adapter.on_epoch_end()
    finally:
        adapter.close()
    assert [[value for value, _ in epoch] for epoch in epochs] == [list(range(6)), list(range(10, 16))]
    assert os.getpid() not in {pid for epoch in epochs for _, pid in epoch}


def test_shuffle_reorders_the_batches_of_each_epoch():
    dataset = ArrayBatches(np.arange(12)[:, None], None, 2)
    adapter = PyDatasetAdapter(dataset, shuffle=True, seed=0)
    epochs = [[int(b[0, 0]) // 2 for b in adapter.batches()] for _ in range(3)]
    assert all(sorted(order) == list(range(6)) for order in epochs)
    assert len({tuple(order) for order in epochs}) > 1
    again = PyDatasetAdapter(dataset, shuffle=True, seed=0)
    assert [int(b[0, 0]) // 2 for b in again.batches()] == epochs[0]  # seeded: the same on every backend
    assert [int(b[0, 0]) // 2 for b in PyDatasetAdapter(dataset).batches()] == list(range(6))


def test_fit_on_worker_processes_matches_the_arrays_on_jax():
    """jax: the backend where a forked worker would be most at risk; batches come from 2 spawned
    processes and training equals training on the arrays."""
    from tests.conftest import load_backend

    load_backend("jax")
    x, y = make_data(20)
    with unikeras.config.use_backend("jax"):
        results = []
        for data in [(x, y), (ArrayBatches(x, y, 8, workers=2, use_multiprocessing=True),)]:
            unikeras.utils.set_random_seed(1)
            model = unikeras.Sequential([unikeras.Input((3,)), unikeras.layers.Dense(1)])
            model.compile(optimizer=unikeras.optimizers.SGD(0.05), loss="mse")
            results.append(model.fit(*data, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"])
        np.testing.assert_allclose(results[1], results[0], rtol=1e-5)
