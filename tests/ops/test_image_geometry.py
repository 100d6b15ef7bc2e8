"""keras.ops.image geometric ops on every backend: against the NumPy references of
tests/reference/image_geometry.py, and against keras (TensorFlow backend) where a reference would be long
(bicubic/area/lanczos and antialiased resizing, perspective, scale_and_translate, ssim). rtol 1e-4, atol 1e-5.

Measured: keras's own backends differ on bicubic resizing (tf.image.resize reads its cubic weights from a
1024-step table, jax.image.resize does not: up to 6e-4 apart); unikeras follows the TensorFlow table, so the
comparison below holds at the common tolerance.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

import unikeras  # noqa: E402
from tests.reference import image_geometry as ref  # noqa: E402
from unikeras.ops import image  # noqa: E402

TOL = {"rtol": 1e-4, "atol": 1e-5}
X = np.random.default_rng(7).uniform(0.0, 1.0, (2, 5, 6, 2)).astype("float32")
# no output pixel lands exactly on a rounding tie or a wrap/reflect boundary (where float32 and float64 differ)
TRANSFORMS = np.array(
    [
        [0.9137, -0.4521, 1.3179, 0.4063, 0.8231, -0.7317, 0.0, 0.0],
        [1.7329, 0.3127, -3.0853, -0.4189, 1.4273, -1.6219, 0.0, 0.0],
    ],
    "float32",
)
N_, C_ = X.shape[0], X.shape[3]
PROJECTIVE = np.array([1.1, 0.1, -0.5, 0.05, 0.9, 0.4, 0.04, -0.05], "float32")


def _np(x):
    return np.asarray(unikeras.ops.convert_to_numpy(x))


def _close(got, expected, **tol):
    got = _np(got)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected, **(tol or TOL))


@functools.cache
def _keras_resizes() -> dict:
    r = keras.ops.image.resize
    return {
        "bicubic_up": np.asarray(r(X, (7, 9), interpolation="bicubic")),
        "bicubic_down": np.asarray(r(X, (3, 4), interpolation="bicubic")),
        "area": np.asarray(r(X, (3, 4), interpolation="area")),
        "lanczos3": np.asarray(r(X, (4, 9), interpolation="lanczos3")),
        "lanczos5_aa": np.asarray(r(X, (3, 4), interpolation="lanczos5", antialias=True)),
        "bilinear_aa": np.asarray(r(X, (2, 4), antialias=True)),
        "crop": np.asarray(r(X, (4, 4), crop_to_aspect_ratio=True)),
        "pad": np.asarray(r(X, (3, 8), pad_to_aspect_ratio=True, fill_value=0.5)),
    }


def test_resize_nearest_and_bilinear_match_numpy_in_both_layouts(backend):
    _close(image.resize(X, (7, 4), interpolation="nearest"), ref.resize_nearest(X, 7, 4))
    _close(image.resize(X, (3, 9)), ref.resize_bilinear(X, 3, 9))
    cf = np.transpose(X, (0, 3, 1, 2))
    expected = np.transpose(ref.resize_bilinear(X, 4, 3), (0, 3, 1, 2))
    _close(image.resize(cf, (4, 3), data_format="channels_first"), expected)
    _close(image.resize(X[0], (4, 3)), ref.resize_bilinear(X[:1], 4, 3)[0])  # one image
    ints = (X * 255).astype("uint8")
    out = image.resize(ints, (7, 4), interpolation="nearest")
    assert unikeras.ops.dtype(out) == "uint8"
    np.testing.assert_array_equal(_np(out), ref.resize_nearest(ints, 7, 4))


def test_resize_other_kernels_antialias_and_aspect_ratio_match_keras(backend):
    k = _keras_resizes()
    _close(image.resize(X, (7, 9), interpolation="bicubic"), k["bicubic_up"])
    _close(image.resize(X, (3, 4), interpolation="bicubic"), k["bicubic_down"])
    _close(image.resize(X, (3, 4), interpolation="area"), k["area"])
    _close(image.resize(X, (4, 9), interpolation="lanczos3"), k["lanczos3"])
    _close(image.resize(X, (3, 4), interpolation="lanczos5", antialias=True), k["lanczos5_aa"])
    _close(image.resize(X, (2, 4), antialias=True), k["bilinear_aa"])
    _close(image.resize(X, (4, 4), crop_to_aspect_ratio=True), k["crop"])
    _close(image.resize(X, (3, 8), pad_to_aspect_ratio=True, fill_value=0.5), k["pad"])


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_transform_every_fill_mode_matches_numpy(backend, interpolation):
    x = X.astype("float64")
    for fill_mode in ("constant", "nearest", "wrap", "reflect"):
        expected = ref.affine_transform(x, TRANSFORMS.astype("float64"), interpolation, fill_mode, 0.25)
        got = image.affine_transform(X, TRANSFORMS, interpolation, fill_mode, 0.25)
        _close(got, expected)
    # one projective transform (c0, c1 != 0) for the whole batch, and channels_first
    expected = ref.affine_transform(x, PROJECTIVE[None], interpolation, "constant", 0)
    _close(image.affine_transform(X, PROJECTIVE, interpolation), expected)
    cf = np.transpose(X, (0, 3, 1, 2))
    expected = ref.affine_transform(x, TRANSFORMS, interpolation, "reflect", 0.0)
    got = image.affine_transform(cf, TRANSFORMS, interpolation, "reflect", data_format="channels_first")
    _close(got, np.transpose(expected, (0, 3, 1, 2)))


@functools.cache
def _keras_warps() -> dict:
    start = np.array([[0, 0], [5, 0], [0, 4], [5, 4]], "float32")
    end = np.array([[0.6, 0.3], [4.5, 0.1], [0.2, 4.0], [5.0, 3.4]], "float32")
    scale, shift = np.array([0.7, 1.6], "float32"), np.array([0.3, -0.8], "float32")
    return {
        "points": (start, end),
        "perspective": np.asarray(keras.ops.image.perspective_transform(X, start, end, fill_value=0.1)),
        "st_linear": np.asarray(keras.ops.image.scale_and_translate(X, (2, 4, 9, 2), scale, shift, (1, 2), "linear")),
        "st_cubic": np.asarray(
            keras.ops.image.scale_and_translate(X, (2, 4, 9, 2), scale, shift, (1, 2), "cubic", antialias=False)
        ),
    }


def test_perspective_transform_and_scale_and_translate_match_keras(backend):
    k = _keras_warps()
    start, end = k["points"]
    _close(image.perspective_transform(X, start, end, fill_value=0.1), k["perspective"])
    scale, shift = [0.7, 1.6], [0.3, -0.8]
    _close(image.scale_and_translate(X, (2, 4, 9, 2), scale, shift, (1, 2), "linear"), k["st_linear"])
    _close(image.scale_and_translate(X, (2, 4, 9, 2), scale, shift, (1, 2), "cubic", antialias=False), k["st_cubic"])


@functools.cache
def _keras_patches() -> dict:
    v = np.random.default_rng(3).normal(size=(1, 4, 5, 6, 2)).astype("float32")
    return {
        "same": np.asarray(keras.ops.image.extract_patches(X, (2, 3), strides=(2, 2), padding="same")),
        "dilated": np.asarray(keras.ops.image.extract_patches(X, 2, strides=1, dilation_rate=2)),
        "volume": v,
        "3d": np.asarray(keras.ops.image.extract_patches_3d(v, (2, 2, 3), strides=(1, 2, 3))),
    }


def test_crop_pad_and_patches(backend):
    _close(image.crop_images(X, top_cropping=1, left_cropping=2, target_height=3, target_width=3), X[:, 1:4, 2:5])
    _close(image.crop_images(X[0], bottom_cropping=1, right_cropping=2, top_cropping=0, left_cropping=1), X[0, :4, 1:4])
    padded = np.pad(X, ((0, 0), (1, 2), (0, 3), (0, 0)))
    _close(image.pad_images(X, top_padding=1, bottom_padding=2, left_padding=0, target_width=9), padded)
    cf = np.transpose(X, (0, 3, 1, 2))
    got = image.pad_images(cf, 1, 0, None, None, 8, 9, data_format="channels_first")
    _close(got, np.transpose(np.pad(X, ((0, 0), (1, 2), (0, 3), (0, 0))), (0, 3, 1, 2)))
    _close(image.extract_patches(X, (2, 3), strides=(2, 1)), ref.extract_patches(X, (2, 3), (2, 1)))
    _close(image.extract_patches(X[0], 2), ref.extract_patches(X[:1], (2, 2), (2, 2))[0])
    k = _keras_patches()
    _close(image.extract_patches(X, (2, 3), strides=(2, 2), padding="same"), k["same"])
    _close(image.extract_patches(X, 2, strides=1, dilation_rate=2), k["dilated"])
    _close(image.extract_patches_3d(k["volume"], (2, 2, 3), strides=(1, 2, 3)), k["3d"])


def test_map_coordinates_every_mode_and_order_matches_numpy(backend):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 5)).astype("float32")
    coords = rng.uniform(-6.0, 10.0, (2, 3, 4)).astype("float32")
    coords[:, 0, :2] = [[1.5, 2.5], [0.5, -0.5]]  # halves round to even with order 0
    for mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
        for order in (0, 1):
            expected = ref.map_coordinates(x.astype("float64"), coords.astype("float64"), order, mode, 0.3)
            _close(image.map_coordinates(x, coords, order, fill_mode=mode, fill_value=0.3), expected)


@functools.cache
def _keras_ssim() -> tuple:
    b = np.clip(X + np.random.default_rng(11).normal(0, 0.2, X.shape), 0, 1).astype("float32")
    return X, b, np.asarray(keras.ops.image.ssim(X, b, filter_size=3, filter_sigma=0.9))


def test_gaussian_blur_sobel_edges_and_ssim(backend):
    _close(image.gaussian_blur(X, (5, 5), (1.3, 1.3)), ref.gaussian_blur(X.astype("float64"), 5, 1.3))
    cf = np.transpose(X, (0, 3, 1, 2))
    got = image.gaussian_blur(cf, (5, 5), (0.8, 0.8), data_format="channels_first")
    _close(got, np.transpose(ref.gaussian_blur(X.astype("float64"), 5, 0.8), (0, 3, 1, 2)))
    _close(image.sobel_edges(X), ref.sobel_edges(X.astype("float64")))
    a, b, expected = _keras_ssim()
    _close(image.ssim(a, b, filter_size=3, filter_sigma=0.9), expected)
    _close(image.ssim(a[0], a[0], filter_size=3, filter_sigma=0.9), np.float32(1.0))


def test_elastic_transform_is_seeded_and_alpha_zero_is_the_identity(backend):
    _close(image.elastic_transform(X, alpha=0.0, sigma=1.0, seed=3), X)
    first = _np(image.elastic_transform(X, alpha=3.0, sigma=1.0, seed=3))
    np.testing.assert_array_equal(first, _np(image.elastic_transform(X, alpha=3.0, sigma=1.0, seed=3)))
    assert np.abs(first - X).max() > 0.05
    # bilinear sampling with reflection mixes pixels of the same image: values stay in its range
    assert first.min() >= X.min() - 1e-6 and first.max() <= X.max() + 1e-6
    nearest = _np(image.elastic_transform(X, 3.0, 1.0, interpolation="nearest", seed=4))
    assert np.isin(nearest[0], X[0]).all()


def _gradient_cases() -> list:
    """(op, cotangent, central differences of the float64 reference of sum(op(x) * cotangent), h = 1e-6)."""
    return [
        (lambda v: image.resize(v, (7, 4)), *_numeric_gradient("resize")),
        (lambda v: image.affine_transform(v, TRANSFORMS, "bilinear", "reflect"), *_numeric_gradient("affine")),
    ]


@functools.cache
def _numeric_gradient(name: str) -> tuple:
    x0 = X.astype("float64")
    if name == "resize":
        reference, out_shape = (lambda a: ref.resize_bilinear(a, 7, 4)), (N_, 7, 4, C_)
    else:
        t = TRANSFORMS.astype("float64")
        reference, out_shape = (lambda a: ref.affine_transform(a, t, "bilinear", "reflect", 0.0)), X.shape
    cotangent = np.random.default_rng(3).normal(size=out_shape)
    numeric = np.zeros_like(x0)
    for idx in np.ndindex(*x0.shape):
        e = np.zeros_like(x0)
        e[idx] = 1e-6
        numeric[idx] = ((reference(x0 + e) - reference(x0 - e)) * cotangent).sum() / 2e-6
    return cotangent, numeric


def test_gradients_of_resize_and_affine_transform_match_finite_differences(backend):
    """Both ops are linear in the images: the gradient of sum(out * cotangent) against central differences
    of the NumPy references, on the shapes of the tests above."""
    variable = unikeras.Variable(X)
    for op, cotangent, numeric in _gradient_cases():

        def loss(op=op, cotangent=cotangent):
            return unikeras.ops.sum(unikeras.ops.multiply(op(variable.value), cotangent.astype("float32")))

        _, grads = unikeras.ops.value_and_grad(loss, [variable])()
        np.testing.assert_allclose(_np(grads[0]), numeric, rtol=1e-3, atol=1e-5)


def test_bad_arguments_raise_naming_the_op(backend):
    with pytest.raises(ValueError, match="resize.*interpolation"):
        image.resize(X, (2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="resize.*size"):
        image.resize(X, (2,))
    with pytest.raises(ValueError, match="resize.*only one of"):
        image.resize(X, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="resize.*rank"):
        image.resize(X[0, 0], (2, 2))
    with pytest.raises(ValueError, match="affine_transform.*fill_mode"):
        image.affine_transform(X, TRANSFORMS, fill_mode="mirror")
    with pytest.raises(ValueError, match="affine_transform.*transform"):
        image.affine_transform(X, TRANSFORMS[:, :6])
    with pytest.raises(ValueError, match="crop_images.*exactly two"):
        image.crop_images(X, top_cropping=1, bottom_cropping=1, target_height=2, left_cropping=0, target_width=2)
    with pytest.raises(ValueError, match="pad_images.*top_padding must be >= 0"):
        image.pad_images(X, top_padding=-1, bottom_padding=0, left_padding=0, right_padding=0)
    with pytest.raises(ValueError, match="map_coordinates.*fill_mode"):
        image.map_coordinates(X[0, :, :, 0], np.zeros((2, 1, 1)), 1, fill_mode="edge")
    with pytest.raises(ValueError, match="perspective_transform.*start_points"):
        image.perspective_transform(X, np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="scale_and_translate.*method"):
        image.scale_and_translate(X, (2, 3, 3, 2), [1, 1], [0, 0], (1, 2), "nearest")
