"""``unikeras.compare.compare`` on a user's model file, and the argument checks."""

from __future__ import annotations

import json
import math

import pytest

from unikeras.compare import compare, runner

LESSON = """
import numpy as np
import unikeras
from unikeras import layers


def load_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return (x[:64], y[:64]), (x[64:], y[64:])


def build_model():
    print("this print must not break the worker's JSON line")
    if unikeras.config.backend() == "jax":
        raise RuntimeError("this lesson refuses jax")
    hidden = layers.Dense(8, activation="relu")
    return unikeras.Sequential([unikeras.Input((4,)), hidden, layers.Dense(2, activation="softmax")])
"""


def test_user_file_with_one_failing_backend(tmp_path):
    lesson = tmp_path / "lesson.py"
    lesson.write_text(LESSON)
    out = tmp_path / "rows.json"
    rows = compare(str(lesson), backends="torch,jax", epochs=1, batch_size=16, json_path=out)
    by_name = {row["backend"]: row for row in rows}
    assert list(by_name) == ["torch", "jax"]
    assert by_name["jax"]["status"] == "error"
    assert by_name["jax"]["error"] == "RuntimeError: this lesson refuses jax"
    torch_row = by_name["torch"]
    assert torch_row["status"] == "ok", torch_row
    assert torch_row["params"] == (4 * 8 + 8) + (8 * 2 + 2)
    assert (torch_row["train_samples"], torch_row["test_samples"]) == (64, 32)
    # Uncompiled model + integer labels: compiled with sparse categorical cross-entropy and accuracy.
    assert torch_row["accuracy_metric"] == "accuracy" and 0.0 <= torch_row["test_accuracy"] <= 1.0
    assert math.isfinite(torch_row["loss"])
    assert json.loads(out.read_text())["rows"] == json.loads(json.dumps(rows))


def test_check_backends():
    assert runner.check_backends("jax, torch,jax") == ["jax", "torch"]
    with pytest.raises(ValueError, match="unknown backends 'tf', 'pt'. Valid backends: jax, mxnet, tensorflow, torch"):
        runner.check_backends(["tf", "pt"])
    with pytest.raises(ValueError, match="`backends` is empty"):
        runner.check_backends(" , ")


def test_check_model(tmp_path):
    assert runner.check_model("cnn") == "cnn"
    lesson = tmp_path / "lesson.py"
    lesson.write_text("def build_model(): ...\n")
    assert runner.check_model(lesson) == str(lesson.resolve())
    with pytest.raises(ValueError, match=r"built-in model \(mlp, cnn, lstm\).*received 'gpt'"):
        runner.check_model("gpt")
    with pytest.raises(FileNotFoundError, match="missing.py"):
        runner.check_model(tmp_path / "missing.py")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": 0}, "`batch_size` must be a positive int"),
        ({"epochs": 2.5}, "`epochs` must be a positive int"),
        ({"timeout": -1}, "`timeout` must be a positive number"),
        ({"seed": "0"}, "`seed` must be an int"),
    ],
)
def test_compare_rejects_bad_arguments_before_running(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare("mlp", backends=["torch"], **kwargs)
