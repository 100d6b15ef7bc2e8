"""Pieces of the per-backend worker that need no subprocess."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.conftest import load_backend
from unikeras import config
from unikeras.compare import worker
from unikeras.utils import set_random_seed


@pytest.mark.parametrize(
    "y, loss, metrics",
    [
        (np.array([0, 3, 9]), "sparse_categorical_crossentropy", ["accuracy"]),
        (np.eye(3, dtype="float32"), "categorical_crossentropy", ["accuracy"]),
        (np.array([0.0, 1.0, 1.0]), "binary_crossentropy", ["accuracy"]),
        (np.array([[0.0], [1.0]]), "binary_crossentropy", ["accuracy"]),
        (np.array([True, False]), "binary_crossentropy", ["accuracy"]),
        (np.array([0.5, 2.0]), "mean_squared_error", []),
        (np.array([[1.0, 1.0], [0.0, 1.0]]), "mean_squared_error", []),
    ],
)
def test_default_compile_arguments(y, loss, metrics):
    assert worker.default_compile_arguments(y) == (loss, metrics)


def test_several_targets_need_a_compiled_model():
    with pytest.raises(ValueError, match="compile the model inside build_model"):
        worker.default_compile_arguments([np.zeros(2), np.zeros(2)])


def test_process_start_time_is_in_the_past():
    started = worker.process_start_time()
    if started is not None:  # None off Linux
        assert started <= time.time() + 1.0  # /proc/stat's boot time has whole-second precision


def test_user_file_without_build_model(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("x = 1\n")
    with pytest.raises(ValueError, match="must define build_model"):
        worker.load_user_file(path)


SUBCLASSED = """
import numpy as np
import unikeras
from unikeras import layers


class Net(unikeras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(5, activation="relu")
        self.out = layers.Dense(3, activation="softmax")

    def call(self, x):
        return self.out(self.hidden(x))


def load_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=40)]
    return (x[:32], y[:32]), (x[32:], y[32:])


def build_model():
    return Net()
"""


def _run_file(tmp_path, text, **kwargs):
    path = tmp_path / "lesson.py"
    path.write_text(text)
    load_backend("torch")
    with config.use_backend("torch"):
        return worker.run(str(path), epochs=1, batch_size=8, **kwargs)


def test_subclassed_model_is_built_and_compiled_from_one_hot_labels(tmp_path):
    row = _run_file(tmp_path, SUBCLASSED, seed=3)
    assert row["status"] == "ok", row["error"]
    assert row["params"] == (6 * 5 + 5) + (5 * 3 + 3)
    assert row["accuracy_metric"] == "accuracy" and (row["train_samples"], row["test_samples"]) == (32, 8)
    # The checksum is the sum of the initial weights: the same seed builds the same ones in-process.
    with config.use_backend("torch"):
        set_random_seed(3)
        module = worker.load_user_file(tmp_path / "lesson.py")
        module.load_data()
        set_random_seed(3)
        model = module.build_model()
        model(np.zeros((1, 6), "float32"))
        expected = sum(float(np.sum(w, dtype=np.float64)) for w in model.get_weights())
    assert row["init_checksum"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "text, error",
    [
        (
            "def build_model():\n    return 'a model'\n",
            "TypeError: compare: build_model() must return a unikeras Model",
        ),
        (
            "def build_model():\n    return None\ndef load_data():\n    return [1, 2, 3]\n",
            "ValueError: compare: load_data() must return (x_train, y_train), (x_test, y_test), received a list.",
        ),
    ],
)
def test_errors_become_the_row_status(tmp_path, text, error):
    row = _run_file(tmp_path, text)
    assert row["status"] == "error" and row["error"].startswith(error)
