"""EarlyStopping, ReduceLROnPlateau and LearningRateScheduler: driven through ``fit`` on every
backend, checked against the references in ``tests/reference/callbacks.py`` and against Keras's
own callbacks fed the same monitored values."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

from tests.callbacks import helpers  # noqa: E402
from tests.reference import callbacks as ref  # noqa: E402
from unikeras import callbacks  # noqa: E402

# Monitored values injected epoch by epoch (an improvement, plateaus, a late improvement).
SCORES = [1.0, 0.8, 0.8, 0.79995, 0.85, 0.7, 0.7, 0.71, 0.72, 0.73]


class _EpochWeights(callbacks.Callback):
    """Records the model's weights at the end of every epoch (after ``initial``, if given)."""

    def __init__(self, initial=None):
        super().__init__()
        self.weights = [] if initial is None else [initial]

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def _inject(values, key="val_loss"):
    """A callback (placed before the one under test) that puts ``values[epoch]`` in the logs."""
    return callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))


class _FakeModel:
    """Just enough of a Keras model for Keras's callbacks: weights are the epoch index."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.epoch = 0
        self.restored = None
        self.optimizer = type("Opt", (), {"learning_rate": learning_rate})()

    def get_weights(self):
        return [np.array(self.epoch)]

    def set_weights(self, weights):
        self.restored = int(weights[0])


def _drive_keras(callback, values, key="val_loss", learning_rate=0.1):
    """Run a Keras callback over ``values``; returns (epochs run, restored epoch, rates per epoch)."""
    model = _FakeModel(learning_rate)
    callback.set_model(model)
    callback.on_train_begin()
    epochs, rates = 0, []
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_begin(epoch)
        rates.append(float(model.optimizer.learning_rate))
        callback.on_epoch_end(epoch, {key: value})
        epochs += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs, model.restored, rates


EARLY_CASES = [
    {"patience": 0},
    {"patience": 2, "min_delta": 0.001},
    {"patience": 2, "baseline": 0.75, "start_from_epoch": 1},
]


def test_early_stopping_matches_reference_and_keras(backend, rng):
    x, y = helpers.data(rng)
    model = helpers.model()
    for case in EARLY_CASES:
        epochs_ref, best_ref = ref.early_stopping(SCORES, mode="min", **case)
        epochs_keras, restored_keras, _ = _drive_keras(
            keras.callbacks.EarlyStopping(restore_best_weights=True, **case), SCORES
        )
        assert (epochs_keras, restored_keras) == (epochs_ref, best_ref), case  # the reference agrees with Keras

        record = _EpochWeights()
        stopper = callbacks.EarlyStopping(restore_best_weights=True, **case)
        history = model.fit(x, y, epochs=len(SCORES), verbose=0, callbacks=[_inject(SCORES), record, stopper])
        assert len(history.epoch) == epochs_ref, case
        assert stopper.best_epoch == best_ref and model.stop_training == (epochs_ref < len(SCORES))
        for got, want in zip(model.get_weights(), record.weights[best_ref]):
            np.testing.assert_array_equal(got, want)


def test_early_stopping_modes_and_missing_monitor(backend, rng):
    x, y = helpers.data(rng)
    model = helpers.model("classifier")
    # "max" mode on an injected score: stops 2 epochs after the best.
    rising = [0.1, 0.5, 0.4, 0.45, 0.9]
    history = model.fit(
        x,
        y,
        epochs=5,
        verbose=0,
        callbacks=[_inject(rising, "score"), callbacks.EarlyStopping("score", patience=2, mode="max")],
    )
    assert len(history.epoch) == ref.early_stopping(rising, patience=2, mode="max")[0] == 4
    # "auto" infers the direction: loss -> min, accuracy -> max (as Keras's metric directions say).
    for monitor, expected in (("val_loss", "lt"), ("accuracy", "gt"), ("val_accuracy", "gt")):
        stopper = callbacks.EarlyStopping(monitor)
        stopper.set_model(model)
        stopper._set_monitor_op()
        assert stopper.monitor_op.__name__ == expected, monitor
    with pytest.raises(ValueError, match="monitor=val_fancy.*mode='max'"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping("val_fancy")])
    # A monitor absent from the logs warns, listing what is there, and never stops training.
    with pytest.warns(UserWarning, match=r"`val_loss` which is not available. Available metrics are: loss,accuracy"):
        history = model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.EarlyStopping()])
    assert len(history.epoch) == 2
    with pytest.warns(UserWarning, match="mode 'lowest' is unknown, fallback to auto mode"):
        callbacks.EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="EarlyStopping: `patience` must be a non-negative integer, received -1"):
        callbacks.EarlyStopping(patience=-1)


PLATEAU_CASES = [
    {"factor": 0.5, "patience": 1, "min_delta": 1e-4},
    {"factor": 0.2, "patience": 2, "cooldown": 1, "min_lr": 0.004},
]


def test_reduce_lr_on_plateau_matches_reference_and_keras(backend, rng):
    x, y = helpers.data(rng)
    kernel, bias = np.array([[0.1], [0.2], [-0.3]], "float32"), np.array([0.05], "float32")
    for case in PLATEAU_CASES:
        expected = ref.reduce_lr_on_plateau(SCORES, 0.1, **case)
        keras_rates = _drive_keras(keras.callbacks.ReduceLROnPlateau(**case), SCORES, learning_rate=0.1)[2]
        np.testing.assert_allclose(keras_rates, expected, rtol=1e-6)

        model = helpers.model(learning_rate=0.1)
        model.set_weights([kernel, bias])
        record = _EpochWeights(initial=[kernel, bias])
        weights = record.weights
        history = model.fit(
            x,
            y,
            batch_size=16,
            epochs=len(SCORES),
            verbose=0,
            callbacks=[_inject(SCORES), callbacks.ReduceLROnPlateau(**case), record],
        )
        np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-6)
        # The new rate takes effect in the compiled step: each epoch is one full-batch SGD step.
        for epoch, rate in enumerate(expected):
            w, b = (np.asarray(a, "float64") for a in weights[epoch])
            error = x @ w + b - y
            grad_w, grad_b = 2 * x.T @ error / len(x), 2 * error.mean(0)
            np.testing.assert_allclose(weights[epoch + 1][0], w - rate * grad_w, rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(weights[epoch + 1][1], b - rate * grad_b, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. Received factor=1.5"):
        callbacks.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="ReduceLROnPlateau: `cooldown` must be a non-negative integer"):
        callbacks.ReduceLROnPlateau(cooldown=-2)


def test_learning_rate_scheduler_sets_the_rate_each_epoch(backend, rng):
    x, y = helpers.data(rng)
    model = helpers.model(learning_rate=0.1)
    before = [w.astype("float64") for w in model.get_weights()]
    schedule = [0.1, 0.05, 0.2]
    seen = []

    def fn(epoch, lr):
        seen.append(lr)
        return schedule[epoch]

    history = model.fit(
        x, y, batch_size=16, epochs=3, verbose=0, callbacks=[callbacks.LearningRateScheduler(fn, verbose=0)]
    )
    np.testing.assert_allclose(history.history["learning_rate"], schedule, rtol=1e-6)
    np.testing.assert_allclose(seen, [0.1, 0.1, 0.05], rtol=1e-6)  # the current rate is passed in
    w, b = before
    for rate in schedule:  # full-batch SGD with the scheduled rates
        error = x @ w + b - y
        w, b = w - rate * 2 * x.T @ error / len(x), b - rate * 2 * error.mean(0)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-4, atol=1e-5)
    # Keras's older form: a function of the epoch only.
    history = model.fit(
        x, y, epochs=2, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: 0.01 * (e + 1))]
    )
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02], rtol=1e-6)
    with pytest.raises(ValueError, match="output of the `schedule` function should be a float. Got: 1"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e, lr: 1)])
    with pytest.raises(TypeError, match="LearningRateScheduler: `schedule` must be a function"):
        callbacks.LearningRateScheduler(0.1)


def test_keras_signatures_and_defaults():
    """Constructor argument names, order and defaults as in Keras."""
    import inspect

    names = ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "TerminateOnNaN"]
    names += ["CSVLogger", "LambdaCallback", "BackupAndRestore"]
    for name in names:
        ours = inspect.signature(getattr(callbacks, name)).parameters
        theirs = inspect.signature(getattr(keras.callbacks, name)).parameters
        if name == "ReduceLROnPlateau":  # Keras swallows unknown keyword arguments; here they are a TypeError
            theirs = {k: p for k, p in theirs.items() if p.kind is not p.VAR_KEYWORD}
        assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()], name
    ours = inspect.signature(callbacks.TensorBoard).parameters
    theirs = inspect.signature(keras.callbacks.TensorBoard).parameters
    assert list(ours) == list(theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        callbacks.TensorBoard()  # the defaults warn about nothing
