"""DataParallel on MXNet's KVStore dist_sync, started by unikeras's launcher (scheduler, server, 2 workers).

Every run is a subprocess in its own session, bounded by a timeout. The launcher's children carry
a marker variable, so a test can tell that none of them is left running afterwards.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

import unikeras
from tests.distribution.test_data_parallel import WORKER, _assert_same_training, _env, _run
from unikeras.distribution import DataParallel, mxnet_launch

LAUNCHER = [sys.executable, "-m", "unikeras.distribution.mxnet_launch"]


def _marked_env() -> tuple[dict[str, str], str]:
    mark = uuid.uuid4().hex
    return _env("mxnet", UNIKERAS_TEST_RUN=mark), mark


def _processes_with(mark: str) -> list[int]:
    """The pids of the processes whose environment carries ``UNIKERAS_TEST_RUN=mark``."""
    needle = f"UNIKERAS_TEST_RUN={mark}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if needle in f.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def _finish(proc: subprocess.Popen, timeout: float) -> str:
    try:
        return proc.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out = proc.communicate()[0]
        pytest.fail(f"{proc.args[:6]} did not finish within {timeout} s:\n{out[-3000:]}")


def test_launcher_two_workers_equal_one_process(tmp_path):
    """Global batches of 13 over 2 workers (7 + 6 rows; the last batch of 7: 4 + 3) train as one process does."""
    flags = ["--batch-size", "13"]
    env, mark = _marked_env()
    # the one-process reference runs beside the launched run (the two are independent; it saves wall time)
    reference = _start([sys.executable, str(WORKER), str(tmp_path / "ref.npz"), *flags], env)
    command = [*LAUNCHER, "-n", "2", "--timeout", "150", str(WORKER), str(tmp_path / "dist.npz"), "--distributed"]
    launched = _start([*command, *flags], env)
    try:
        ref_out, out = _finish(reference, 180), _finish(launched, 180)
    finally:  # a failure above leaves no run behind (the launcher's children die with it)
        for proc in (reference, launched):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    assert reference.returncode == 0, ref_out[-3000:]
    assert launched.returncode == 0, out[-4000:]
    _assert_same_training(tmp_path / "ref.npz", tmp_path / "dist.npz")
    assert int(np.load(tmp_path / "dist.npz")["replicas"]) == 2
    rank0, rank1 = np.load(tmp_path / "dist.npz.rank0.npz"), np.load(tmp_path / "dist.npz.rank1.npz")
    for name in (k for k in rank0.files if k.startswith("w")):
        np.testing.assert_array_equal(rank0[name], rank1[name])  # replicas stay identical
    assert out.count("Epoch 1/3") == 1, out[-2000:]  # progress from the chief only
    assert _processes_with(mark) == []  # scheduler and server stopped with the workers


def test_launcher_stops_every_process_when_a_worker_dies(tmp_path):
    """KVStore rank 1 exits mid-epoch: ps-lite would wait forever; the launcher names it and exits with its code."""
    env, mark = _marked_env()
    started = time.monotonic()
    command = [*LAUNCHER, "-n", "2", "--timeout", "150", str(WORKER), str(tmp_path / "dead.npz")]
    result = _run([*command, "--distributed", "--die-at-step", "1"], env, timeout=180)
    elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stdout[-3000:]
    message = r"mxnet_launch: worker [01] of 2 \(KVStore rank 1, pid \d+\) exited with code 3; killing the other"
    assert re.search(message, result.stdout), result.stdout[-3000:]
    assert elapsed < 120  # bounded by the watchdog, not by the launcher's timeout
    assert not (tmp_path / "dead.npz").exists()
    assert _processes_with(mark) == []


def test_launcher_timeout_kills_a_hung_run():
    env, mark = _marked_env()
    hang = [sys.executable, "-c", "import time; time.sleep(120)"]
    started = time.monotonic()
    result = _run([*LAUNCHER, "-n", "2", "--timeout", "2", *hang], env, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == mxnet_launch.TIMEOUT_EXIT_CODE, result.stdout[-3000:]
    assert "passed its timeout of 2 s (worker 0 of 2, worker 1 of 2 still running); killing" in result.stdout
    assert 2 <= elapsed < 30
    assert _processes_with(mark) == []


def test_launch_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"`command` is empty"):
        mxnet_launch.launch([], 2)
    with pytest.raises(ValueError, match=r"`num_workers` must be a positive integer, received 0"):
        mxnet_launch.launch(["script.py"], 0)
    with pytest.raises(ValueError, match=r"`timeout` must be positive seconds or None, received -1"):
        mxnet_launch.launch(["script.py"], 2, timeout=-1)


def test_mxnet_data_parallel_without_a_launcher_trains_as_one_process_with_a_warning(monkeypatch):
    monkeypatch.delenv("DMLC_ROLE", raising=False)
    with pytest.warns(UserWarning, match=r"DataParallel on mxnet: .*not started by a launcher.*mxnet_launch -n 2"):
        one = DataParallel().engine("mxnet")
    assert (one.num_replicas, one.process_count, one.is_chief) == (1, 1, True)
    from unikeras.backends.distributed import mxnet as mxnet_engine

    with pytest.raises(unikeras.distribution.DistributionError, match=r"DMLC_ROLE=None.*mxnet_launch -n 2"):
        mxnet_engine.initialize()  # asking for the KVStore itself still says how to launch


def test_mxnet_initialize_rejects_a_worker_count_other_than_expected(monkeypatch):
    monkeypatch.setenv("DMLC_ROLE", "worker")
    monkeypatch.setenv("DMLC_NUM_WORKER", "2")
    with unikeras.config.use_backend("mxnet"):
        with pytest.raises(ValueError, match=r"num_processes=3 but the launcher started DMLC_NUM_WORKER=2"):
            unikeras.distribution.initialize(num_processes=3)


def test_mxnet_initialize_without_a_launcher_warns_and_runs_as_one_process(monkeypatch):
    monkeypatch.delenv("DMLC_ROLE", raising=False)
    with unikeras.config.use_backend("mxnet"):
        with pytest.warns(UserWarning, match=r"num_processes=2.*no launcher environment.*mxnet_launch.*one process"):
            unikeras.distribution.initialize(num_processes=2)
