"""The callback protocol in ``fit``: hook order, unknown hooks ignored, Keras's ``on_batch_*``
aliases, ``model.stop_training``, what callbacks add to the epoch logs reaching History, and
LambdaCallback / CSVLogger."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tests.callbacks import helpers
from unikeras import callbacks


class _Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))

    def on_foo(self, *args, **kwargs):  # not a hook: never called
        raise AssertionError("on_foo must not be called")


def test_hooks_run_in_order_and_unknown_hooks_are_ignored(backend, rng):
    x, y = helpers.data(rng)
    model = helpers.model()
    recorder = _Recorder()
    lam = callbacks.LambdaCallback(on_foo=lambda *a: pytest.fail("on_foo called"), on_test_end=lambda logs: None)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[recorder, lam], validation_data=(x, y))
    expected = [("train_begin",)]
    for epoch in range(2):
        expected.append(("epoch_begin", epoch))
        for batch in range(2):
            expected += [("batch_begin", batch), ("batch_end", batch, ["loss"])]
        expected.append(("epoch_end", epoch, ["loss", "val_loss"]))
    expected.append(("train_end",))
    assert recorder.calls == expected


def test_keras_on_batch_aliases_and_lambda_hooks(backend, rng):
    """Keras's default on_train_batch_* call on_batch_*; LambdaCallback functions are called."""
    x, y = helpers.data(rng)
    seen = []

    class OldStyle(callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("old_begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("old_end", batch, float(logs["loss"])))

    lam = callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append(("begin",)),
        on_epoch_begin=lambda epoch, logs: seen.append(("epoch", epoch)),
        on_train_batch_end=lambda batch, logs: seen.append(("lam_end", batch)),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch, round(logs["loss"], 6))),
        on_train_end=lambda logs: seen.append(("end",)),
        note="stored as an attribute",
    )
    assert lam.note == "stored as an attribute"
    model = helpers.model()
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[OldStyle(), lam])
    kinds = [s[0] for s in seen]
    assert kinds == ["begin", "epoch", "old_begin", "old_end", "lam_end", "old_begin", "old_end", "lam_end"] + [
        "epoch_end",
        "end",
    ]
    assert seen[-2][2] == round(history.history["loss"][0], 6)
    assert all(np.isfinite(s[2]) for s in seen if s[0] == "old_end")


def test_stop_training_ends_fit_after_the_current_epoch(backend, rng):
    x, y = helpers.data(rng)
    model = helpers.model()
    batches = []
    stopper = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batches.append(batch),
        on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", epoch == 1),
    )
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[stopper])
    assert history.epoch == [0, 1]
    assert batches == [0, 1, 0, 1]
    # A new fit starts afresh.
    assert len(model.fit(x, y, batch_size=8, epochs=1, verbose=0).epoch) == 1


def test_logs_added_by_callbacks_reach_history_and_the_progress_bar(backend, rng, capsys):
    """History and the progress bar run after the user's callbacks, as in Keras."""
    x, y = helpers.data(rng)
    model = helpers.model()
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: 0.05 / (epoch + 1))
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=2, callbacks=[scheduler])
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025], rtol=1e-6)
    out = capsys.readouterr().out
    assert out.count("learning_rate: ") == 2


def test_lambda_callback_rejects_non_functions(backend):
    with pytest.raises(TypeError, match="LambdaCallback: `on_epoch_end` must be a function"):
        callbacks.LambdaCallback(on_epoch_end=3)


def test_csv_logger_writes_one_row_per_epoch_and_appends(backend, rng, tmp_path):
    x, y = helpers.data(rng)
    model = helpers.model()
    path = tmp_path / "log.csv"
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]  # val_ columns added, as Keras does
    assert [r["epoch"] for r in rows] == ["0", "1"]
    np.testing.assert_allclose([float(r["loss"]) for r in rows], history.history["loss"], rtol=1e-6)
    assert [r["val_loss"] for r in rows] == ["NA", "NA"]
    # append=True adds rows without a second header; separator is honoured.
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path, append=True)])
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and lines[0] == "epoch,loss,val_loss" and lines[3].startswith("0,")
    tsv = tmp_path / "log.tsv"
    model.fit(
        x, y, batch_size=8, epochs=1, verbose=0, validation_data=(x, y), callbacks=[callbacks.CSVLogger(tsv, "\t")]
    )
    header, row = tsv.read_text().splitlines()
    assert header == "epoch\tloss\tval_loss" and len(row.split("\t")) == 3
    with pytest.raises(ValueError, match="CSVLogger: `separator` must be a one-character string"):
        callbacks.CSVLogger(path, separator=";;")
