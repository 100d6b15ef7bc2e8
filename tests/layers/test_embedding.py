"""Embedding: lookup against NumPy indexing, shapes, gradient only on looked-up rows, config, checks."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import initializers, ops
from unikeras.layers.embedding import Embedding


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
