"""ModelCheckpoint (file names, save_best_only, batch-level saving, suffix and placeholder errors)
and BackupAndRestore (an interrupted fit resumed gives the weights of an uninterrupted one)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import unikeras
from tests.callbacks import helpers
from unikeras import callbacks


class _EpochWeights(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def _assert_weights(model, expected, exact=True):
    for got, want in zip(model.get_weights(), expected, strict=True):
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def _load_into_fresh(path):
    model = helpers.model(seed=99)  # other weights, so that a load that does nothing shows
    model.load_weights(str(path))
    return model


def test_checkpoint_file_names_and_saved_weights(backend, rng, tmp_path):
    x, y = helpers.data(rng)
    model = helpers.model()
    record = _EpochWeights()
    pattern = str(tmp_path / "ckpt" / "w-{epoch:02d}-{val_loss:.3f}.weights.safetensors")
    checkpoint = callbacks.ModelCheckpoint(pattern, save_weights_only=True)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x, y), callbacks=[record, checkpoint])
    names = [
        f"w-{epoch + 1:02d}-{loss:.3f}.weights.safetensors" for epoch, loss in enumerate(history.history["val_loss"])
    ]
    assert sorted(os.listdir(tmp_path / "ckpt")) == names  # epochs are 1-based in names, as in Keras
    for name, weights in zip(names, record.weights):
        _assert_weights(_load_into_fresh(tmp_path / "ckpt" / name), weights)


def test_save_best_only_keeps_only_improvements(backend, rng, tmp_path, capsys):
    x, y = helpers.data(rng)
    model = helpers.model()
    record = _EpochWeights()
    scores = [0.5, 0.7, 0.4, 0.45, 0.6]
    inject = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("score", scores[epoch]))
    path = tmp_path / "best.weights.safetensors"
    checkpoint = callbacks.ModelCheckpoint(
        path, monitor="score", mode="min", save_best_only=True, save_weights_only=True, verbose=1
    )
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[inject, record, checkpoint])
    _assert_weights(_load_into_fresh(path), record.weights[2])
    out = capsys.readouterr().out
    assert "Epoch 3: score improved from 0.50000 to 0.40000, saving model to" in out
    assert "Epoch 5: score did not improve from 0.40000" in out
    # initial_value_threshold: nothing better than 0.3 comes, so nothing is written.
    os.remove(path)
    checkpoint = callbacks.ModelCheckpoint(
        path, "score", save_best_only=True, save_weights_only=True, mode="min", initial_value_threshold=0.3
    )
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[inject, checkpoint])
    assert not path.exists()


def test_batch_level_and_whole_model_checkpoints(backend, rng, tmp_path):
    x, y = helpers.data(rng)
    model = helpers.model()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}-{batch}.ukeras"), save_freq=3)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[checkpoint])
    # 2 batches per epoch, a save every 3 batches: after batch 2 of epoch 2 and batch 2 of epoch 3.
    assert sorted(os.listdir(tmp_path)) == ["m-2-1.ukeras", "m-3-2.ukeras"]
    loaded = unikeras.saving.load_model(str(tmp_path / "m-3-2.ukeras"))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras_tutorial_checkpoint_paths(backend, rng, tmp_path):
    """`ModelCheckpoint("best.keras", save_best_only=True)` and `.weights.h5`, as Keras tutorials write them."""
    x, y = helpers.data(rng)
    model = helpers.model()
    best = callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="loss", save_best_only=True)
    weights = callbacks.ModelCheckpoint(str(tmp_path / "last.weights.h5"), save_weights_only=True)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[best, weights])
    loaded = unikeras.saving.load_model(str(tmp_path / "best.keras"))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    fresh = helpers.model()
    fresh.load_weights(str(tmp_path / "last.weights.h5"))
    for got, want in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_checkpoint_path_errors_come_before_training(backend, rng, tmp_path):
    with pytest.raises(ValueError, match=r"save_weights_only=True.*must end in `\.weights\.safetensors`"):
        callbacks.ModelCheckpoint(tmp_path / "w.ukeras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.ukeras`.*\(or pass save_weights_only=True\)"):
        callbacks.ModelCheckpoint(tmp_path / "w.weights.safetensors")
    with pytest.raises(ValueError, match="must end in `.ukeras`.*or `.keras`.*Received: filepath=.*model.h5"):
        callbacks.ModelCheckpoint(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="unrecognized save_freq: 'batch'"):
        callbacks.ModelCheckpoint(tmp_path / "m.ukeras", save_freq="batch")
    x, y = helpers.data(rng)
    model = helpers.model()
    before = model.get_weights()
    batches = []
    spy = callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: batches.append(batch))
    bad = [
        (KeyError, r"`val_los` is not a quantity this model logs. Available: loss, val_loss", "{val_los:.2f}"),
        (ValueError, "cannot format filepath", "{epoch:q}"),
        (ValueError, "positional placeholder", "{}"),
    ]
    for error, match, placeholder in bad:
        checkpoint = callbacks.ModelCheckpoint(
            str(tmp_path / f"w-{placeholder}.weights.safetensors"), save_weights_only=True
        )
        with pytest.raises(error, match=match):
            model.fit(x, y, batch_size=8, epochs=1, verbose=0, validation_data=(x, y), callbacks=[checkpoint, spy])
    assert batches == [] and os.listdir(tmp_path) == []
    _assert_weights(model, before)


class _Interrupt(callbacks.Callback):
    """Raises in the middle of ``epoch`` (after its first batch), like a crash."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch
        self.current = None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == 1:
            raise KeyboardInterrupt("simulated crash")


def test_backup_and_restore_resumes_an_interrupted_fit(backend, rng, tmp_path):
    x, y = helpers.data(rng, 32)
    fit = {"batch_size": 8, "epochs": 4, "shuffle": False, "verbose": 0}
    model = helpers.model("mlp")
    model.fit(x, y, **fit)
    expected, expected_iterations = model.get_weights(), int(model.optimizer.iterations.numpy())

    backup_dir = tmp_path / "backup"
    backup = callbacks.BackupAndRestore(backup_dir)
    model = helpers.model("mlp")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, **fit, callbacks=[backup, _Interrupt(epoch=2)])
    metadata = json.loads((backup_dir / "training_metadata.json").read_text())
    assert metadata["epoch"] == 2  # two epochs done when the crash came
    assert [n for n in os.listdir(backup_dir) if n.endswith(".weights.safetensors")] == [metadata["weights"]]

    # A restarted process: a model with other weights and a fresh optimizer.
    model = helpers.model("mlp", seed=5)
    epochs = []
    spy = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    history = model.fit(x, y, **fit, callbacks=[backup, spy])
    assert epochs == [2, 3] and history.epoch == [2, 3]
    _assert_weights(model, expected, exact=False)
    assert int(model.optimizer.iterations.numpy()) == expected_iterations
    assert not backup_dir.exists()  # delete_checkpoint=True: the finished fit removed the backup
    assert model.fit(x, y, **fit).epoch == [0, 1, 2, 3]  # the resume epoch applied to that fit only


def test_backup_and_restore_falls_back_to_the_previous_backup_and_checks_arguments(backend, rng, tmp_path):
    x, y = helpers.data(rng)
    fit = {"batch_size": 8, "epochs": 3, "shuffle": False, "verbose": 0}
    model = helpers.model("mlp")
    model.fit(x, y, **fit)
    expected = model.get_weights()

    backup_dir = tmp_path / "backup"
    (tmp_path / "backup").mkdir()
    (backup_dir / "notes.txt").write_text("not ours")
    backup = callbacks.BackupAndRestore(backup_dir, double_checkpoint=True)
    model = helpers.model("mlp")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, **fit, callbacks=[backup, _Interrupt(epoch=2)])
    latest = json.loads((backup_dir / "training_metadata.json").read_text())
    previous = json.loads((backup_dir / "training_metadata.json.bkp").read_text())
    assert (latest["epoch"], previous["epoch"]) == (2, 1)
    (backup_dir / latest["weights"]).write_bytes(b"\x00garbage")  # the latest backup is damaged
    model = helpers.model("mlp", seed=5)
    epochs = []
    spy = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    model.fit(x, y, **fit, callbacks=[backup, spy])
    assert epochs == [1, 2]  # resumed from the previous backup (end of epoch 1)
    _assert_weights(model, expected, exact=False)
    assert os.listdir(backup_dir) == ["notes.txt"]  # only the callback's own files are deleted

    with pytest.raises(ValueError, match="empty `backup_dir`"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq=0"):
        callbacks.BackupAndRestore(tmp_path, save_freq=0)
