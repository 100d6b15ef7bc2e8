"""fit / evaluate / predict arguments on every backend: sample_weight and class_weight (checked
against NumPy and Keras), initial_epoch, steps_per_epoch, validation_data / _steps / _freq /
_batch_size, evaluate(steps=), predict(steps=), shuffle, stopping mid-epoch, and bad arguments."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

import unikeras  # noqa: E402
from tests.utils.py_dataset_helpers import ArrayBatches, make_data  # noqa: E402
from unikeras import layers  # noqa: E402
from unikeras.trainers.data_adapters import ArrayDataAdapter  # noqa: E402


# ---------------------------------------------------------------------- NumPy references (float64)
def _mse(x, kernel, bias, y):
    """Per-sample mean squared error of the linear model ``x @ kernel + bias``."""
    return ((x.astype(np.float64) @ kernel + bias - y) ** 2).mean(axis=-1)


def _sparse_ce_from_logits(logits, labels):
    z = logits - logits.max(axis=-1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


def _weighted_mean(per_sample, weights):
    """Keras's "sum_over_batch_size": the weighted losses summed, divided by the batch size."""
    return float((per_sample * weights).sum() / len(per_sample))


# ---------------------------------------------------------------------- models
def _regressor(learning_rate=0.0):
    unikeras.utils.set_random_seed(11)
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.SGD(learning_rate), loss="mse")
    return model


def _keras_copy(model, loss, learning_rate=0.0):
    units = model.get_weights()[0].shape[1]
    twin = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])
    twin.compile(optimizer=keras.optimizers.SGD(learning_rate), loss=loss)
    twin.set_weights(model.get_weights())
    return twin


class Counter(unikeras.callbacks.Callback):
    """Counts epochs, train batches and validations as fit runs them."""

    def __init__(self):
        super().__init__()
        self.epochs, self.batches, self.validations, self.val_batches = [], [], [], []
        self.batch_logs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.batches.append(0)
        self.batch_logs.append([])

    def on_train_batch_end(self, batch, logs=None):
        self.batches[-1] += 1
        self.batch_logs[-1].append(logs["loss"])

    def on_test_begin(self, logs=None):
        self.validations.append(self.epochs[-1] if self.epochs else None)
        self.val_batches.append(0)

    def on_test_batch_end(self, batch, logs=None):
        self.val_batches[-1] += 1


# ---------------------------------------------------------------------- sample_weight / class_weight
def test_sample_weight_weights_each_sample_as_numpy_and_keras_do(backend, rng):
    x = rng.standard_normal((10, 3)).astype("float32")
    y = rng.standard_normal((10, 1)).astype("float32")
    weights = rng.uniform(0.0, 3.0, 10).astype("float32")
    model = _regressor()
    kernel, bias = model.get_weights()
    expected = _weighted_mean(_mse(x, kernel, bias, y), weights)
    np.testing.assert_allclose(model.test_on_batch(x, y, sample_weight=weights), expected, rtol=1e-5)
    # Over batches of 4, 4, 2 the epoch loss is the batch-size-weighted mean of the batch losses: the same value.
    np.testing.assert_allclose(
        model.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0), expected, rtol=1e-5
    )
    np.testing.assert_allclose(model.train_on_batch(x, y, sample_weight=weights), expected, rtol=1e-5)
    twin = _keras_copy(model, "mse")
    np.testing.assert_allclose(twin.test_on_batch(x, y, sample_weight=weights), expected, rtol=1e-5)
    np.testing.assert_allclose(twin.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0), expected, rtol=1e-5)


def test_class_weight_weights_each_sample_by_its_class(backend, rng):
    x = rng.standard_normal((12, 3)).astype("float32")
    labels = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 2, 0])
    class_weight = {0: 1.0, 1: 2.5, 2: 0.5}
    unikeras.utils.set_random_seed(12)
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(3)])
    model.compile(
        optimizer=unikeras.optimizers.SGD(0.0), loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    kernel, bias = (w.astype(np.float64) for w in model.get_weights())
    per_sample = _sparse_ce_from_logits(x @ kernel + bias, labels)
    expected = _weighted_mean(per_sample, np.array([class_weight[c] for c in labels]))
    np.testing.assert_allclose(model.train_on_batch(x, labels, class_weight=class_weight), expected, rtol=1e-5)
    history = model.fit(x, labels, class_weight=class_weight, batch_size=12, verbose=0).history
    np.testing.assert_allclose(history["loss"][0], expected, rtol=1e-5)
    # Per batch for a generator, as for arrays.
    gen = ((x[i : i + 6], labels[i : i + 6]) for i in (0, 6))
    np.testing.assert_allclose(
        model.fit(gen, class_weight=class_weight, verbose=0).history["loss"][0], expected, rtol=1e-5
    )
    twin = _keras_copy(model, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    np.testing.assert_allclose(twin.train_on_batch(x, labels, class_weight=class_weight), expected, rtol=1e-5)
    # One-hot targets: the class is the argmax.
    model.compile(
        optimizer=unikeras.optimizers.SGD(0.0), loss=unikeras.losses.CategoricalCrossentropy(from_logits=True)
    )
    one_hot = np.eye(3, dtype="float32")[labels]
    np.testing.assert_allclose(model.train_on_batch(x, one_hot, class_weight=class_weight), expected, rtol=1e-5)


def test_class_weight_errors(backend):
    x = np.zeros((4, 3), "float32")
    labels = np.array([0, 1, 2, 1], "float32")  # class indices as floats, as a regression model takes them
    model = _regressor()
    with pytest.raises(ValueError, match=r"no weight for the classes \[2\] found in `y`; it has weights for \[0, 1\]"):
        model.fit(x, labels, class_weight={0: 1.0, 1: 2.0}, verbose=0)
    with pytest.raises(ValueError, match=r"`class_weight` and `sample_weight` cannot be used together"):
        model.fit(x, labels, class_weight={0: 1.0, 1: 1.0, 2: 1.0}, sample_weight=np.ones(4), verbose=0)
    with pytest.raises(ValueError, match="only supported for models with a single output"):
        model.train_on_batch(x, [labels, labels], class_weight={0: 1.0, 1: 1.0, 2: 1.0})
    with pytest.raises(ValueError, match="keys must be integer class indices, received 'a'"):
        model.fit(x, labels, class_weight={"a": 1.0}, verbose=0)
    with pytest.raises(ValueError, match=r"`class_weight` must be a dict"):
        model.fit(x, labels, class_weight=[1.0, 2.0], verbose=0)
    with pytest.raises(
        ValueError, match=r"cannot be used with sample weights in the data \(batch 0 from the generator\)"
    ):
        model.fit(iter([(x, labels, np.ones(4))]), class_weight={0: 1.0, 1: 1.0, 2: 1.0}, verbose=0)
    with pytest.raises(
        ValueError, match=r"no weight for the classes \[2\] found in `y` \(batch 1 from the generator\)"
    ):
        model.fit(iter([(x[:2], labels[:2]), (x[2:], labels[2:])]), class_weight={0: 1.0, 1: 1.0}, verbose=0)


# ---------------------------------------------------------------------- epochs and steps
def test_initial_epoch_starts_the_count_there(backend):
    x, y = make_data(20)
    model = _regressor(0.01)
    counter = Counter()
    history = model.fit(x, y, batch_size=8, epochs=5, initial_epoch=2, verbose=0, callbacks=[counter])
    assert history.epoch == [2, 3, 4] == counter.epochs
    assert counter.batches == [3, 3, 3] and counter.params["epochs"] == 5 and counter.params["steps"] == 3

    class Resume(unikeras.callbacks.Callback):  # Keras's protocol, used by BackupAndRestore
        def on_train_begin(self, logs=None):
            self.model._initial_epoch = 3

    assert model.fit(x, y, epochs=5, verbose=0, callbacks=[Resume()]).epoch == [3, 4]
    assert model._initial_epoch is None  # fit consumed the resume point: the next fit starts afresh
    assert model.fit(x, y, epochs=2, initial_epoch=2, verbose=0).epoch == []
    assert model.fit(x, y, epochs=1, verbose=0).epoch == [0]


def test_steps_per_epoch_with_arrays_goes_on_where_the_last_epoch_stopped(backend):
    """5 batches, 2 steps an epoch: batches 0-1, 2-3, then 4 alone (with a warning: the data ran out)
    and a new pass: Keras's rule (the same counts as keras.Model.fit below)."""
    x, y = make_data(40)
    model = _regressor(0.0)
    kernel, bias = model.get_weights()
    batch_losses = [_mse(x[i : i + 8], kernel, bias, y[i : i + 8]).mean() for i in range(0, 40, 8)]
    counter = Counter()
    with pytest.warns(UserWarning, match=r"ran out of data after 1 of the 2 steps"):
        model.fit(x, y, batch_size=8, epochs=4, steps_per_epoch=2, shuffle=False, verbose=0, callbacks=[counter])
    assert counter.batches == [2, 2, 1, 2] and counter.params["steps"] == 2

    def per_batch(running):  # batch losses from the running means the callback sees
        return [running[0]] + [(k + 1) * running[k] - k * running[k - 1] for k in range(1, len(running))]

    seen = [per_batch(epoch) for epoch in counter.batch_logs]
    expected = [batch_losses[0:2], batch_losses[2:4], batch_losses[4:5], batch_losses[0:2]]
    for got, want in zip(seen, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4)
    keras_counter = []
    twin = _keras_copy(model, "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twin.fit(
            x,
            y,
            batch_size=8,
            epochs=4,
            steps_per_epoch=2,
            shuffle=False,
            verbose=0,
            callbacks=[
                keras.callbacks.LambdaCallback(
                    on_epoch_begin=lambda epoch, logs: keras_counter.append(0),
                    on_train_batch_end=lambda batch, logs: keras_counter.__setitem__(-1, keras_counter[-1] + 1),
                )
            ],
        )
    assert keras_counter == counter.batches
    # Without batch_size, the batches are sized so that steps_per_epoch of them cover the data.
    counter = Counter()
    model.fit(x, y, epochs=2, steps_per_epoch=4, verbose=0, callbacks=[counter])
    assert counter.batches == [4, 4]


def test_steps_per_epoch_reads_an_endless_generator_in_turn(backend):
    x, y = make_data(24)
    drawn = []

    def endless():
        while True:
            for i in range(0, 24, 8):
                drawn.append(i)
                yield x[i : i + 8], y[i : i + 8]

    model = _regressor(0.0)
    counter = Counter()
    model.fit(endless(), epochs=2, steps_per_epoch=2, verbose=0, callbacks=[counter])
    assert counter.batches == [2, 2] and counter.params["steps"] == 2
    assert drawn == [0, 8, 16, 0]  # no batch read twice or skipped, none read ahead
    # A generator of unknown length: steps are unknown (None) to callbacks and the progress bar.
    counter = Counter()
    model.fit((batch for batch in [(x, y), (x, y)]), verbose=0, callbacks=[counter])
    assert counter.params["steps"] is None and counter.batches == [2]


def test_validation_data_steps_freq_and_batch_size(backend):
    """lr=0 keeps the weights fixed, so every val_loss equals evaluate() on the same batches."""
    x, y = make_data(16)
    x_val, y_val = make_data(10, seed=1)
    w_val = np.linspace(0.0, 1.0, 10).astype("float32")
    model = _regressor(0.0)
    full = model.evaluate(x_val, y_val, verbose=0)
    counter = Counter()
    history = model.fit(
        x, y, epochs=3, validation_data=(x_val, y_val), validation_freq=[1, 3], verbose=0, callbacks=[counter]
    ).history
    assert counter.validations == [0, 2] and len(history["val_loss"]) == 2
    np.testing.assert_allclose(history["val_loss"], [full, full], rtol=1e-5)
    counter = Counter()
    history = model.fit(
        x, y, epochs=4, validation_data=[x_val, y_val], validation_freq=2, verbose=0, callbacks=[counter]
    )
    assert counter.validations == [1, 3]
    # validation_batch_size and (x, y, sample_weight)
    counter = Counter()
    history = model.fit(
        x, y, validation_data=(x_val, y_val, w_val), validation_batch_size=4, verbose=0, callbacks=[counter]
    ).history
    assert counter.val_batches == [3]
    np.testing.assert_allclose(
        history["val_loss"], [model.evaluate(x_val, y_val, sample_weight=w_val, verbose=0)], rtol=1e-5
    )

    # An endless generator with validation_steps: each validation reads the next 2 batches.
    def endless():
        while True:
            yield x_val[:5], y_val[:5]
            yield x_val[5:], y_val[5:]

    counter = Counter()
    history = model.fit(
        x, y, epochs=2, validation_data=endless(), validation_steps=2, verbose=0, callbacks=[counter]
    ).history
    assert counter.val_batches == [2, 2]
    np.testing.assert_allclose(history["val_loss"], [full, full], rtol=1e-5)
    history = model.fit(x, y, validation_data=ArrayBatches(x_val, y_val, 3), verbose=0).history
    np.testing.assert_allclose(history["val_loss"], [full], rtol=1e-5)


def test_evaluate_and_predict_steps(backend):
    x, y = make_data(40)
    model = _regressor()
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(
        model.evaluate(x, y, batch_size=8, steps=2, verbose=0), _mse(x[:16], kernel, bias, y[:16]).mean(), rtol=1e-5
    )
    counter = Counter()
    np.testing.assert_allclose(
        model.evaluate(x, y, steps=4, verbose=0, callbacks=[counter]), _mse(x, kernel, bias, y).mean(), rtol=1e-5
    )
    assert counter.params["steps"] == 4 and counter.val_batches == [4]  # batches of 10
    predictions = model.predict(x, batch_size=8, steps=2, verbose=0)
    np.testing.assert_allclose(predictions, x[:16] @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_stop_training_ends_the_epoch_after_the_current_batch(backend):
    x, y = make_data(32)

    class StopAt(Counter):
        def __init__(self, batch):
            super().__init__()
            self.stop_batch = batch

        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            if batch == self.stop_batch:
                self.model.stop_training = True

    model = _regressor(0.01)
    for stop_batch, data in [(1, (x, y)), (0, (_endless(x, y),))]:
        counter = StopAt(stop_batch)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # stopping is not running out of data
            history = model.fit(*data, batch_size=8, epochs=3, verbose=0, callbacks=[counter])
        assert counter.batches == [stop_batch + 1] and history.epoch == [0]


def _endless(x, y):
    while True:
        yield x[:8], y[:8]


def test_bad_arguments_are_named(backend):
    x, y = make_data(8)
    model = _regressor()
    cases = [
        ({"epochs": -1}, "`epochs` must be a non-negative int, received -1"),
        ({"epochs": 1.5}, "`epochs` must be a non-negative int"),
        ({"initial_epoch": "1"}, "`initial_epoch` must be a non-negative int"),
        ({"steps_per_epoch": 0}, "`steps_per_epoch` must be a positive int or None, received 0"),
        ({"validation_steps": 2.0}, "`validation_steps` must be a positive int or None"),
        ({"validation_freq": 0}, "`validation_freq` must be a positive int or a list of epochs, received 0"),
        ({"validation_freq": "2"}, "`validation_freq` must be a positive int or a list of epochs"),
        ({"shuffle": "yes"}, '`shuffle` must be True, False or "batch"'),
        ({"batch_size": 0}, "`batch_size` must be a positive int, received 0"),
        ({"validation_data": (x, y, y, y)}, r"`validation_data` must be \(x_val, y_val\).*tuple of 4 items"),
        ({"validation_split": 1.5}, "`validation_split` must be in"),
    ]
    for kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            model.fit(x, y, verbose=0, **kwargs)
    with pytest.raises(ValueError, match=r"fit\(\): `y` is required for array inputs"):
        model.fit(x, verbose=0)
    with pytest.raises(ValueError, match=r"evaluate\(\): `steps` must be a positive int or None"):
        model.evaluate(x, y, steps=0, verbose=0)
    with pytest.raises(ValueError, match=r"predict\(\): `steps` must be a positive int or None"):
        model.predict(x, steps=-1, verbose=0)


def test_shuffle_visits_every_sample_once_per_epoch():
    """Array batching without a model: True reshuffles all samples each pass, "batch" only within
    each batch; both follow the seed (so a seeded run shuffles alike on every backend)."""
    x = np.arange(10)[:, None]

    def epochs(shuffle, seed=0):
        adapter = ArrayDataAdapter(x, x[:, 0], batch_size=4, shuffle=shuffle, seed=seed)
        return [[b[0][:, 0].tolist() for b in adapter.batches()] for _ in range(2)]

    ordered = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert epochs(False) == [ordered, ordered]
    for epoch in epochs(True):
        assert sorted(v for batch in epoch for v in batch) == list(range(10)) and epoch != ordered
    assert epochs(True)[0] != epochs(True)[1] and epochs(True) == epochs(True, seed=0)
    for epoch in epochs("batch"):
        assert [sorted(batch) for batch in epoch] == ordered
    adapter = ArrayDataAdapter(x, x[:, 0], batch_size=4, shuffle=True, seed=3)
    for xb, yb, _ in adapter.batches():
        np.testing.assert_array_equal(xb[:, 0], yb)  # x and y stay paired
