"""Optimizers' ``use_ema`` (Polyak averaging) and the SwapEMAWeights callback, against NumPy and Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import callbacks, layers, optimizers

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

GRADS = [np.array([[0.5, -1.0], [2.0, 0.25]], "float32"), np.array([1.0, -3.0], "float32")]
START = [np.array([[1.0, 2.0], [-1.0, 0.5]], "float32"), np.array([0.1, -0.2], "float32")]


def _numpy_sgd_ema(steps: int, lr: float, momentum: float, overwrite: int | None) -> tuple[list, list]:
    """Plain SGD, then Keras's EMA rule, then the overwrite every ``overwrite`` updates."""
    weights = [w.astype("float64") for w in START]
    averages = [np.zeros_like(w) for w in weights]
    for iteration in range(steps):
        weights = [w - lr * g for w, g in zip(weights, GRADS)]
        m = momentum if iteration else 0.0
        averages = [m * a + (1 - m) * w for a, w in zip(averages, weights)]
        if overwrite and (iteration + 1) % overwrite == 0:
            weights = [a.copy() for a in averages]
    return weights, averages


@pytest.mark.parametrize("overwrite", [None, 2])
def test_moving_averages_follow_numpy_and_keras(backend, overwrite):
    variables = [unikeras.Variable(w) for w in START]
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=overwrite)
    k_variables = [keras.Variable(w) for w in START]
    k_opt = keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=overwrite)
    for _ in range(3):
        opt.apply([backend.convert_to_tensor(g) for g in GRADS], variables)
        k_opt.apply(GRADS, k_variables)
    weights, averages = _numpy_sgd_ema(3, 0.1, 0.8, overwrite)
    got_averages = [a.numpy() for a in opt._model_variables_moving_average]
    for got, want, k in zip(got_averages, averages, k_opt._model_variables_moving_average):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got, keras.ops.convert_to_numpy(k), rtol=1e-5, atol=1e-6)
    for v, want, k in zip(variables, weights, k_variables):
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(v.numpy(), keras.ops.convert_to_numpy(k), rtol=1e-5, atol=1e-6)
    assert all(a.name.endswith("_average") for a in opt._model_variables_moving_average)
    assert len(opt.variables) == len(k_opt.variables)


def test_ema_arguments_are_checked_and_serialized():
    with pytest.raises(ValueError, match=r"`ema_momentum` must be in the range \[0, 1\]"):
        optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="`ema_overwrite_frequency` must be an integer >= 1 or None"):
        optimizers.Adam(use_ema=True, ema_overwrite_frequency=-1)
    opt = optimizers.Adam(use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=5)
    config = opt.get_config()
    assert {k: config[k] for k in ("use_ema", "ema_momentum", "ema_overwrite_frequency")} == {
        "use_ema": True,
        "ema_momentum": 0.9,
        "ema_overwrite_frequency": 5,
    }
    assert set(config) <= set(keras.optimizers.Adam().get_config())
    clone = optimizers.Adam.from_config(config)
    assert clone.use_ema and clone.ema_momentum == 0.9 and clone.ema_overwrite_frequency == 5


class _AveragesAtEpochEnd(callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.averages = [a.numpy().copy() for a in self.model.optimizer._model_variables_moving_average]
        self.weights = [w.numpy().copy() for w in self.model.trainable_weights]


def _model():
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5), loss="mse")
    return model


def test_fit_ends_with_the_averages_and_swap_ema_weights_evaluates_with_them(backend, rng):
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 2)).astype("float32")
    model = _model()
    seen = _AveragesAtEpochEnd()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[seen])
    assert not all(np.allclose(a, w) for a, w in zip(seen.averages, seen.weights))  # they differ in training
    for weight, average in zip(model.trainable_weights, seen.averages):
        np.testing.assert_allclose(weight.numpy(), average, rtol=1e-6)

    # after more training, evaluation inside SwapEMAWeights sees the averages and the weights come back
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[seen])
    model.optimizer.use_ema = True
    trained = [w.numpy().copy() for w in model.trainable_weights]
    averages = [a.numpy().copy() for a in model.optimizer._model_variables_moving_average]
    swap = callbacks.SwapEMAWeights()
    swap.set_model(model)
    swap.on_test_begin()
    for weight, average in zip(model.trainable_weights, averages):
        np.testing.assert_allclose(weight.numpy(), average, rtol=1e-6)
    kernel, bias = (a.astype("float64") for a in averages)
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ kernel + bias, rtol=1e-4, atol=1e-5)
    swap.on_test_end()
    for weight, value in zip(model.trainable_weights, trained):
        np.testing.assert_allclose(weight.numpy(), value, rtol=1e-6)


def test_swap_ema_weights_needs_an_ema_optimizer(backend, rng):
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x = rng.standard_normal((4, 3)).astype("float32")
    with pytest.raises(ValueError, match="SwapEMAWeights must be used when `use_ema=True`"):
        model.evaluate(x, x[:, :2], verbose=0, callbacks=[callbacks.SwapEMAWeights()])
