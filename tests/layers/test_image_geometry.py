"""Geometric image layers on every backend: each random layer's transform for given parameters against the
NumPy references of tests/reference/image_geometry.py, the identity at inference, the range of its draws,
seed reproducibility, Keras's constructor errors, and RandomCrop (kept out of the catalogue, see
catalogue_image_geometry.py). Shapes, configs and inference outputs against Keras are in the catalogue."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

import unikeras  # noqa: E402
from tests.layers.catalogue_image_geometry import SHAPE  # noqa: E402
from tests.reference import image_geometry as ref  # noqa: E402
from unikeras import layers  # noqa: E402

TOL = {"rtol": 1e-4, "atol": 1e-4}  # images in [0, 255]: atol 1e-4 is 4e-7 relative to the range
X = np.round(np.random.default_rng(9).uniform(0, 255, SHAPE)).astype("float32")
N, H, W, C = SHAPE


def _np(x):
    return np.asarray(unikeras.ops.convert_to_numpy(x))


def _affine(x, transforms, fill_mode="reflect", interpolation="bilinear", fill=0.0):
    return ref.affine_transform(x.astype("float64"), np.asarray(transforms, float), interpolation, fill_mode, fill)


def test_affine_layers_apply_their_drawn_parameters(backend):
    """Rotation, zoom, translation and shear: the warp of the drawn parameters, per image, as NumPy does it."""
    rotation = layers.RandomRotation(0.3, fill_mode="constant", fill_value=7.0, seed=1)
    t = rotation.get_random_transformation(X)
    angles = _np(t["angle"])
    assert angles.shape == (N,) and np.all(np.abs(angles) <= 0.3 * 360)
    expected = _affine(X, [ref.rotation_transform(a, H, W) for a in angles], "constant", fill=7.0)
    np.testing.assert_allclose(_np(rotation.transform_images(X, t)), expected, **TOL)

    zoom = layers.RandomZoom((-0.4, -0.1), width_factor=(0.2, 0.5), interpolation="nearest", seed=2)
    t = zoom.get_random_transformation(X)
    zh, zw = _np(t["height_zoom"])[:, 0], _np(t["width_zoom"])[:, 0]
    assert np.all((zh >= 0.6) & (zh <= 0.9)) and np.all((zw >= 1.2) & (zw <= 1.5))
    expected = _affine(X, [ref.zoom_transform(a, b, H, W) for a, b in zip(zh, zw)], interpolation="nearest")
    np.testing.assert_allclose(_np(zoom.transform_images(X, t)), expected, **TOL)

    translation = layers.RandomTranslation(0.3, (-0.5, -0.2), fill_mode="wrap", seed=3)
    t = translation.get_random_transformation(X)
    dx, dy = _np(t["translations"]).T
    assert np.all(np.abs(dy) <= 0.3 * H) and np.all((dx >= -0.5 * W) & (dx <= -0.2 * W))
    expected = _affine(X, [ref.translation_transform(a, b) for a, b in zip(dx, dy)], "wrap")
    np.testing.assert_allclose(_np(translation.transform_images(X, t)), expected, **TOL)

    shear = layers.RandomShear(x_factor=0.4, y_factor=(0.1, 0.2), fill_mode="nearest", seed=4)
    t = shear.get_random_transformation(X)
    sx, sy = _np(t["shear_factor"]).T
    assert np.all(np.abs(sx) <= 0.4) and np.all((np.abs(sy) >= 0.1) & (np.abs(sy) <= 0.2))
    expected = _affine(X, [ref.shear_transform(a, b) for a, b in zip(sx, sy)], "nearest")
    np.testing.assert_allclose(_np(shear.transform_images(X, t)), expected, **TOL)


def test_random_layers_are_the_identity_at_inference_and_transform_when_training(backend):
    makers = [
        lambda: layers.RandomFlip(seed=1),
        lambda: layers.RandomRotation(0.25, seed=1),
        lambda: layers.RandomZoom(0.5, seed=1),
        lambda: layers.RandomTranslation(0.4, 0.4, seed=1),
        lambda: layers.RandomShear(0.5, 0.5, seed=1),
        lambda: layers.RandomPerspective(factor=(1.0, 1.0), scale=0.8, seed=1),
        lambda: layers.RandomElasticTransform(factor=(1.0, 1.0), scale=1.0, seed=1),
        lambda: layers.RandomGaussianBlur(factor=(1.0, 1.0), sigma=1.0, seed=1),
    ]
    for make in makers:
        layer = make()
        np.testing.assert_array_equal(_np(layer(X, training=False)), X)
        first = _np(layer(X, training=True))
        assert first.shape == X.shape and first.dtype == np.float32
        # a call without `training` augments, as in Keras (RandomFlip leaves an image as is half the time)
        changes = [np.abs(out - X).max() for out in (first, _np(layer(X)), _np(layer(X)))]
        assert max(changes) > 1.0, type(layer).__name__
        # the same seed replays the same stream
        np.testing.assert_allclose(_np(make()(X, training=True)), first, rtol=1e-6, atol=1e-4)


def test_random_flip_perspective_blur_and_elastic_transforms(backend):
    flip = layers.RandomFlip("horizontal_and_vertical", seed=5)
    flips = np.array([True, False]).reshape(N, 1, 1, 1)
    got = _np(flip.transform_images(X, {"flips": unikeras.ops.convert_to_tensor(flips)}))
    np.testing.assert_array_equal(got, np.where(flips, X[:, ::-1, ::-1], X))
    draws = _np(layers.RandomFlip("vertical", seed=6).get_random_transformation(np.zeros((64, 2, 2, 1)))["flips"])
    assert 10 < draws.sum() < 54  # about half of the images flip

    perspective = layers.RandomPerspective(factor=(1.0, 1.0), scale=0.4, seed=7)
    t = perspective.get_random_transformation(X)
    start, end = _np(t["start_points"]), _np(t["end_points"])
    np.testing.assert_array_equal(start[0], [[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]])
    assert np.all(np.abs(end - start) <= 0.2 * start + 1e-6) and _np(t["apply_perspective"]).all()
    expected = _np(unikeras.ops.image.perspective_transform(X, start, end))
    np.testing.assert_allclose(_np(perspective.transform_images(X, t)), expected, **TOL)

    blur = layers.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=3, sigma=(0.5, 0.5), seed=8)
    t = blur.get_random_transformation(X)
    sigma = _np(t["blur_factor"])
    np.testing.assert_allclose(sigma, [0.5 + 1e-6] * 2, rtol=1e-6)
    expected = np.clip(ref.gaussian_blur(X.astype("float64"), 3, float(sigma[0])), 0, 255)
    np.testing.assert_allclose(_np(blur.transform_images(X, t)), expected, **TOL)

    elastic = layers.RandomElasticTransform(factor=(1.0, 1.0), scale=(0.5, 0.5), value_range=(0, 200), seed=9)
    t = elastic.get_random_transformation(X)
    out = _np(elastic.transform_images(X, t))
    assert out.min() >= 0 and out.max() <= 200 and np.abs(out - np.clip(X, 0, 200)).max() > 1.0
    t["noise"] = unikeras.ops.zeros_like(t["noise"])  # no displacement: only the clipping to value_range
    np.testing.assert_allclose(_np(elastic.transform_images(X, t)), np.clip(X, 0, 200), **TOL)


def test_random_crop(backend):
    layer = layers.RandomCrop(3, 4, seed=3)
    t = layer.get_random_transformation(X, training=True)
    top, left = int(_np(t[0])), int(_np(t[1]))
    assert 0 <= top <= H - 3 and 0 <= left <= W - 4
    np.testing.assert_array_equal(_np(layer.transform_images(X, t)), X[:, top : top + 3, left : left + 4])
    starts = set()
    for _ in range(12):
        t = layer.get_random_transformation(X, training=True)
        starts.add((int(_np(t[0])), int(_np(t[1]))))
    assert len(starts) > 2  # the window moves
    # at inference: the centred window of the target aspect ratio (5 x 6 -> 4.5 x 6 -> 4 rows), resized
    expected = ref.resize_bilinear(X[:, 0:4].astype("float64"), 3, 4)
    np.testing.assert_allclose(_np(layer(X, training=False)), expected, **TOL)
    assert layer.compute_output_shape((None, H, W, C)) == (None, 3, 4, C)
    clone = layers.RandomCrop.from_config(layer.get_config())
    assert clone.get_config() == {k: v for k, v in layer.get_config().items() if k != "build_input_shape"}
    assert set(layer.get_config()) - {"build_input_shape"} == set(keras.layers.RandomCrop(3, 4).get_config())
    cf = layers.RandomCrop(3, 4, seed=3, data_format="channels_first")
    assert _np(cf(np.transpose(X, (0, 3, 1, 2)), training=True)).shape == (N, C, 3, 4)


def test_resizing_and_center_crop(backend):
    np.testing.assert_allclose(_np(layers.Resizing(7, 4)(X)), ref.resize_bilinear(X, 7, 4), **TOL)
    np.testing.assert_allclose(_np(layers.Resizing(7, 4, "nearest")(X)), ref.resize_nearest(X, 7, 4), **TOL)
    ints = X.astype("uint8")
    out = layers.Resizing(7, 4, interpolation="nearest")(ints)
    assert unikeras.ops.dtype(out) == "uint8", "integer images keep their dtype, as in Keras"
    np.testing.assert_array_equal(_np(layers.CenterCrop(3, 4)(X)), X[:, 1:4, 1:5])
    small = layers.CenterCrop(7, 4)(X)  # larger than the input: the centred 5 x 2 window, resized
    np.testing.assert_allclose(_np(small), ref.resize_bilinear(X[:, :, 2:4], 7, 4), **TOL)
    np.testing.assert_allclose(_np(small), np.asarray(keras.layers.CenterCrop(7, 4)(X)), **TOL)


def test_constructor_errors_and_dict_inputs(backend):
    with pytest.raises(ValueError, match="RandomRotation 'rot'.*factor"):
        layers.RandomRotation(1.5, name="rot")
    with pytest.raises(NotImplementedError, match="fill_mode"):  # as Keras
        layers.RandomZoom(0.2, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="interpolation"):
        layers.RandomTranslation(0.1, 0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="RandomZoom.*height_factor"):
        layers.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="RandomShear.*x_factor"):
        layers.RandomShear(x_factor=-0.2)
    with pytest.raises(ValueError, match="RandomFlip.*mode"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="RandomGaussianBlur.*kernel_size"):
        layers.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="RandomPerspective.*scale"):
        layers.RandomPerspective(scale=1.5)
    with pytest.raises(ValueError, match="Resizing.*interpolation"):
        layers.Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match="Resizing.*only one of"):
        layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="CenterCrop.*height"):
        layers.CenterCrop(0, 2)
    with pytest.raises(ValueError, match="RandomFlip 'f'.*only image tensors"):
        layers.RandomFlip(name="f")({"images": X, "bounding_boxes": {}})
    for layer in (layers.Resizing(2, 2, name="r"), layers.RandomTranslation(0.1, 0.1, name="r")):
        with pytest.raises(ValueError, match=f"{type(layer).__name__} 'r'.*rank"):  # Keras: an IndexError
            layer(X[0, 0])
        with pytest.raises(ValueError, match=f"{type(layer).__name__} 'r'.*rank"):
            layer(unikeras.Input((5,)))


def test_augmentation_in_a_trained_model(backend):
    """Inside `fit` the layers augment (training=True); `predict` runs them as the identity."""
    model = unikeras.Sequential(
        [
            unikeras.Input((H, W, C)),
            layers.RandomFlip("horizontal", seed=1),
            layers.RandomTranslation(0.1, 0.1, seed=2),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X / 255.0, np.ones((N, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    plain = unikeras.Sequential([unikeras.Input((H, W, C)), layers.Flatten(), layers.Dense(1)])
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(
        model.predict(X / 255.0, verbose=0), plain.predict(X / 255.0, verbose=0), rtol=1e-5, atol=1e-6
    )
