"""TimeDistributed against NumPy; model parameter counts against Keras's for the same architecture."""

from __future__ import annotations

import os

import numpy as np

import unikeras
from unikeras import layers, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency (pinned in constraints.txt), never one of unikeras


def test_time_distributed_dense(backend, rng):
    layer = layers.TimeDistributed(layers.Dense(3))
    x = rng.standard_normal((2, 5, 4)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 3)
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert layer(unikeras.Input((5, 4))).shape == (None, 5, 3)
    clone = layers.TimeDistributed.from_config(layer.get_config())
    assert clone.layer.units == 3


def test_parameter_counts_match_keras(backend):
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((12, 12, 3)),
                lib.layers.Conv2D(8, 3, padding="same", activation="relu"),
                lib.layers.BatchNormalization(),
                lib.layers.MaxPooling2D(),
                lib.layers.Conv2D(16, 3),
                lib.layers.GlobalAveragePooling2D(),
                lib.layers.Dense(10),
            ]
        )

    ours, theirs = build(unikeras), build(keras)
    assert [layer.count_params() for layer in ours.layers] == [layer.count_params() for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    rnn_ours = unikeras.Sequential([unikeras.Input((7, 5)), layers.LSTM(6, return_sequences=True), layers.GRU(4)])
    rnn_theirs = keras.Sequential(
        [keras.Input((7, 5)), keras.layers.LSTM(6, return_sequences=True), keras.layers.GRU(4)]
    )
    assert rnn_ours.count_params() == rnn_theirs.count_params()
