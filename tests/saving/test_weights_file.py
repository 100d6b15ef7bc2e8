"""save_weights / load_weights: readable, stable keys; exact round trips with the optimizer state
(so training continues as if never interrupted); by-name matching, skip_mismatch and errors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import safetensors.numpy as reference

import unikeras
from unikeras import layers, saving


def _model(units: int = 3):
    return unikeras.Sequential(
        [
            unikeras.Input((6,)),
            layers.Dense(8, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.3),
            layers.Dense(units),
        ]
    )


def _compiled(units: int = 3, optimizer: str = "adam"):
    model = _model(units)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _data(rng, n=32, units=3):
    return rng.standard_normal((n, 6)).astype("float32"), rng.standard_normal((n, units)).astype("float32")


MODEL_KEYS = {
    "dense/kernel",
    "dense/bias",
    "batch_normalization/gamma",
    "batch_normalization/beta",
    "batch_normalization/moving_mean",
    "batch_normalization/moving_variance",
    "dense_1/kernel",
    "dense_1/bias",
}


def test_round_trip_restores_weights_seeds_and_optimizer_so_training_continues_exactly(backend, tmp_path, rng):
    x, y = _data(rng)
    trained = _compiled()
    trained.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    path = tmp_path / "w.weights.safetensors"
    trained.save_weights(path)

    # The file is plain safetensors with readable keys (checked with the reference reader).
    stored = reference.load_file(str(path))
    n_opt = len(trained.optimizer.variables)
    assert set(stored) == MODEL_KEYS | {"dropout/seed_generator"} | {
        f"optimizer/{i}/{v.name}" for i, v in enumerate(trained.optimizer.variables)
    }
    assert stored["optimizer/0/iteration"] == 4 and n_opt == 2 + 2 * 6  # iteration, learning rate, m and v
    generator = trained.layers[2]._seed_generators[0]
    np.testing.assert_array_equal(stored["dropout/seed_generator"], [generator.base, 4])
    metadata = saving.safetensors_io.read_bytes(path.read_bytes())[1]
    assert json.loads(metadata["weights_order"]) == [
        "dense/kernel",
        "dense/bias",
        "batch_normalization/gamma",
        "batch_normalization/beta",
        "batch_normalization/moving_mean",
        "batch_normalization/moving_variance",
        "dense_1/kernel",
        "dense_1/bias",
    ]
    assert metadata["backend"] == backend.name and metadata["optimizer"] == "Adam"

    # A second model (other layer names: dense_2, dense_3, ...) loads it by key.
    restored = _compiled()
    assert restored.layers[0].name != trained.layers[0].name
    restored.load_weights(path)
    for a, b in zip(trained.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert restored.optimizer.built
    for a, b in zip(trained.optimizer.variables, restored.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    # One more epoch each (dropout active): the same weights as uninterrupted training.
    trained.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    restored.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(trained.get_weights(), restored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_by_name_matching_errors_change_nothing_and_skip_mismatch_loads_the_rest(backend, tmp_path):
    source = _model(units=3)
    path = tmp_path / "w.weights.safetensors"
    source.save_weights(path)

    wider = _model(units=5)
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"weight 'dense_1/kernel': the model expects shape \(8, 5\), the file has"):
        wider.load_weights(path)
    for a, b in zip(before, wider.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing was loaded
    with pytest.warns(UserWarning, match="(?s)skip_mismatch=True.*dense_1/kernel"):
        wider.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(wider.layers[0].get_weights()[0], source.layers[0].get_weights()[0])
    np.testing.assert_array_equal(wider.layers[-1].get_weights()[0], before[-2])

    deeper = unikeras.Sequential([unikeras.Input((6,)), layers.Dense(8), layers.BatchNormalization(), layers.Dense(3)])
    deeper.add(layers.Dense(2))
    with pytest.raises(ValueError, match="weight 'dense_2/kernel' .* is missing from the file"):
        deeper.load_weights(path)
    shallower = unikeras.Sequential([unikeras.Input((6,)), layers.Dense(8)])
    with pytest.raises(ValueError, match="weight 'dense_1/kernel' .* in the file has no match in the model"):
        shallower.load_weights(path)
    with pytest.warns(UserWarning, match="no match"):
        shallower.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(shallower.get_weights()[0], source.get_weights()[0])


def test_optimizer_state_mismatches(tmp_path, rng):
    x, y = _data(rng, n=8)
    trained = _compiled(optimizer="adam")
    trained.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "w.weights.safetensors"
    trained.save_weights(path)
    other = _compiled(optimizer="sgd")
    with pytest.warns(UserWarning, match="saved from Adam but model .* is compiled with SGD; its state is not loaded"):
        other.load_weights(path)
    np.testing.assert_array_equal(other.get_weights()[0], trained.get_weights()[0])
    amsgrad = _model()
    amsgrad.compile(optimizer=unikeras.optimizers.Adam(amsgrad=True), loss="mse")
    with pytest.raises(ValueError, match="optimizer 'adam' has 20 variables but the file holds 14"):
        amsgrad.load_weights(path)
    with pytest.warns(UserWarning, match="the optimizer state is not loaded"):
        amsgrad.load_weights(path, skip_mismatch=True)
    uncompiled = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        uncompiled.load_weights(path)  # the optimizer state is ignored silently, as in Keras


def test_keys_follow_attribute_names_and_classes():
    class Block(unikeras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder = layers.Dense(4)
            self.rnn = layers.Bidirectional(layers.GRU(2))
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(self.rnn(self.encoder(x)))

    model = Block()
    model(np.zeros((1, 3, 2), "float32"))
    keys = list(saving.weights_file.model_entries(model)[0])
    assert keys[:2] == ["encoder/kernel", "encoder/bias"]
    assert "rnn/forward_layer/kernel" in keys and "rnn/backward_layer/recurrent_kernel" in keys
    assert keys[-2:] == ["head/kernel", "head/bias"]
    nested = unikeras.Sequential([unikeras.Input((2,)), unikeras.Sequential([layers.Dense(2), layers.Dense(2)])])
    assert list(saving.weights_file.model_entries(nested)[0]) == [
        "sequential/dense/kernel",
        "sequential/dense/bias",
        "sequential/dense_1/kernel",
        "sequential/dense_1/bias",
    ]


def test_a_file_written_by_the_reference_writer_loads(tmp_path, rng):
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
    kernel, bias = rng.standard_normal((3, 2)).astype("float32"), rng.standard_normal(2)  # bias float64: cast
    path = tmp_path / "ref.weights.safetensors"
    reference.save_file({"dense/kernel": kernel, "dense/bias": bias}, str(path))
    model.load_weights(path)
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
    np.testing.assert_array_equal(model.get_weights()[1], bias.astype("float32"))


def test_file_name_and_state_errors(tmp_path):
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"must end in `\.weights\.safetensors`. Received: filepath=.*w\.h5"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="File format not supported"):
        model.load_weights(tmp_path / "w.bin")
    with pytest.raises(FileNotFoundError, match="File not found: filepath=.*missing.weights.safetensors"):
        model.load_weights(tmp_path / "missing.weights.safetensors")
    path = tmp_path / "w.weights.safetensors"
    model.save_weights(path)
    with pytest.raises(FileExistsError, match="already exists and overwrite=False"):
        model.save_weights(path, overwrite=False)
    unbuilt = unikeras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="model '.*' is not built"):
        unbuilt.load_weights(path)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match="w.weights.safetensors: not a valid safetensors file: .*truncated"):
        model.load_weights(path)
    reference.save_file({"dense/kernel": np.zeros((3, 2), "float32")}, str(path), metadata={"format": "other"})
    with pytest.raises(ValueError, match="not a unikeras weights file"):
        model.load_weights(path)
    reference.save_file({}, str(path), metadata={"format": "unikeras.weights", "format_version": "9"})
    with pytest.raises(ValueError, match="weights format version 9 was written by a newer unikeras"):
        model.load_weights(path)
