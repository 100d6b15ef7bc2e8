"""The teaching generators: shapes, dtypes, determinism, and each task learnable by a tiny model."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import config, layers
from unikeras.datasets import synthetic


def test_generators_are_deterministic_and_documented_shapes():
    x, y = synthetic.sequences(50, timesteps=12, num_classes=4, seed=3)
    assert x.shape == (50, 12, 1) and x.dtype == np.float32 and y.dtype == np.uint8 and set(y) <= set(range(4))
    again, y_again = synthetic.sequences(50, timesteps=12, num_classes=4, seed=3)
    np.testing.assert_array_equal(x, again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(x, synthetic.sequences(50, timesteps=12, num_classes=4, seed=4)[0])

    x, y = synthetic.sequences(40, timesteps=6, task="sum", noise=0.0, seed=1)
    assert y.dtype == np.float32 and y.shape == (40,)
    np.testing.assert_allclose(x.sum(axis=(1, 2)), y, rtol=1e-5, atol=1e-5)
    xs, ys = synthetic.sequences(40, timesteps=6, task="sign", noise=0.0, seed=1)
    np.testing.assert_array_equal(ys, (x.sum(axis=(1, 2)) > 0).astype(np.uint8))

    x, y = synthetic.images(30, size=(10, 12), seed=2)
    assert x.shape == (30, 10, 12, 1) and x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_array_equal(x, synthetic.images(30, size=(10, 12), seed=2)[0])
    x8, _ = synthetic.images(30, size=(10, 12), dtype="uint8", channels=None, noise=0.0, seed=2)
    assert x8.shape == (30, 10, 12) and x8.dtype == np.uint8 and set(np.unique(x8)) == {0, 255}
    rgb, _ = synthetic.images(5, channels=3, seed=2)
    assert rgb.shape == (5, 16, 16, 3)
    # each class draws its shape: a line covers few pixels, a square exactly side**2
    x, y = synthetic.images(60, size=16, channels=None, noise=0.0, seed=5)
    pixels = (x > 0.5).sum(axis=(1, 2))
    assert pixels[y == synthetic.SHAPES.index("line")].max() <= 16
    squares = pixels[y == synthetic.SHAPES.index("square")]
    assert all(int(np.sqrt(p)) ** 2 == p and 16 <= p <= 64 for p in squares)

    x, y = synthetic.text(40, sequence_length=10, vocabulary_size=30, seed=0)
    assert x.shape == (40, 10) and x.dtype == np.int32 and 0 <= x.min() and x.max() < 30
    np.testing.assert_array_equal(x, synthetic.text(40, sequence_length=10, vocabulary_size=30, seed=0)[0])
    positive = ((x >= 1) & (x <= 2)).sum(axis=1)  # k = 29 // 10 = 2 positive and 2 negative words
    negative = ((x >= 3) & (x <= 4)).sum(axis=1)
    np.testing.assert_array_equal(y, (positive > negative).astype(np.uint8))


def test_arguments_are_checked():
    with pytest.raises(ValueError, match=r"sequences\(\): `task` must be one of"):
        synthetic.sequences(task="sine")
    with pytest.raises(ValueError, match=r"at most 4 frequencies apart, received num_classes=5"):
        synthetic.sequences(timesteps=10, num_classes=5)
    with pytest.raises(ValueError, match=r"images\(\): `shapes` must name some of"):
        synthetic.images(shapes=("triangle",))
    with pytest.raises(ValueError, match=r"text\(\): `num_samples` must be a positive int, received 0"):
        synthetic.text(0)


def _accuracy(model_layers, loss, train, test, epochs):
    model = unikeras.Sequential(model_layers)
    model.compile(optimizer=unikeras.optimizers.Adam(0.02), loss=loss, metrics=["accuracy"])
    model.fit(*train, epochs=epochs, batch_size=32, verbose=0)
    return model.evaluate(*test, verbose=0, return_dict=True)["accuracy"]


def test_each_task_is_learnable():
    """A tiny model, trained briefly on one backend, does far better than chance on fresh samples."""
    with config.use_backend("torch"):
        unikeras.utils.set_random_seed(0)
        seq = _accuracy(
            [layers.Input((20, 1)), layers.Flatten(), layers.Dense(16, activation="relu"), layers.Dense(3)],
            unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
            synthetic.sequences(300, seed=0),
            synthetic.sequences(300, seed=1),
            epochs=5,
        )
        img = _accuracy(
            [layers.Input((12, 12, 1)), layers.Flatten(), layers.Dense(32, activation="relu"), layers.Dense(3)],
            unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
            synthetic.images(300, size=12, seed=0),
            synthetic.images(300, size=12, seed=1),
            epochs=5,
        )
        txt = _accuracy(
            [layers.Input((20,), dtype="int32"), layers.Embedding(50, 8), layers.GlobalAveragePooling1D()]
            + [layers.Dense(1)],
            unikeras.losses.BinaryCrossentropy(from_logits=True),
            synthetic.text(300, vocabulary_size=50, seed=0),
            synthetic.text(300, vocabulary_size=50, seed=1),
            epochs=5,
        )
    print(seq, img, txt)
    assert seq > 0.6  # 3 classes: chance is 1/3
    assert img > 0.55
    assert txt > 0.7  # 2 classes
