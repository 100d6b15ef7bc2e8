"""A model that overrides ``train_step`` (``ops.value_and_grad``, ``self.optimizer.apply``, metric
updates) trains under DataParallel as one process does, on the torch and jax engines; tensorflow's
is tested in ``test_tensorflow_data_parallel.py``.

Each framework starts once: the reference run and the distributed run share a process
(``custom_step_worker.py`` takes several runs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from tests.distribution.test_data_parallel import _assert_same_training, _env, _free_port, _run

WORKER = Path(__file__).with_name("custom_step_worker.py")


def _assert_same_custom_training(reference: Path, distributed: Path, batch_loss: bool = True) -> None:
    _assert_same_training(reference, distributed)  # weights, and the metrics' results as logs
    ref, got = np.load(reference), np.load(distributed)
    if batch_loss:
        np.testing.assert_allclose(got["h_batch_loss"], ref["h_batch_loss"], rtol=1e-4, atol=1e-5)
    assert int(got["replicas"]) == 2


def _train(backend: str, launcher: list[str], flags: list[str], tmp_path: Path, batch_loss: bool = True, **env) -> None:
    runs = [str(tmp_path / "ref.npz"), *flags, "--", str(tmp_path / "dist.npz"), "--distributed", *flags]
    result = _run([*launcher, str(WORKER), *runs], _env(backend, **env))
    assert result.returncode == 0, result.stdout[-4000:]
    _assert_same_custom_training(tmp_path / "ref.npz", tmp_path / "dist.npz", batch_loss)


def test_torch_two_processes_train_an_overridden_step_as_one_process(tmp_path):
    # Each process's logs are averaged over the processes at the end of an epoch, weighted by the
    # rows each trained on: exact for the metrics' running means even when the batches of 13 split
    # 7 + 6. The last batch's own loss (batch_loss) would need that batch's split instead, so it is
    # compared on the jax engine, whose logs are global.
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}"]
    _train("torch", launcher, ["--batch-size", "13"], tmp_path, batch_loss=False)


def test_jax_two_host_devices_train_an_overridden_step_as_one_device(tmp_path):
    # the step runs on global arrays, sharded over the devices (batches of 12)
    devices = "--xla_force_host_platform_device_count=2"
    _train("jax", [sys.executable], ["--batch-size", "12"], tmp_path, XLA_FLAGS=devices)
