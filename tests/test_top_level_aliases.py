"""Keras's top-level names (keras.Layer, keras.Loss, ..., keras.version()) on unikeras."""

from __future__ import annotations

import os

import numpy as np

import unikeras
from unikeras import ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


def test_top_level_names_are_the_namespaced_classes():
    pairs = {
        "Layer": unikeras.layers.Layer,
        "Loss": unikeras.losses.Loss,
        "Metric": unikeras.metrics.Metric,
        "Optimizer": unikeras.optimizers.Optimizer,
        "Initializer": unikeras.initializers.Initializer,
        "Regularizer": unikeras.regularizers.Regularizer,
        "FloatDTypePolicy": unikeras.dtype_policies.FloatDTypePolicy,
        "KerasTensor": type(unikeras.Input((2,))),
    }
    for name, cls in pairs.items():
        assert getattr(unikeras, name) is cls
        assert getattr(keras, name).__name__ == cls.__name__
    assert isinstance(unikeras.version(), str) and unikeras.version() == unikeras.__version__
    assert isinstance(keras.version(), str)


def test_keras_style_subclasses_of_the_top_level_bases_train(backend, rng):
    class Scale(unikeras.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, x):
            return ops.multiply(x, self.scale)

    class MeanAbsolute(unikeras.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)

    x = rng.standard_normal((32, 3)).astype("float32")
    y = x * np.array([2.0, -1.0, 0.5], "float32")
    model = unikeras.Sequential([unikeras.Input((3,)), Scale()])
    model.compile(optimizer=unikeras.optimizers.SGD(0.5), loss=MeanAbsolute())
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert isinstance(model.layers[0].output, unikeras.KerasTensor)
