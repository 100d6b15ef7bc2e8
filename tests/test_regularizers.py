"""Weight regularizers: penalties against NumPy, and added to the training loss."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops, regularizers


@pytest.mark.parametrize(
    "regularizer,expected",
    [
        (regularizers.L1(0.1), lambda w: 0.1 * np.abs(w).sum()),
        (regularizers.L2(0.2), lambda w: 0.2 * (w**2).sum()),
        (regularizers.L1L2(0.1, 0.2), lambda w: 0.1 * np.abs(w).sum() + 0.2 * (w**2).sum()),
        (regularizers.get("l2"), lambda w: 0.01 * (w**2).sum()),
    ],
)
def test_penalties_match_numpy(backend, rng, regularizer, expected):
    w = rng.standard_normal((3, 4)).astype("float32")
    got = float(ops.convert_to_numpy(regularizer(ops.convert_to_tensor(w))))
    np.testing.assert_allclose(got, expected(w.astype("float64")), rtol=1e-5)


def test_regularized_dense_adds_its_penalty_to_the_training_loss(backend, rng):
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    model = unikeras.Sequential(
        [unikeras.Input((4,)), layers.Dense(1, kernel_regularizer=regularizers.L2(0.5), bias_regularizer="l1")]
    )
    kernel, bias = model.get_weights()
    penalty = 0.5 * (kernel**2).sum() + 0.01 * np.abs(bias).sum()
    assert len(model.losses) == 2
    np.testing.assert_allclose(sum(float(ops.convert_to_numpy(p)) for p in model.losses), penalty, rtol=1e-5)
    model.compile(optimizer=unikeras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean((x @ kernel + bias - y) ** 2) + penalty, rtol=1e-5)


def test_regularizer_shrinks_weights_and_round_trips(backend, rng):
    x = rng.standard_normal((64, 4)).astype("float32")
    y = x @ np.full((4, 1), 3.0, dtype="float32")
    norms = []
    for reg in (None, regularizers.L2(3.0)):  # optimum w = 3 / (1 + 3) per weight instead of 3
        unikeras.utils.set_random_seed(0)
        model = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(1, kernel_regularizer=reg)])
        model.compile(optimizer=unikeras.optimizers.SGD(0.05), loss="mse")
        model.fit(x, y, epochs=20, verbose=0)
        norms.append(np.abs(model.get_weights()[0]).sum())
    assert norms[1] < 0.5 * norms[0]
    layer = layers.Dense(2, kernel_regularizer=regularizers.L1L2(0.1, 0.2))
    assert layers.Dense.from_config(layer.get_config()).kernel_regularizer.get_config() == {"l1": 0.1, "l2": 0.2}
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        regularizers.get("l3")


def test_activity_regularizer_penalizes_outputs_per_sample(backend, rng):
    x = rng.standard_normal((8, 3)).astype("float32")
    y = rng.standard_normal((8, 2)).astype("float32")
    layer = layers.Dense(2, activity_regularizer=regularizers.L2(0.1))
    model = unikeras.Sequential([unikeras.Input((3,)), layer])
    kernel, bias = model.get_weights()
    out = x @ kernel + bias
    model(x)
    model(x)  # a second outermost call replaces the first call's penalty instead of adding to it
    assert len(model.losses) == 1
    expected = 0.1 * (out.astype("float64") ** 2).sum() / 8
    np.testing.assert_allclose(float(ops.convert_to_numpy(model.losses[0])), expected, rtol=1e-5)
    model.compile(optimizer=unikeras.optimizers.SGD(0.0), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean((out - y) ** 2) + expected, rtol=1e-5)
    assert layers.Dense.from_config(layer.get_config()).activity_regularizer.get_config() == {"l2": 0.1}


class _Sparsity(layers.Layer):
    """Identity that adds ``rate * mean(|x|)`` to the model's losses."""

    def __init__(self, rate: float, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(ops.multiply(ops.mean(ops.abs(inputs)), self.rate))
        return inputs


def test_add_loss_in_a_shared_layer_counts_every_call_and_trains(backend, rng):
    a, b = unikeras.Input((4,)), unikeras.Input((4,))
    sparsity = _Sparsity(0.5)
    dense = layers.Dense(1)
    outputs = dense(layers.Add()([sparsity(a), sparsity(b)]))
    model = unikeras.Model([a, b], outputs)
    xa = rng.standard_normal((16, 4)).astype("float32")
    xb = rng.standard_normal((16, 4)).astype("float32")
    model([xa, xb])
    model([xa, xb])
    penalties = sorted(float(ops.convert_to_numpy(p)) for p in model.losses)
    np.testing.assert_allclose(penalties, sorted([0.5 * np.abs(xa).mean(), 0.5 * np.abs(xb).mean()]), rtol=1e-5)
    y = rng.standard_normal((16, 1)).astype("float32")
    kernel, bias = model.get_weights()
    model.compile(optimizer=unikeras.optimizers.SGD(0.0), loss="mse")
    loss = model.evaluate([xa, xb], y, batch_size=16, verbose=0)
    expected = np.mean(((xa + xb) @ kernel + bias - y) ** 2) + sum(penalties)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
