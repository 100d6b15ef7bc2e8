"""A model trained and saved on one backend loads on every other one: the same weights and
optimizer state, and predictions within rtol 1e-4, atol 1e-5 (every ordered pair of backends)."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.conftest import BACKENDS, load_backend
from unikeras import config, layers, saving


def _model():
    inputs = unikeras.Input((5,))
    x = layers.Dense(8, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    return unikeras.Model(inputs, outputs)


@pytest.mark.parametrize("source", BACKENDS)
def test_saved_on_one_backend_loads_on_every_other(source, tmp_path):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 5)).astype("float32")
    y = rng.integers(0, 3, 16)
    load_backend(source)
    with config.use_backend(source):
        unikeras.utils.set_random_seed(7)
        model = _model()
        model.compile(optimizer=unikeras.optimizers.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        expected = model.predict(x, verbose=0)
        weights = model.get_weights()
        slots = [v.numpy() for v in model.optimizer.variables]
        path = tmp_path / f"{source}.ukeras"
        model.save(path)
    for target in BACKENDS:
        if target == source:
            continue
        adapter = load_backend(target)
        with config.use_backend(target):
            loaded = saving.load_model(path)
            assert loaded.backend is adapter
            for saved, restored in zip(weights, loaded.get_weights()):
                np.testing.assert_array_equal(restored, saved)
            assert [v.name for v in loaded.optimizer.variables] == [v.name for v in model.optimizer.variables]
            for saved, restored in zip(slots, loaded.optimizer.variables):
                np.testing.assert_array_equal(np.asarray(restored.numpy()), saved)
            np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
