"""Saves are atomic: a process killed in the middle of a large save, or a save that fails, leaves
the previous file intact and loadable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import unikeras
from unikeras import layers, saving
from unikeras.saving import safetensors_io

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Saves a model with 2 x 16 MiB of weights over `path`; after the first tensor's bytes are written it
# reports "MID" and waits (the pause is in this script, not in the library) until the test kills it.
_WRITER = textwrap.dedent(
    """
    import sys
    import unikeras
    from unikeras import layers
    from unikeras.saving import safetensors_io

    path, kind = sys.argv[1], sys.argv[2]
    write_tensor = safetensors_io.write_tensor
    written = []

    def slow_write_tensor(fileobj, name, data):
        write_tensor(fileobj, name, data)
        written.append(name)
        if len(written) == 1:
            fileobj.flush()
            print("MID", flush=True)
            sys.stdin.read()  # blocks until the parent kills this process

    safetensors_io.write_tensor = slow_write_tensor
    model = unikeras.Sequential(
        [unikeras.Input((2048,)), layers.Dense(2048, kernel_initializer="ones"), layers.Dense(2048)]
    )
    if kind == "model":
        model.save(path)
    else:
        model.save_weights(path)
    print("DONE", flush=True)
    """
)


def _small_model():
    return unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])


def test_a_process_killed_mid_save_leaves_the_previous_file_intact(tmp_path):
    """The model file path; weights files go through the same atomic writer (see the next test)."""
    kind, name = "model", "m.ukeras"
    path = tmp_path / name
    previous = _small_model()
    previous.save(path)
    before = path.read_bytes()
    env = {**os.environ, "UNIKERAS_BACKEND": "torch", "PYTHONPATH": ROOT}
    process = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        line = process.stdout.readline().decode().strip()
        assert line == "MID", process.stderr.read().decode()[-2000:]
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp")]
        assert len(temps) == 1 and temps[0].stat().st_size > 16 * 2**20  # the new file is half written
        assert path.read_bytes() == before
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        process.stdin.close()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(saving.load_model(path).predict(x, verbose=0), previous.predict(x, verbose=0))


def test_a_failing_save_keeps_the_old_file_and_removes_its_temporary_file(tmp_path, monkeypatch):
    model = _small_model()
    path = tmp_path / "m.ukeras"
    weights_path = tmp_path / "w.weights.safetensors"
    model.save(path)
    model.save_weights(weights_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def failing_write_tensor(fileobj, name, data):
        raise OSError("No space left on device")

    monkeypatch.setattr(safetensors_io, "write_tensor", failing_write_tensor)
    with pytest.raises(OSError, match="No space left"):
        _small_model().save(path)
    with pytest.raises(OSError, match="No space left"):
        _small_model().save_weights(weights_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    monkeypatch.undo()
    assert saving.load_model(path).get_weights()[0].tolist() == model.get_weights()[0].tolist()


def test_saves_create_missing_folders_with_ordinary_permissions(tmp_path):
    path = tmp_path / "a" / "b" / "m.ukeras"
    _small_model().save(path)
    assert path.exists() and [p.name for p in path.parent.iterdir()] == ["m.ukeras"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
