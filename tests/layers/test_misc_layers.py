"""UpSampling1D/2D, Rescaling, GaussianNoise, SpatialDropout1D/2D: forward against NumPy, symbolic
output shapes, config round trip, training/inference behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import ops
from unikeras.layers import (
    GaussianNoise,
    Rescaling,
    SpatialDropout1D,
    SpatialDropout2D,
    UpSampling1D,
    UpSampling2D,
)


def _symbolic_shape(layer, shape):
    return layer(unikeras.Input(shape[1:], batch_size=shape[0])).shape


@pytest.mark.parametrize("size", [2, 3])
def test_upsampling1d(backend, rng, size):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    out = ops.convert_to_numpy(UpSampling1D(size)(x))
    np.testing.assert_array_equal(out, np.repeat(x, size, axis=1))
    assert out.shape == _symbolic_shape(UpSampling1D(size), x.shape)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d(backend, rng, data_format):
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    layer = UpSampling2D((2, 3), data_format=data_format)
    out = ops.convert_to_numpy(layer(x))
    rows, cols = (1, 2) if data_format == "channels_last" else (2, 3)
    np.testing.assert_array_equal(out, np.repeat(np.repeat(x, 2, axis=rows), 3, axis=cols))
    assert out.shape == _symbolic_shape(UpSampling2D((2, 3), data_format=data_format), x.shape)


def test_upsampling_errors(backend):
    with pytest.raises(ValueError, match="interpolation='nearest'.*bilinear"):
        UpSampling2D(interpolation="bilinear")
    with pytest.raises(ValueError, match="size"):
        UpSampling1D(0)
    with pytest.raises(ValueError, match="size"):
        UpSampling2D((2, 2, 2))
    with pytest.raises(ValueError, match="expected an input of rank 4"):
        UpSampling2D()(unikeras.Input((3, 4)))


def test_rescaling(backend, rng):
    x = rng.standard_normal((2, 3)).astype("float32")
    out = ops.convert_to_numpy(Rescaling(1 / 255.0, offset=-0.5)(x))
    np.testing.assert_allclose(out, x / 255.0 - 0.5, rtol=1e-5, atol=1e-7)
    ints = ops.convert_to_numpy(Rescaling(0.5)(np.arange(4, dtype="int32").reshape(2, 2)))
    assert ints.dtype == np.float32
    np.testing.assert_allclose(ints, np.arange(4).reshape(2, 2) * 0.5)
    assert _symbolic_shape(Rescaling(2.0), (None, 3, 4)) == (None, 3, 4)


def test_gaussian_noise_identity_at_inference_and_std_in_training(backend):
    layer = GaussianNoise(0.5, seed=7)
    x = np.full((200, 100), 3.0, dtype="float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, training=False)), x)
    first = ops.convert_to_numpy(layer(x, training=True))
    second = ops.convert_to_numpy(layer(x, training=True))
    assert not np.array_equal(first, second)
    noise = np.concatenate([first, second]) - 3.0
    assert abs(noise.std() - 0.5) < 0.05
    assert abs(noise.mean()) < 0.01
    assert _symbolic_shape(GaussianNoise(0.1), (None, 4)) == (None, 4)


def test_gaussian_noise_is_reproducible(backend):
    x = np.zeros((8, 8), dtype="float32")
    a = ops.convert_to_numpy(GaussianNoise(1.0, seed=3)(x, training=True))
    b = ops.convert_to_numpy(GaussianNoise(1.0, seed=3)(x, training=True))
    np.testing.assert_array_equal(a, b)


def _check_channel_dropout(out, x, rate, channel_axis, spatial_axes):
    """Every (sample, channel) slice is either all zeros or x / (1 - rate)."""
    kept = np.isclose(out, x / (1 - rate), rtol=1e-5)
    dropped = out == 0
    assert np.all(kept | dropped)
    per_channel_kept = kept.all(axis=spatial_axes)
    per_channel_dropped = dropped.all(axis=spatial_axes)
    assert np.all(per_channel_kept | per_channel_dropped)  # whole channels only
    assert abs(per_channel_dropped.mean() - rate) < 0.05
    assert per_channel_dropped.shape[1] == x.shape[channel_axis]


def test_spatial_dropout1d(backend, rng):
    layer = SpatialDropout1D(0.4, seed=5)
    x = (rng.random((100, 6, 20)) + 0.5).astype("float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)
    out = ops.convert_to_numpy(layer(x, training=True))
    _check_channel_dropout(out, x, 0.4, 2, (1,))
    assert _symbolic_shape(SpatialDropout1D(0.1), (None, 6, 20)) == (None, 6, 20)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_dropout2d(backend, rng, data_format):
    layer = SpatialDropout2D(0.3, data_format=data_format, seed=2)
    shape = (60, 3, 4, 10) if data_format == "channels_last" else (60, 10, 3, 4)
    x = (rng.random(shape) + 0.5).astype("float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)
    out = ops.convert_to_numpy(layer(x, training=True))
    if data_format == "channels_last":
        _check_channel_dropout(out, x, 0.3, 3, (1, 2))
    else:
        _check_channel_dropout(out, x, 0.3, 1, (2, 3))


def test_spatial_dropout_errors(backend):
    with pytest.raises(ValueError, match=r"rate.*\[0, 1\)"):
        SpatialDropout1D(1.0)
    with pytest.raises(ValueError, match="expected an input of rank 3"):
        SpatialDropout1D(0.5)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="stddev"):
        GaussianNoise(-1.0)


@pytest.mark.parametrize(
    "layer",
    [
        UpSampling1D(3, name="u1"),
        UpSampling2D((2, 3), data_format="channels_first"),
        Rescaling(0.5, offset=1.0),
        GaussianNoise(0.2, seed=4),
        SpatialDropout1D(0.25, seed=1),
        SpatialDropout2D(0.5, data_format="channels_last"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(backend, layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
