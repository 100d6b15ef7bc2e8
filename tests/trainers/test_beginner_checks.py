"""The mistakes newcomers make most get a message that says what happened and how to fix it, before any
step runs; valid data passes silently."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import unikeras
from unikeras import config, layers
from unikeras.trainers.beginner_checks import NotCompiledError


def _images(n: int = 6, dtype: str = "float32", channel: bool = False) -> np.ndarray:
    x = np.random.default_rng(0).integers(0, 256, (n, 8, 8) + ((1,) * channel)).astype(dtype)
    return x / 255.0 if dtype.startswith("float") else x


def _classifier(input_shape=(8, 8), units: int = 3, loss: str = "sparse_categorical_crossentropy"):
    model = unikeras.Sequential(
        [unikeras.Input(input_shape), layers.Flatten(), layers.Dense(units, activation="softmax", name="out")]
    )
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    return model


def _unscaled_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "unscaled" in str(w.message)]


def test_wrong_input_shape_names_both_shapes_and_the_fix(backend):
    model = _classifier()
    before = model.get_weights()
    labels = np.array([0, 1, 2, 0, 1, 2])
    flat = _images().reshape(6, 64)
    expected = r"expects input of shape \(batch, 8, 8\).*`x` has shape \(6, 64\).*`x = x\.reshape\(-1, 8, 8\)`"
    with pytest.raises(ValueError, match=expected):
        model.fit(flat, labels, verbose=0)
    with pytest.raises(ValueError, match=expected):
        model.evaluate(flat, labels, verbose=0)
    with pytest.raises(ValueError, match=expected):
        model.predict(flat, verbose=0)
    for old, new in zip(before, model.get_weights()):  # no step ran
        np.testing.assert_array_equal(old, new)

    dense = _classifier(input_shape=(64,))
    with pytest.raises(ValueError, match=r"\(batch, 64\).*\(6, 8, 8\).*x\.reshape\(len\(x\), -1\).*Flatten"):
        dense.fit(_images(), labels, verbose=0)

    inputs = unikeras.Input((8, 8, 1), name="pixels")
    outputs = layers.Dense(3)(layers.Flatten()(layers.Conv2D(2, 3)(inputs)))
    functional = unikeras.Model(inputs, outputs)
    functional.compile(optimizer="sgd", loss="mse")
    with pytest.raises(
        ValueError, match=r"\(batch, 8, 8, 1\).*\(6, 8, 8\).*channel axis is missing.*expand_dims\(x, -1\)"
    ):
        functional.predict(_images(), verbose=0)

    no_input = unikeras.Sequential([layers.Conv2D(2, 3, name="c"), layers.Flatten(), layers.Dense(3)])
    no_input.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"Conv2D 'c'.*\(batch, height, width, channels\).*\(6, 8, 8\).*np\.expand_dims\(x, -1\)"
    ):
        no_input.fit(_images(), labels, verbose=0)


def test_one_hot_labels_with_sparse_loss_and_integer_labels_with_categorical_loss(backend):
    x, labels = _images(), np.array([0, 1, 2, 0, 1, 2])
    one_hot = np.eye(3, dtype="float32")[labels]
    sparse = _classifier()
    looks_one_hot = (
        r"shape \(6, 3\), one column per class, so they look one-hot.*categorical_crossentropy.*y\.argmax\(-1\)"
    )
    with pytest.raises(ValueError, match=looks_one_hot):
        sparse.fit(x, one_hot, verbose=0)
    with pytest.raises(ValueError, match=looks_one_hot):
        sparse.evaluate(x, one_hot, verbose=0)

    categorical = _classifier(loss="categorical_crossentropy")
    fix = r"sparse_categorical_crossentropy.*unikeras\.utils\.to_categorical\(y, num_classes=3\)"
    for y in (labels, labels[:, None], labels.astype("float32")):
        with pytest.raises(ValueError, match=r"shape \(6,( 1)?\) and hold integer class labels.*" + fix):
            categorical.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match=r"labels `y` have 5 columns \(shape \(6, 5\)\).*outputs 3 classes"):
        categorical.evaluate(x, np.zeros((6, 5), "float32"), verbose=0)
    categorical.compile(optimizer="sgd", loss=unikeras.losses.CategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match=fix):
        categorical.fit(x, labels, verbose=0)

    # a Dense layer on images without Flatten predicts per row, not per image
    rows = unikeras.Sequential([unikeras.Input((8, 8)), layers.Dense(3, activation="softmax")])
    rows.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"output of shape \(batch, 8, 3\).*add layers\.Flatten\(\)"):
        rows.fit(x, labels, verbose=0)

    # several outputs: the message names the output
    inputs = unikeras.Input((4,))
    model = unikeras.Model(inputs, [layers.Dense(3, name="kind")(inputs), layers.Dense(1, name="size")(inputs)])
    model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"])
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy of output 'kind'.*look one-hot"):
        model.fit(np.zeros((6, 4), "float32"), [one_hot, np.zeros((6, 1), "float32")], verbose=0)


def test_fit_before_compile_says_how_to_compile():
    model = unikeras.Sequential([unikeras.Input((2,)), layers.Dense(1)])
    x, y = np.zeros((2, 2), "float32"), np.zeros((2, 1), "float32")
    message = r"You must call compile\(\) before {}\(\): model\.compile\(optimizer='adam', loss=\.\.\.\)"
    for method, call in (
        ("fit", lambda: model.fit(x, y, verbose=0)),
        ("evaluate", lambda: model.evaluate(x, y, verbose=0)),
        ("train_on_batch", lambda: model.train_on_batch(x, y)),
        ("test_on_batch", lambda: model.test_on_batch(x, y)),
    ):
        with pytest.raises(NotCompiledError, match=message.format(method)) as info:
            call()
        assert isinstance(info.value, RuntimeError) and isinstance(info.value, ValueError)  # Keras raises ValueError
    assert model.predict(x, verbose=0).shape == (2, 1)  # predict needs no compile, as in Keras


def test_integer_images_warn_once_per_fit_and_still_train(backend):
    labels = np.array([0, 1, 2, 0, 1, 2])
    model = _classifier()
    pixels = _images(dtype="uint8")
    with pytest.warns(UserWarning, match=r"uint8 values up to 2\d\d.*`x = x / 255\.0`.*Rescaling\(1 / 255\)") as record:
        history = model.fit(pixels, labels, epochs=2, batch_size=3, validation_data=(pixels, labels), verbose=0)
    assert len(_unscaled_warnings(record)) == 1
    assert np.all(np.isfinite(history.history["loss"]))

    rescaled = unikeras.Sequential(
        [unikeras.Input((8, 8)), layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(3, activation="softmax")]
    )
    rescaled.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = rescaled.fit(pixels, labels, epochs=1, verbose=0)
    assert _unscaled_warnings(record) == []
    assert np.isfinite(history.history["loss"][0])


def test_valid_data_passes_silently():
    """Sparse labels of shape (n,) and (n, 1), one-hot labels with categorical cross-entropy, scaled images
    and integer token ids for an Embedding: no error, no warning."""
    with config.use_backend("torch"):
        x, labels = _images(), np.array([0, 1, 2, 0, 1, 2])
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            model = _classifier()
            model.fit(x, labels, verbose=0)
            model.fit(x, labels[:, None].astype("int64"), verbose=0)
            model.fit(x, labels.astype("float32"), verbose=0)
            model.compile(optimizer="sgd", loss="categorical_crossentropy")
            model.fit(x, np.eye(3, dtype="float32")[labels], verbose=0)
            model.fit(x, np.full((6, 3), 1 / 3, "float32"), verbose=0)  # soft labels
            channels = _classifier(input_shape=(8, 8, 1))
            channels.fit(_images(channel=True), labels, verbose=0)
            binary = unikeras.Sequential([unikeras.Input((8, 8)), layers.Flatten(), layers.Dense(1)])
            binary.compile(optimizer="sgd", loss="binary_crossentropy")
            binary.fit((x > 0.5).astype("uint8").reshape(6, 8, 8), (labels > 0).astype("float32"), verbose=0)
            tokens = unikeras.Sequential(
                [unikeras.Input((5,), dtype="int32"), layers.Embedding(300, 2), layers.Flatten(), layers.Dense(3)]
            )
            tokens.compile(optimizer="sgd", loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True))
            tokens.fit(np.arange(30).reshape(6, 5) * 9, labels, verbose=0)  # ids up to 261: not pixels
        assert _unscaled_warnings(record) == []
