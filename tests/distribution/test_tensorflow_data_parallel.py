"""DataParallel on tensorflow gives the one-process answer: MirroredStrategy over two logical CPUs
of one process, and MultiWorkerMirroredStrategy over two processes that TF_CONFIG lists.

TensorFlow's start-up dominates the time here, so each process does several runs: ``DRIVER``
runs ``train_worker.main`` once per (output, flags) pair, the one-replica reference (no
``--distributed``: one replica, no strategy) in the same process as the distributed runs.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pytest

import unikeras
from tests.distribution.test_data_parallel import (
    BATCH,
    WORKER,
    _assert_same_training,
    _env,
    _free_port,
    _run,
    _run_together,
)
from unikeras.distribution import DataParallel

DRIVER = """
import os
import sys

import tensorflow as tf

logical_cpus = int(sys.argv[2])
if logical_cpus:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
if os.environ.get("TF_CONFIG"):  # before any TensorFlow work
    import unikeras

    unikeras.distribution.initialize()
sys.path.insert(0, sys.argv[1])
import train_worker

for out, flags in zip(sys.argv[3::2], sys.argv[4::2]):
    sys.argv = ["train_worker.py", out, *flags.split()]
    train_worker.unikeras.distribution.set_distribution(None)  # a reference run trains without the last one's
    train_worker.main()
    print("finished", out, flush=True)
"""


def _driver(logical_cpus: int, runs: list) -> list[str]:
    return [sys.executable, "-c", DRIVER, str(WORKER.parent), str(logical_cpus), *map(str, runs)]


def test_mirrored_strategy_on_two_logical_cpus_equals_one_replica(tmp_path):
    # batches of 11 split 6 + 5 (each part's gradient weighted by its rows), the last batch of 6 splits 3 + 3
    ref, dist, flags = tmp_path / "ref.npz", tmp_path / "dist.npz", " ".join(BATCH)
    result = _run(_driver(2, [ref, flags, dist, f"{flags} --distributed"]), _env("tensorflow"))
    assert result.returncode == 0, result.stdout[-4000:]
    _assert_same_training(ref, dist)
    assert int(np.load(dist)["replicas"]) == 2


def test_multi_worker_mirrored_strategy_equals_one_process_and_a_dead_worker_fails_the_other(tmp_path):
    """Two processes (TF_CONFIG) train as one (batches of 11: parts 6 + 5, then 3 + 3); then, in a second fit,
    worker 1 exits mid-epoch and worker 0 stops with a DistributionError, well within the timeout."""
    workers = [f"localhost:{_free_port()}", f"localhost:{_free_port()}"]
    dist, dead = tmp_path / "dist.npz", tmp_path / "dead.npz"
    jobs, started = [], time.monotonic()
    for index in (0, 1):
        runs = [tmp_path / "ref.npz", " ".join(BATCH)] if index == 0 else []
        runs += [dist, " ".join([*BATCH, "--distributed"]), dead, "--distributed --die-at-step 1"]
        tf_config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        jobs.append((_driver(0, runs), _env("tensorflow", TF_CONFIG=tf_config)))
    results = _run_together(jobs, 150)
    outputs = [r.stdout for r in results]
    elapsed = time.monotonic() - started
    assert f"finished {dist}" in outputs[0] and f"finished {dist}" in outputs[1], outputs[0][-3000:]
    _assert_same_training(tmp_path / "ref.npz", dist)
    assert int(np.load(dist)["replicas"]) == 2
    rank0, rank1 = np.load(f"{dist}.rank0.npz"), np.load(f"{dist}.rank1.npz")
    for name in (k for k in rank0.files if k.startswith("w")):
        np.testing.assert_array_equal(rank0[name], rank1[name])  # the processes' copies stay identical
    # the progress lines come from the chief only: its three fits (reference, distributed, dead) print them
    assert outputs[0].count("Epoch 1/3") == 3 and outputs[1].count("Epoch 1/3") == 0
    assert results[1].returncode == 3
    assert results[0].returncode != 0
    assert "DistributionError" in outputs[0] and "another worker probably died" in outputs[0], outputs[0][-3000:]
    assert elapsed < 120
    assert not dead.exists()


def test_unknown_device_names_the_devices_there_are():
    with pytest.raises(
        ValueError, match=r"DataParallel \(tensorflow\): unknown device 'cpu:7'; this process has .*CPU:0"
    ):
        DataParallel(devices=["cpu:7"]).engine("tensorflow")


def test_initialize_reads_tf_config(monkeypatch):
    cluster = {"cluster": {"worker": ["localhost:12345", "localhost:23456"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster))
    with unikeras.config.use_backend("tensorflow"):
        with pytest.raises(ValueError, match=r"num_processes=3 but TF_CONFIG lists 2 workers"):
            unikeras.distribution.initialize(num_processes=3)
        monkeypatch.setenv("TF_CONFIG", "{not json")
        with pytest.raises(ValueError, match=r"TF_CONFIG is not the JSON TensorFlow expects"):
            unikeras.distribution.initialize()


def test_initialize_without_tf_config_warns_and_runs_as_one_process(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with unikeras.config.use_backend("tensorflow"):
        with pytest.warns(UserWarning, match=r"num_processes=2.*backend 'tensorflow'.*TF_CONFIG.*one process"):
            unikeras.distribution.initialize(num_processes=2)
