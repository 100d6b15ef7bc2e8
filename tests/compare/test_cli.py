"""``python -m unikeras compare``: one real run on all four backends, and argument errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import BACKENDS
from unikeras.__main__ import main
from unikeras.compare import curves

ROOT = Path(__file__).resolve().parents[2]
# Flatten (8, 8) -> Dense(64) -> Dense(64) -> Dense(10): kernels and biases.
MLP_PARAMS = (64 * 64 + 64) + (64 * 64 + 64) + (64 * 10 + 10)
# matplotlib's tab10 colours that curves.py gives the four built-in backends.
BACKEND_RGB = {"torch": (214, 39, 40), "tensorflow": (255, 127, 14), "jax": (31, 119, 180), "mxnet": (44, 160, 44)}


def test_compare_mlp_quick_on_every_backend(tmp_path):
    from PIL import Image

    png, out = tmp_path / "c.png", tmp_path / "r.json"
    command = [sys.executable, "-m", "unikeras", "compare", "--model", "mlp", "--quick"]
    command += ["--backends", ",".join(BACKENDS), "--plot", str(png), "--json", str(out)]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    rows = json.loads(out.read_text())["rows"]
    assert [row["backend"] for row in rows] == BACKENDS
    for row in rows:
        assert row["status"] == "ok", (row["backend"], row.get("error"), row.get("details"))
        assert row["params"] == MLP_PARAMS
        assert row["train_samples"] == 256 and row["test_samples"] == 128
        assert len(row["epoch_seconds"]) == len(row["history"]["loss"]) == 2
        assert math.isfinite(row["loss"]) and math.isfinite(row["test_loss"])
        assert row["loss"] == row["history"]["loss"][-1]
        assert 0.0 <= row["test_accuracy"] <= 1.0
        assert row["seconds_per_epoch"] > 0 and row["steps_per_second"] > 0 and row["peak_memory_mib"] > 0
        assert 0 < row["first_step_seconds"] < row["wall_seconds"]
    # The seed promise: the same initial weights everywhere, hence (nearly) the same training.
    assert len({row["init_checksum"] for row in rows}) == 1
    np.testing.assert_allclose([row["loss"] for row in rows], rows[0]["loss"], rtol=1e-3)

    table = proc.stdout.splitlines()
    for name in BACKENDS:  # one table line per backend: its name first, status ok last
        assert any(line.startswith(name + " ") and line.endswith("  ok") for line in table), proc.stdout

    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == (curves.FIGSIZE[0] * curves.DPI, curves.FIGSIZE[1] * curves.DPI)
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 0
    colours = {tuple(c) for c in pixels.reshape(-1, 3)}
    for name, rgb in BACKEND_RGB.items():
        assert rgb in colours, f"no {name} colour in the plot"


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--model", "resnet"], "mlp, cnn, lstm"),
        (["--model", "no_such_lesson.py"], "does not exist"),
        (["--backends", "torch,pytorch"], "unknown backend 'pytorch'. Valid backends: jax, mxnet, tensorflow, torch"),
        (["--epochs", "0"], "`epochs` must be a positive int, received 0"),
    ],
)
def test_invalid_arguments_exit_2_with_a_clear_message(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", *argv])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "compare" in capsys.readouterr().err
