"""compile / fit / evaluate / predict on array inputs: learning, History, validation, verbosity,
single-batch methods, and the errors Keras users expect."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers


def _blobs(rng, n=200):
    """Two well separated classes in 4-d."""
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 4)).astype("float32") + 3.0 * y[:, None]
    return x, y


def _classifier(units=2):
    return unikeras.Sequential([unikeras.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(units)])


def test_fit_learns_and_returns_history(backend, rng):
    x, y = _blobs(rng)
    model = _classifier()
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.01),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
    assert history.epoch == [0, 1, 2, 3, 4]
    assert set(history.history) == {"loss", "accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.95
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.95 and loss < history.history["loss"][0]
    predictions = model.predict(x, verbose=0)
    assert predictions.shape == (200, 2)
    np.testing.assert_allclose(np.mean(predictions.argmax(-1) == y), accuracy, atol=1e-6)


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses(backend, rng):
    """With lr=0 the weights never change, so the epoch loss equals the loss over all data."""
    x = rng.standard_normal((50, 4)).astype("float32")
    y = rng.standard_normal((50, 1)).astype("float32")
    model = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    kernel, bias = model.get_weights()
    expected = np.mean((x @ kernel + bias - y) ** 2)
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0, batch_size=7), expected, rtol=1e-5)


def test_validation_split_and_validation_data(backend, rng):
    x, y = _blobs(rng)
    model = _classifier()
    model.compile(
        optimizer="sgd", loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    # Keras takes the last 25 % as validation: evaluating on it reproduces val_loss.
    np.testing.assert_allclose(
        history.history["val_loss"][-1], model.evaluate(x[150:], y[150:], verbose=0)[0], rtol=1e-5
    )
    history = model.fit(x[:100], y[:100], epochs=1, validation_data=(x[100:], y[100:]), verbose=0)
    assert "val_accuracy" in history.history


def test_sample_weight_zero_ignores_samples(backend, rng):
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    weights = np.where(np.arange(32) < 16, 1.0, 0.0).astype("float32")
    model = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.fit(x, y, sample_weight=weights, batch_size=32, epochs=1, shuffle=False, verbose=0)
    after_weighted = model.get_weights()
    model.set_weights(before)
    model.compile(optimizer="sgd", loss="mse")
    # Loss is a sum over the batch / 32: half the samples with weight 1 is the first half's loss * 16/32.
    model.fit(x[:16], y[:16], sample_weight=np.full(16, 0.5, dtype="float32"), batch_size=16, epochs=1, verbose=0)
    for a, b in zip(after_weighted, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", ["mean_squared_error", "binary_crossentropy", "categorical_crossentropy"])
def test_each_loss_name_trains(backend, rng, loss):
    x, labels = _blobs(rng, 64)
    if loss == "categorical_crossentropy":
        y, units, activation = np.eye(2, dtype="float32")[labels], 2, "softmax"
    else:
        y, units, activation = labels[:, None].astype("float32"), 1, "sigmoid"
    model = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(units, activation=activation)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss=loss, metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_verbose_1_draws_a_bar_and_verbose_2_prints_a_line_per_epoch(backend, rng, capsys):
    x, y = _blobs(rng, 64)
    model = _classifier()
    model.compile(
        optimizer="sgd", loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("2/2 - ") and "loss: " in lines[1] and "accuracy: " in lines[1]
    model.fit(x, y, epochs=1, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "2/2 ━" in out and "/step" in out and "loss: " in out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_batch_callbacks_see_running_logs(backend, rng):
    x, y = _blobs(rng, 64)
    seen = []

    class Recorder(unikeras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, dict(logs)))

    model = _classifier()
    model.compile(optimizer="sgd", loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[Recorder()])
    assert [b for b, _ in seen] == [0, 1, 2, 3]
    assert all(set(logs) == {"loss"} and np.isfinite(logs["loss"]) for _, logs in seen)


def test_single_batch_methods(backend, rng):
    x, y = _blobs(rng, 32)
    model = _classifier()
    model.compile(
        optimizer="sgd", loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), rtol=1e-6)


def test_fit_before_compile_is_a_clear_error(backend, rng):
    model = _classifier()
    with pytest.raises(RuntimeError, match="must call compile"):
        model.fit(*_blobs(rng, 8))


def test_x_and_y_of_different_lengths(backend, rng):
    model = _classifier()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="x has 10, y has 9"):
        model.fit(np.zeros((10, 4)), np.zeros((9, 2)), verbose=0)


def test_feature_count_mismatch_names_both_shapes(backend):
    model = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(3, name="first"), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, 4\).*`x` has shape \(10, 5\)"):
        model.fit(np.zeros((10, 5)), np.zeros((10, 2)), verbose=0)
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, 4\).*`x` has shape \(2, 7\)"):
        model.predict(np.zeros((2, 7)), verbose=0)


def test_sparse_labels_out_of_range_are_caught_before_training(backend):
    model = _classifier(units=3)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\).*\[0, 3\]"):
        model.fit(np.zeros((4, 4)), np.array([0, 1, 2, 3]), verbose=0)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        model.evaluate(np.zeros((3, 4)), np.array([0, 1, -1]), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"optimizer": "adamm", "loss": "mse"}, "Unknown optimizer 'adamm'"),
        ({"optimizer": "sgd", "loss": "mse2"}, "Unknown loss 'mse2'"),
        ({"optimizer": "sgd", "loss": "mse", "metrics": ["acc2"]}, "Unknown metric 'acc2'"),
        ({"optimizer": "sgd", "loss": "mse", "metrics": "accuracy"}, "`metrics` must be a list"),
    ],
)
def test_unknown_strings_in_compile(backend, kwargs, match):
    with pytest.raises(ValueError, match=match):
        _classifier().compile(**kwargs)


def test_validation_split_out_of_range(backend, rng):
    model = _classifier()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(np.zeros((10, 4)), np.zeros((10, 2)), validation_split=1.5, verbose=0)


def test_run_eagerly_trains_the_same_as_the_compiled_step(backend, rng):
    x, y = _blobs(rng, 64)
    results = []
    for run_eagerly in (False, True):
        unikeras.utils.set_random_seed(3)
        model = _classifier()
        model.compile(
            optimizer="sgd",
            loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
            run_eagerly=run_eagerly,
        )
        results.append(model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)
