"""keras.ops.image colour ops (rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb) on every backend against NumPy
(tests/reference/image_color.py) and Keras 3: batched and single images, both data formats, errors."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

import unikeras
from tests.reference import image_color as ref
from unikeras import ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


@functools.cache
def _rgb() -> np.ndarray:
    """Random colours, plus gray, black and pure primaries (the branch points of the hue)."""
    x = np.random.default_rng(7).uniform(0, 1, (2, 3, 4, 3)).astype("float32")
    x[0, 0, :4] = [[0.5, 0.5, 0.5], [0, 0, 0], [1, 0, 0], [0.2, 0.9, 0.9]]
    x[1, 0, :3] = [[0, 1, 0], [0, 0, 1], [0.3, 0.3, 0.8]]
    return x


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _layouts(x: np.ndarray):
    """(input, data_format, back to channels_last) for batched/single and both data formats."""
    yield x, "channels_last", lambda y: y
    yield np.transpose(x, (0, 3, 1, 2)), "channels_first", lambda y: np.transpose(y, (0, 2, 3, 1))
    yield x[1], None, lambda y: y[None]


@pytest.mark.parametrize(
    "name, reference, source",
    [
        ("rgb_to_grayscale", ref.grayscale, _rgb),
        ("rgb_to_hsv", ref.rgb_to_hsv, _rgb),
        ("hsv_to_rgb", ref.hsv_to_rgb, lambda: ref.rgb_to_hsv(_rgb()).astype("float32")),
    ],
)
def test_colour_ops_match_numpy_and_keras(backend, name, reference, source):
    x = source()
    expected = reference(x)
    op = getattr(ops.image, name)
    for data, data_format, back in _layouts(x):
        got = _np(op(data, data_format=data_format))
        assert got.dtype == np.float32
        rows = expected if data.ndim == 4 else expected[1:]
        np.testing.assert_allclose(back(got), rows, rtol=1e-5, atol=1e-6)
        theirs = np.asarray(getattr(keras.ops.image, name)(data, data_format=data_format))
        np.testing.assert_allclose(got, theirs, rtol=1e-5, atol=1e-6)


def test_hsv_round_trip_and_integer_grayscale(backend):
    x = _rgb()
    np.testing.assert_allclose(_np(ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(x))), x, rtol=1e-5, atol=1e-6)
    pixels = np.arange(24, dtype="int32").reshape(2, 2, 2, 3) * 10
    gray = _np(ops.image.rgb_to_grayscale(pixels))
    assert gray.dtype == np.int32
    np.testing.assert_array_equal(gray, ref.grayscale(pixels).astype("int32"))
    one = x[..., :1]
    np.testing.assert_array_equal(_np(ops.image.rgb_to_grayscale(one)), one)


def test_colour_op_errors(backend):
    x = _rgb()
    for name in ("rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb"):
        op = getattr(ops.image, name)
        with pytest.raises(ValueError, match=f"{name}: invalid images rank"):
            op(x[0, 0])
        with pytest.raises(ValueError, match=f"{name}: `data_format`"):
            op(x, data_format="channels_middle")
    with pytest.raises(ValueError, match="rgb_to_grayscale: invalid channel size"):
        ops.image.rgb_to_grayscale(x[..., :2])
    for name in ("rgb_to_hsv", "hsv_to_rgb"):
        with pytest.raises(ValueError, match=f"{name}: invalid images dtype"):
            getattr(ops.image, name)(np.ones((2, 2, 3), "int32"))


def test_image_ops_on_symbolic_inputs_build_a_model_that_saves(backend, tmp_path):
    """ops.image functions called on unikeras.Input record graph nodes, like the other ops."""
    inputs = unikeras.Input((6, 6, 3))
    hsv = ops.image.rgb_to_hsv(ops.image.resize(inputs, (4, 4)))
    model = unikeras.Model(inputs, ops.image.rgb_to_grayscale(ops.image.hsv_to_rgb(hsv)))
    assert tuple(model.outputs[0].shape) == (None, 4, 4, 1)
    x = np.random.default_rng(0).uniform(0, 1, (2, 6, 6, 3)).astype("float32")
    expected = ops.convert_to_numpy(ops.image.rgb_to_grayscale(ops.image.resize(x, (4, 4))))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    model.save(tmp_path / "image_ops.ukeras")
    loaded = unikeras.saving.load_model(tmp_path / "image_ops.ukeras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
