"""OrbaxCheckpoint: step folders, max_to_keep, save_best_only and save_freq, read back on another backend."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.conftest import load_backend
from unikeras import callbacks, config, layers, saving
from unikeras.callbacks.orbax_checkpoint import all_steps, latest_checkpoint


def _model():
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    return model


def _data(rng):
    return rng.standard_normal((16, 3)).astype("float32"), rng.standard_normal((16, 2)).astype("float32")


def test_epoch_steps_max_to_keep_and_loading_on_another_backend(backend, rng, tmp_path):
    x, y = _data(rng)
    model = _model()
    checkpoint = callbacks.OrbaxCheckpoint(tmp_path / "ckpt", max_to_keep=2)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[checkpoint])
    checkpoint.wait_until_finished()
    assert all_steps(tmp_path / "ckpt") == [1, 2]  # epochs 0, 1, 2; the two newest kept
    path = latest_checkpoint(tmp_path / "ckpt")
    assert path == os.path.join(tmp_path / "ckpt", "2", "model.ukeras")
    other = "jax" if backend.name != "jax" else "torch"
    load_backend(other)
    with config.use_backend(other):
        loaded = saving.load_model(path)
        for saved, restored in zip(model.get_weights(), loaded.get_weights()):
            np.testing.assert_array_equal(restored, saved)


def test_batch_steps_best_only_and_weights_only(backend, rng, tmp_path):
    x, y = _data(rng)
    model = _model()
    every_three = callbacks.OrbaxCheckpoint(tmp_path / "batches", save_freq=3, max_to_keep=None)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[every_three])  # 8 batches
    assert all_steps(tmp_path / "batches") == [3, 6]
    best = callbacks.OrbaxCheckpoint(
        tmp_path / "best", monitor="loss", save_best_only=True, max_to_keep=None, save_weights_only=True
    )
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[best])  # SGD on mse: the loss falls
    assert all_steps(tmp_path / "best") == [0, 1]
    path = latest_checkpoint(tmp_path / "best")
    assert path.endswith(os.path.join("1", "model.weights.safetensors"))
    fresh = _model()
    fresh.load_weights(path)
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_bad_arguments():
    with pytest.raises(ValueError, match="OrbaxCheckpoint: unrecognized save_freq"):
        callbacks.OrbaxCheckpoint("d", save_freq="batch")
    with pytest.raises(ValueError, match="OrbaxCheckpoint: `max_to_keep` must be None or an int >= 1"):
        callbacks.OrbaxCheckpoint("d", max_to_keep=0)
