"""DataParallel on tensorflow gives the one-process answer: MirroredStrategy over two logical CPUs
of one process, and MultiWorkerMirroredStrategy over two processes that TF_CONFIG lists.

TensorFlow's start-up dominates the time here, so each process does several runs: ``DRIVER``
runs ``<worker module>.main()`` once per (worker module, output, flags) triple, the one-replica reference
(no ``--distributed``: one replica, no strategy) in the same process as the distributed runs.
``custom_step_worker`` trains a model that overrides ``train_step``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

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
import importlib
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

for module, out, flags in zip(sys.argv[3::3], sys.argv[4::3], sys.argv[5::3]):
    sys.argv = [f"{module}.py", out, *flags.split()]
    train_worker.unikeras.distribution.set_distribution(None)  # a reference run trains without the last one's
    importlib.import_module(module).main()
    print("finished", out, flush=True)
"""


def _driver(logical_cpus: int, runs: list[tuple]) -> list[str]:
    """The command of one process doing ``runs``, ``(worker module, output, flags)`` each."""
    return [sys.executable, "-c", DRIVER, str(WORKER.parent), str(logical_cpus), *(str(a) for r in runs for a in r)]


# 72 samples in batches of 13: five batches split 7 + 6 and a last batch of 7 split 4 + 3
UNEVEN = ["--batch-size", "13"]


def _assert_same_custom_training(reference: Path, distributed: Path) -> None:
    """``custom_step_worker``'s runs agree: weights, the metrics' results as logs, and the loss tensor the
    step returns itself (each replica's mean over its rows; together, the last global batch's mean)."""
    _assert_same_training(reference, distributed)
    ref, got = np.load(reference), np.load(distributed)
    np.testing.assert_allclose(got["h_batch_loss"], ref["h_batch_loss"], rtol=1e-4, atol=1e-5, err_msg="batch_loss")


def test_mirrored_strategy_on_two_logical_cpus_equals_one_replica(tmp_path):
    """The built-in step (batches of 11 split 6 + 5, each part's gradient weighted by its rows; the last
    batch of 6 splits 3 + 3), and a model that overrides train_step (batches of 13, every one uneven)."""
    ref, dist, flags = tmp_path / "ref.npz", tmp_path / "dist.npz", " ".join(BATCH)
    custom_ref, custom_dist, custom_flags = tmp_path / "custom_ref.npz", tmp_path / "custom_dist.npz", " ".join(UNEVEN)
    runs = [("train_worker", ref, flags), ("train_worker", dist, f"{flags} --distributed")]
    runs += [("custom_step_worker", custom_ref, custom_flags)]
    runs += [("custom_step_worker", custom_dist, f"{custom_flags} --distributed")]
    result = _run(_driver(2, runs), _env("tensorflow"))
    assert result.returncode == 0, result.stdout[-4000:]
    _assert_same_training(ref, dist)
    assert int(np.load(dist)["replicas"]) == 2
    _assert_same_custom_training(custom_ref, custom_dist)
    assert int(np.load(custom_dist)["replicas"]) == 2


def test_multi_worker_mirrored_strategy_equals_one_process_and_a_dead_worker_fails_the_other(tmp_path):
    """Two processes (TF_CONFIG) train as one: the built-in step (batches of 11: parts 6 + 5, then 3 + 3)
    and an overridden train_step (batches of 13: 7 + 6, then 4 + 3); then, in a last fit, worker 1 exits
    mid-epoch and worker 0 stops with a DistributionError, well within the timeout."""
    workers = [f"localhost:{_free_port()}", f"localhost:{_free_port()}"]
    dist, custom_dist, dead = tmp_path / "dist.npz", tmp_path / "custom_dist.npz", tmp_path / "dead.npz"
    jobs, started = [], time.monotonic()
    for index in (0, 1):
        # the references first, one in each process (a reference run is one process with one replica)
        runs = [("train_worker", tmp_path / "ref.npz", " ".join(BATCH))] if index == 0 else []
        runs += [("custom_step_worker", tmp_path / "custom_ref.npz", " ".join(UNEVEN))] if index == 1 else []
        runs += [("train_worker", dist, " ".join([*BATCH, "--distributed"]))]
        runs += [("custom_step_worker", custom_dist, " ".join([*UNEVEN, "--distributed"]))]
        runs += [("train_worker", dead, "--distributed --die-at-step 1")]
        tf_config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        jobs.append((_driver(0, runs), _env("tensorflow", TF_CONFIG=tf_config)))
    results = _run_together(jobs, 150)
    outputs = [r.stdout for r in results]
    elapsed = time.monotonic() - started
    for out in (dist, custom_dist):
        assert f"finished {out}" in outputs[0] and f"finished {out}" in outputs[1], outputs[0][-3000:]
    _assert_same_training(tmp_path / "ref.npz", dist)
    _assert_same_custom_training(tmp_path / "custom_ref.npz", custom_dist)
    for out in (dist, custom_dist):
        assert int(np.load(out)["replicas"]) == 2
        rank0, rank1 = np.load(f"{out}.rank0.npz"), np.load(f"{out}.rank1.npz")
        for name in (k for k in rank0.files if k.startswith(("w", "h_"))):
            np.testing.assert_array_equal(rank0[name], rank1[name])  # the processes' copies and logs agree
    # the progress lines of a distributed fit come from the chief only: its four fits print them (a reference
    # in the chief, three distributed), and worker 1 prints those of its reference fit only
    assert outputs[0].count("Epoch 1/3") == 4 and outputs[1].count("Epoch 1/3") == 1
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


class ReturnsLoss(unikeras.Model):
    def train_step(self, data):
        return unikeras.ops.convert_to_tensor(1.0)


def test_an_overridden_train_step_under_mirrored_strategy_must_return_a_dict():
    with unikeras.config.use_backend("tensorflow"):
        inputs = unikeras.Input((2,))
        model = ReturnsLoss(inputs, unikeras.layers.Dense(1)(inputs))
        model.compile(optimizer="sgd", loss="mse")
        x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
        with DataParallel(devices=["cpu:0"]).scope():
            with pytest.raises(ValueError, match=r"ReturnsLoss.train_step / test_step must return a dict of logs"):
                model.fit(x, y, batch_size=2, epochs=1, verbose=0)
