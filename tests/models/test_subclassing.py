"""Subclassed models and custom layers train unchanged on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops


class Scale(layers.Layer):
    """A custom layer with its own weight: ``x * w``."""

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")

    def call(self, inputs):
        return ops.multiply(inputs, self.w)

    def get_config(self):
        return super().get_config()


class TwoTower(unikeras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = Scale()
        self.hidden = layers.Dense(16, activation="relu")
        self.dropout = layers.Dropout(0.1)
        self.out = layers.Dense(1)

    def call(self, inputs, training=None):
        x = self.hidden(self.scale(inputs))
        return self.out(self.dropout(x, training=training))


def test_subclassed_model_with_custom_layer_trains(backend, rng):
    x = rng.standard_normal((128, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-1.0], [0.5], [2.0]]) + 0.5).astype("float32")
    model = TwoTower(name="towers")
    model.compile(optimizer=unikeras.optimizers.Adam(0.02), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert [w.name for w in model.trainable_weights][:1] == ["w"]
    assert [w.shape for w in model.weights] == [(4,), (4, 16), (16,), (16, 1), (1,)]
    assert model.predict(x[:3], verbose=0).shape == (3, 1)
    assert model.backend is backend


def test_freezing_a_layer_keeps_its_weights(backend, rng):
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    model = TwoTower()
    model.build_for_input_shape((None, 4))
    model.hidden.trainable = False
    frozen = model.hidden.get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    for before, after in zip(frozen, model.hidden.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert len(model.trainable_weights) == 3 and len(model.non_trainable_weights) == 2


class _TwoInputs(unikeras.Model):
    def __init__(self):
        super().__init__()
        self.left = layers.Dense(2)
        self.right = layers.Dense(2)

    def call(self, inputs):
        if isinstance(inputs, dict):
            return self.left(inputs["p"]) + self.right(inputs["q"])
        return self.left(inputs[0]) + self.right(inputs[1])


@pytest.mark.parametrize("form", ["dict", "list"])
def test_subclassed_model_with_several_inputs_builds_fits_and_predicts(backend, rng, form):
    p = rng.normal(size=(16, 3)).astype("float32")
    q = rng.normal(size=(16, 4)).astype("float32")
    x = {"p": p, "q": q} if form == "dict" else [p, q]
    y = rng.normal(size=(16, 2)).astype("float32")
    model = _TwoInputs()
    model.compile(unikeras.optimizers.SGD(0.05), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0).history["loss"]
    assert history[-1] < history[0]
    (kl, bl), (kr, br) = model.left.get_weights(), model.right.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), p @ kl + bl + q @ kr + br, rtol=1e-4, atol=1e-5)
