"""DataParallel: the same answer as one process, on each framework's own engine, and clear failures.

Every distributed run happens in subprocesses (a framework's devices and process group are set
before it starts); each is bounded by a timeout and killed with its children on the way out.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import unikeras
from unikeras.distribution import DataParallel, engine

WORKER = Path(__file__).with_name("train_worker.py")
ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 240


def _env(backend: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RANK", "WORLD_SIZE", "MASTER_"))}
    env.update({"UNIKERAS_BACKEND": backend, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    env.update(extra)
    return env


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """``command`` in its own process group (so that it can be killed with its children), output captured."""
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def _run(command: list[str], env: dict[str, str], timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run ``command`` in its own process group; on timeout the whole group is killed."""
    proc = _start(command, env)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{command[:4]} did not finish within {timeout} s:\n{out[-3000:]}")
    return subprocess.CompletedProcess(command, proc.returncode, out, None)


def _run_together(jobs: list[tuple[list[str], dict[str, str]]], timeout: float) -> list[subprocess.CompletedProcess]:
    """Start every ``(command, env)`` at once and wait for all; whatever still runs afterwards is killed."""
    procs = [_start(command, env) for command, env in jobs]
    try:
        outputs = [p.communicate(timeout=timeout)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
    return [subprocess.CompletedProcess(p.args, p.returncode, out, None) for p, out in zip(procs, outputs)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train(backend: str, out: Path, *flags: str, env_extra: dict | None = None, launcher: list | None = None):
    command = [*(launcher or [sys.executable]), str(WORKER), str(out), *flags]
    result = _run(command, _env(backend, **(env_extra or {})))
    assert result.returncode == 0, result.stdout[-4000:]
    return result


def _assert_same_training(reference: Path, distributed: Path) -> None:
    ref, got = np.load(reference), np.load(distributed)
    weights = sorted(k for k in ref.files if k.startswith("w"))
    assert weights and weights == sorted(k for k in got.files if k.startswith("w"))
    for name in weights:
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-4, atol=1e-5, err_msg=name)
    for name in ("h_loss", "h_accuracy"):  # epoch logs: the metrics of every replica together
        np.testing.assert_allclose(got[name], ref[name], rtol=1e-4, atol=1e-5, err_msg=name)
    # training moved the weights: the comparison is not between two untouched initialisations
    assert not np.allclose(ref["h_loss"][0], ref["h_loss"][-1])


# 72 samples in batches of 11: six batches split 6 + 5 (torch weights the parts; jax runs them unsplit)
# and a last batch of 6 split 3 + 3 (sharded on jax)
BATCH = ["--batch-size", "11"]


def test_torch_torchrun_two_processes_equal_one_process(tmp_path):
    flags = BATCH
    _train("torch", tmp_path / "ref.npz", *flags)
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={_free_port()}"]
    result = _train("torch", tmp_path / "dist.npz", "--distributed", *flags, launcher=launcher)
    _assert_same_training(tmp_path / "ref.npz", tmp_path / "dist.npz")
    assert int(np.load(tmp_path / "dist.npz")["replicas"]) == 2
    rank0, rank1 = np.load(tmp_path / "dist.npz.rank0.npz"), np.load(tmp_path / "dist.npz.rank1.npz")
    for name in (k for k in rank0.files if k.startswith("w")):
        np.testing.assert_array_equal(rank0[name], rank1[name])  # replicas stay identical
    # the progress lines come from the chief only: one "Epoch 1/3" line, not two
    assert result.stdout.count("Epoch 1/3") == 1, result.stdout[-2000:]


def test_jax_two_host_devices_equal_one_device(tmp_path):
    flags = BATCH
    _train("jax", tmp_path / "ref.npz", *flags)
    devices = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    _train("jax", tmp_path / "dist.npz", "--distributed", *flags, env_extra=devices)
    _assert_same_training(tmp_path / "ref.npz", tmp_path / "dist.npz")
    assert int(np.load(tmp_path / "dist.npz")["replicas"]) == 2


def test_jax_distributed_two_processes_equal_one_process(tmp_path):
    """jax.distributed across two processes (one CPU device each; batches of 12 divide over the devices)."""
    flags = ["--batch-size", "12"]
    _train("jax", tmp_path / "ref.npz", *flags)
    port, jobs = str(_free_port()), []
    for rank in (0, 1):
        env = _env(
            "jax",
            UNIKERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
            UNIKERAS_DISTRIBUTION_NUM_PROCESSES="2",
            UNIKERAS_DISTRIBUTION_PROCESS_ID=str(rank),
        )
        jobs.append(([sys.executable, str(WORKER), str(tmp_path / "dist.npz"), "--distributed", *flags], env))
    results = _run_together(jobs, RUN_TIMEOUT_S)
    outputs = [r.stdout for r in results]
    assert [r.returncode for r in results] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    _assert_same_training(tmp_path / "ref.npz", tmp_path / "dist.npz")
    rank0, rank1 = np.load(tmp_path / "dist.npz.rank0.npz"), np.load(tmp_path / "dist.npz.rank1.npz")
    assert int(rank0["replicas"]) == 2
    for name in (k for k in rank0.files if k.startswith("w")):
        np.testing.assert_array_equal(rank0[name], rank1[name])
    assert "Epoch 1/3" in outputs[0] and "Epoch 1/3" not in outputs[1]


def test_torch_dead_worker_fails_the_others_in_bounded_time(tmp_path):
    """Rank 1 exits mid-epoch; rank 0 stops with a DistributionError naming the cause, well within the timeout."""
    port, jobs = str(_free_port()), []
    started = time.monotonic()
    for rank in (0, 1):
        env = _env("torch", RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
        command = [sys.executable, str(WORKER), str(tmp_path / "dead.npz"), "--distributed", "--die-at-step", "1"]
        jobs.append(([*command, "--timeout", "30"], env))
    results = _run_together(jobs, 120)
    outputs = [r.stdout for r in results]
    elapsed = time.monotonic() - started
    assert results[1].returncode == 3
    assert results[0].returncode != 0
    assert "DistributionError" in outputs[0] and "another worker probably died" in outputs[0], outputs[0][-3000:]
    assert elapsed < 100
    assert not (tmp_path / "dead.npz").exists()


def test_jax_dead_worker_ends_the_others_in_bounded_time(tmp_path):
    """Process 1 exits mid-epoch; JAX's coordination service misses its heartbeat for the timeout (20 s)
    and ends process 0 with an error saying that another task died."""
    port, jobs = str(_free_port()), []
    started = time.monotonic()
    for rank in (0, 1):
        env = _env(
            "jax",
            UNIKERAS_DISTRIBUTION_JOB_ADDRESSES=f"127.0.0.1:{port}",
            UNIKERAS_DISTRIBUTION_NUM_PROCESSES="2",
            UNIKERAS_DISTRIBUTION_PROCESS_ID=str(rank),
        )
        command = [sys.executable, str(WORKER), str(tmp_path / "dead.npz"), "--distributed", "--batch-size", "12"]
        jobs.append(([*command, "--die-at-step", "1", "--timeout", "20"], env))
    results = _run_together(jobs, 150)
    elapsed = time.monotonic() - started
    assert results[1].returncode == 3
    assert results[0].returncode != 0
    assert "another task died" in results[0].stdout, results[0].stdout[-3000:]
    assert elapsed < 100  # JAX's default heartbeat timeout alone is 100 s
    assert not (tmp_path / "dead.npz").exists()


def test_initialize_without_a_launcher_warns_and_runs_as_one_process(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with unikeras.config.use_backend("torch"):
        with pytest.warns(UserWarning, match=r"num_processes=2.*no launcher environment.*torchrun.*one process"):
            unikeras.distribution.initialize(num_processes=2)
        import torch.distributed as dist

        assert not dist.is_initialized()


def test_initialize_rejects_a_world_size_other_than_expected(monkeypatch):
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    with unikeras.config.use_backend("torch"):
        with pytest.raises(ValueError, match=r"num_processes=3 but the launcher started WORLD_SIZE=2"):
            unikeras.distribution.initialize(num_processes=3)


def test_global_batch_smaller_than_the_replicas_is_an_error():
    class FourReplicas(engine.Engine):
        num_replicas = 4

    with pytest.raises(ValueError, match=r"global batch_size \(3\) must be at least the number of replicas \(4\)"):
        FourReplicas().check_batch_size(3)


def test_shard_rows_splits_like_array_split():
    x, y = np.arange(14).reshape(7, 2), np.arange(7)
    parts = [engine.shard_rows((x, y, None), r, 3) for r in range(3)]
    assert [rows for _, rows, _ in parts] == [3, 2, 2]
    np.testing.assert_array_equal(np.concatenate([p[0][0] for p in parts]), x)
    np.testing.assert_array_equal(np.concatenate([p[0][1] for p in parts]), y)
    assert all(part[2] is None and total == 7 for part, _, total in parts)


def test_data_parallel_without_a_launcher_trains_as_one_process_with_a_warning(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.warns(UserWarning, match=r"DataParallel on torch: .*not started by a launcher \(torchrun"):
        one = DataParallel().engine("torch")
    assert (one.num_replicas, one.process_count, one.is_chief) == (1, 1, True)


def test_a_backend_without_an_engine_names_those_that_have_one():
    """A registered third-party backend has no distributed engine of its own."""
    pattern = r"no engine for backend 'paddle'.*'torch'.*'jax'.*'tensorflow'.*'mxnet'"
    with pytest.raises(NotImplementedError, match=pattern):
        DataParallel().engine("paddle")


def test_set_distribution_checks_its_argument_and_scope_restores():
    with pytest.raises(TypeError, match="expected a DataParallel or None, received str"):
        unikeras.distribution.set_distribution("data")
    dp = DataParallel()
    assert unikeras.distribution.distribution() is None
    with dp.scope():
        assert unikeras.distribution.distribution() is dp
    assert unikeras.distribution.distribution() is None


class NotTheChief(engine.Engine):
    """A test double: this process is replica 1 (not the chief) of a run with nothing to communicate."""

    process_index = 1


def test_only_the_chief_prints_and_writes_files(backend, tmp_path, capsys):
    from tests.distribution.train_worker import build, data

    dp = DataParallel()
    dp._engines[backend.name] = NotTheChief()
    model = build()
    callbacks = [
        unikeras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.weights.h5"), save_weights_only=True),
        unikeras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        unikeras.callbacks.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False),
    ]
    x, y = data()
    with dp.scope():
        history = model.fit(x, y, batch_size=24, epochs=2, verbose=2, callbacks=callbacks)
    assert len(history.history["loss"]) == 2  # it trained
    assert list(tmp_path.iterdir()) == []  # but wrote nothing
    assert "Epoch" not in capsys.readouterr().out
    # the same fit as the chief writes all three and prints
    dp._engines[backend.name] = engine.Engine()
    with dp.scope():
        model.fit(x, y, batch_size=24, epochs=2, verbose=2, callbacks=callbacks)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "ckpt.weights.h5", "log.csv"]
    assert "Epoch 1/2" in capsys.readouterr().out
