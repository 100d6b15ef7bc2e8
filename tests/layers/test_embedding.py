"""Embedding: lookup against NumPy indexing, shapes, gradient only on looked-up rows, config, checks,
mask_zero, regularizer, constraint, initial weights."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import initializers, ops
from unikeras.layers.embedding import Embedding
from unikeras.layers.layer import get_keras_mask

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def test_lookup_matches_numpy(backend, rng):
    layer = Embedding(10, 4)
    ids = rng.integers(0, 10, (3, 5))
    out = ops.convert_to_numpy(layer(ids))
    (table,) = layer.get_weights()
    assert table.shape == (10, 4)
    assert np.all(np.abs(table) <= 0.05)
    np.testing.assert_array_equal(out, table[ids])
    # float inputs holding integers are cast
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(ids.astype("float32"))), table[ids])


def test_symbolic_shape_matches_real(backend, rng):
    symbolic = Embedding(7, 3)(unikeras.Input((5,)))
    layer = Embedding(7, 3)
    real = layer(rng.integers(0, 7, (2, 5)))
    assert symbolic.shape == (None, 5, 3)
    assert tuple(ops.shape(real)) == (2, 5, 3) == layer.compute_output_shape((2, 5))


def test_gradient_reaches_only_looked_up_rows(backend, rng):
    layer = Embedding(6, 3)
    ids = np.array([[0, 2, 2], [4, 0, 2]])
    layer(ids)
    weights = rng.standard_normal((2, 3, 3)).astype("float32")

    def loss_fn():
        return ops.sum(ops.multiply(layer(ids), weights))

    _, (grad,) = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    grad = ops.convert_to_numpy(grad)
    expected = np.zeros((6, 3), "float32")
    np.add.at(expected, ids.reshape(-1), weights.reshape(-1, 3))
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-6)
    assert np.all(grad[[1, 3, 5]] == 0)


def test_config_round_trip(backend):
    layer = Embedding(11, 2, name="emb")
    assert isinstance(layer.embeddings_initializer, initializers.RandomUniform)
    clone = Embedding.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert (clone.input_dim, clone.output_dim) == (11, 2)


@pytest.mark.parametrize("args", [(0, 3), (3, -1), (2.5, 3), (3, True)])
def test_bad_arguments_name_the_layer(args):
    with pytest.raises(ValueError, match=r"Embedding 'bad'"):
        Embedding(*args, name="bad")


def test_trains_in_a_model(backend, rng):
    ids = rng.integers(0, 8, (64, 1))
    y = (ids[:, 0] % 2).astype("float32")[:, None]
    model = unikeras.Sequential(
        [unikeras.Input((1,)), Embedding(8, 4), unikeras.layers.Flatten(), unikeras.layers.Dense(1)]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(ids.astype("float32"), y, batch_size=16, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


# ---------------------------------------------------------------------- mask_zero, regularizer, constraint, weights
def test_mask_zero(backend, rng):
    ids = np.array([[3, 1, 0, 0], [0, 2, 5, 0]])
    layer = Embedding(6, 2, mask_zero=True)
    out = layer(ids)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.compute_mask(ops.convert_to_tensor(ids))), ids != 0)
    mask = get_keras_mask(out)  # attached to the output for the next layer
    np.testing.assert_array_equal(ops.convert_to_numpy(mask), ids != 0)
    np.testing.assert_array_equal(ops.convert_to_numpy(out), layer.get_weights()[0][ids])  # zeros still embed
    plain = Embedding(6, 2)
    assert plain.compute_mask(ops.convert_to_tensor(ids)) is None
    assert get_keras_mask(plain(ids)) is None
    assert layer.supports_masking and not plain.supports_masking


def test_regularizer_constraint_and_initial_weights(backend, rng):
    table = rng.uniform(-1.0, 1.0, (5, 3)).astype("float32")
    layer = Embedding(5, 3, embeddings_regularizer="l2", embeddings_constraint="non_neg", weights=table)
    assert layer.built
    np.testing.assert_array_equal(layer.get_weights()[0], table)
    (penalty,) = layer.losses
    np.testing.assert_allclose(
        float(ops.convert_to_numpy(penalty)), 0.01 * np.sum(table.astype("float64") ** 2), rtol=1e-5
    )
    model = unikeras.Sequential([unikeras.Input((2,)), layer, unikeras.layers.Flatten(), unikeras.layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    model.fit(np.array([[1, 2], [3, 4]]), np.ones((2, 1), "float32"), epochs=1, verbose=0)
    assert layer.get_weights()[0].min() >= 0.0  # the constraint ran after the update
    np.testing.assert_array_equal(Embedding(5, 3, weights=[table]).get_weights()[0], table)
    with pytest.raises(ValueError, match=r"Embedding '.*': `weights` must have shape \(5, 3\)"):
        Embedding(5, 3, weights=np.zeros((3, 5)))


def test_keras_signature_and_config(backend):
    layer = Embedding(9, 4, mask_zero=True, embeddings_regularizer="l1", embeddings_constraint="unit_norm")
    config = layer.get_config()
    clone = Embedding.from_config(config)
    assert clone.get_config() == config and clone.mask_zero
    assert config["embeddings_regularizer"]["class_name"] == "L1"
    assert config["embeddings_constraint"]["class_name"] == "UnitNorm"
    theirs = set(keras.layers.Embedding(9, 4).get_config())
    assert theirs - set(config) == {"quantization_config"}  # no quantization here
    assert set(config) - theirs == set()
    with pytest.warns(UserWarning, match="input_length"):
        Embedding(9, 4, input_length=3)
