"""The same model on every backend: identical initial weights from one seed, the same weights
after SGD steps, the same per-epoch losses on the digits MLP."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.conftest import BACKENDS, load_backend
from unikeras import layers


def _mlp():
    return unikeras.Sequential(
        [
            unikeras.Input((64,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="tanh"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _on_every_backend(fn):
    results = {}
    for name in BACKENDS:
        load_backend(name)
        with unikeras.config.use_backend(name):
            unikeras.utils.set_random_seed(42)
            results[name] = fn(name)
    return results


def test_same_seed_gives_identical_initial_weights_everywhere():
    weights = _on_every_backend(lambda name: _mlp().get_weights())
    reference = weights[BACKENDS[0]]
    for name, values in weights.items():
        for got, want in zip(values, reference):
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_five_sgd_steps_agree_across_backends():
    rng = np.random.default_rng(7)
    x = rng.random((5 * 16, 64)).astype("float32")
    y = rng.integers(0, 10, 5 * 16)

    def train(name):
        model = _mlp()
        model.compile(optimizer=unikeras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        return model.get_weights()

    weights = _on_every_backend(train)
    reference = weights[BACKENDS[0]]
    for name, values in weights.items():
        for got, want in zip(values, reference):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("optimizer", ["sgd_momentum", "adam"])
def test_optimizer_trajectories_agree_across_backends(optimizer):
    rng = np.random.default_rng(3)
    x = rng.random((64, 64)).astype("float32")
    y = rng.integers(0, 10, 64)

    def train(name):
        model = _mlp()
        opt = (
            unikeras.optimizers.SGD(0.05, momentum=0.9)
            if optimizer == "sgd_momentum"
            else unikeras.optimizers.Adam(1e-3)
        )
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return model.get_weights()

    weights = _on_every_backend(train)
    reference = weights[BACKENDS[0]]
    for name, values in weights.items():
        for got, want in zip(values, reference):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=name)


def test_digits_mlp_epoch_losses_agree_across_backends():
    (x, y), _ = unikeras.datasets.digits.load_data()
    x = (x.reshape(len(x), 64) / 16.0).astype("float32")

    def train(name):
        model = _mlp()
        model.compile(optimizer=unikeras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
        return model.fit(x, y, batch_size=32, epochs=3, verbose=0).history["loss"]  # seeded shuffling

    losses = _on_every_backend(train)
    reference = losses[BACKENDS[0]]
    assert reference[-1] < reference[0]
    for name, values in losses.items():
        np.testing.assert_allclose(values, reference, atol=1e-4, err_msg=name)


def test_two_seeded_fits_on_one_backend_are_identical(backend):
    """Same seed, same backend: the same initial weights, dropout masks and batch order, so the
    same losses and final weights, bit for bit."""
    rng = np.random.default_rng(5)
    x = rng.random((96, 64)).astype("float32")
    y = rng.integers(0, 10, 96)

    def run():
        unikeras.utils.set_random_seed(11)
        model = unikeras.Sequential(
            [unikeras.Input((64,)), layers.Dense(32, activation="relu"), layers.Dropout(0.3), layers.Dense(10)]
        )
        model.compile(
            optimizer=unikeras.optimizers.Adam(1e-2),
            loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0).history["loss"]
        return history, model.get_weights()

    (first_losses, first_weights), (second_losses, second_weights) = run(), run()
    assert first_losses == second_losses
    for a, b in zip(first_weights, second_weights):
        np.testing.assert_array_equal(a, b)
