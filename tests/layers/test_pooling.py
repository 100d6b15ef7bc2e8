"""Max / average pooling (1-D, 2-D, 3-D) against the NumPy reference, global pooling, output
shapes, config round trip and argument errors.

Note: TensorFlow's 3-D ``"SAME"`` pooling is wrong when a stride exceeds the pool size, so the
3-D cases keep strides <= pool size."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.reference import conv as ref
from unikeras import ops
from unikeras.layers import pooling
from unikeras.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)

POOL = {
    ("max", 1): MaxPooling1D,
    ("max", 2): MaxPooling2D,
    ("max", 3): MaxPooling3D,
    ("avg", 1): AveragePooling1D,
    ("avg", 2): AveragePooling2D,
    ("avg", 3): AveragePooling3D,
}
REFERENCE = {"max": ref.max_pool, "avg": ref.avg_pool}

# (rank, spatial, pool_size, strides (None: pool_size), padding, data_format)
CASES = [
    (1, (7,), (2,), None, "valid", "channels_last"),
    (1, (7,), (3,), (2,), "same", "channels_last"),
    (1, (8,), (3,), (1,), "same", "channels_first"),
    (2, (5, 7), (2, 2), None, "valid", "channels_last"),
    (2, (5, 7), (3, 3), (2, 2), "same", "channels_last"),
    (2, (5, 5), (2, 3), (2, 1), "same", "channels_first"),
    (3, (4, 5, 3), (2, 2, 2), None, "valid", "channels_last"),
    (3, (5, 5, 3), (3, 3, 2), (2, 2, 2), "same", "channels_last"),
    (3, (4, 4, 5), (2, 2, 3), (1, 2, 2), "same", "channels_first"),
]


def _case_id(case) -> str:
    rank, _, pool_size, strides, padding, data_format = case
    strides = "x".join(map(str, strides)) if strides else "default"
    return f"{rank}d-p{'x'.join(map(str, pool_size))}-s{strides}-{padding}-{data_format}"


def _input(rng, spatial, data_format, channels=3, batch=2):
    shape = (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)
    return rng.standard_normal(shape).astype("float32")


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_pooling_matches_reference(backend, rng, kind, case):
    rank, spatial, pool_size, strides, padding, data_format = case
    layer = POOL[kind, rank](pool_size, strides=strides, padding=padding, data_format=data_format)
    x = _input(rng, spatial, data_format)
    out = ops.convert_to_numpy(layer(x))
    expected = REFERENCE[kind](x, pool_size, strides or pool_size, padding, data_format)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert layer.weights == []


def test_pooling_int_arguments_and_default_strides():
    layer = MaxPooling2D(3)
    assert layer.pool_size == (3, 3) and layer.strides == (3, 3) and layer.padding == "valid"
    assert layer.compute_output_shape((None, 10, 7, 4)) == (None, 3, 2, 4)
    assert AveragePooling1D(2, strides=1, padding="same").compute_output_shape((None, 5, 2)) == (None, 5, 2)
    assert MaxPooling1D(2, data_format="channels_first").compute_output_shape((None, 2, None)) == (None, 2, None)


def test_symbolic_output_shape_matches_real_output(backend, rng):
    inputs = unikeras.Input((9, 7, 3))
    layer = AveragePooling2D(3, strides=2, padding="same")
    symbolic = layer(inputs)
    assert symbolic.shape == (None, 5, 4, 3)
    real = ops.convert_to_numpy(layer(rng.standard_normal((2, 9, 7, 3)).astype("float32")))
    assert real.shape == (2,) + symbolic.shape[1:]


def test_max_pooling_gradient_routes_to_maxima(backend):
    x = np.array([[[1.0], [3.0], [2.0], [0.0]]], dtype="float32")
    layer = MaxPooling1D(2)
    variable = unikeras.Variable(x)
    _, grads = ops.value_and_grad(lambda: ops.sum(layer(variable.value)), [variable])()
    np.testing.assert_allclose(ops.convert_to_numpy(grads[0]), [[[0.0], [1.0], [1.0], [0.0]]])


GLOBAL = {
    ("max", 1): GlobalMaxPooling1D,
    ("max", 2): GlobalMaxPooling2D,
    ("max", 3): GlobalMaxPooling3D,
    ("avg", 1): GlobalAveragePooling1D,
    ("avg", 2): GlobalAveragePooling2D,
    ("avg", 3): GlobalAveragePooling3D,
}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_global_pooling(backend, rng, kind, rank, data_format, keepdims):
    spatial = (4, 3, 2)[:rank]
    x = _input(rng, spatial, data_format)
    layer = GLOBAL[kind, rank](data_format=data_format, keepdims=keepdims)
    out = ops.convert_to_numpy(layer(x))
    axes = tuple(range(1, rank + 1)) if data_format == "channels_last" else tuple(range(2, rank + 2))
    expected = (np.max if kind == "max" else np.mean)(x, axis=axes, keepdims=keepdims)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    symbolic = layer(unikeras.Input(x.shape[1:]))
    assert symbolic.shape == (None,) + out.shape[1:]


def test_pooling_config_round_trip(backend, rng):
    layer = AveragePooling3D((2, 1, 2), strides=(1, 1, 2), padding="same", data_format="channels_first", name="p")
    layer(rng.standard_normal((1, 2, 3, 3, 4)).astype("float32"))
    config = layer.get_config()
    clone = AveragePooling3D.from_config(config)
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    assert clone.pool_size == (2, 1, 2) and clone.strides == (1, 1, 2) and clone.padding == "same"
    glob = GlobalMaxPooling2D(data_format="channels_first", keepdims=True, name="g")
    clone = GlobalMaxPooling2D.from_config(glob.get_config())
    assert clone.get_config() == glob.get_config() and clone.keepdims is True


def test_keras_aliases():
    assert pooling.MaxPool2D is MaxPooling2D and pooling.AvgPool3D is AveragePooling3D
    assert pooling.GlobalAvgPool1D is GlobalAveragePooling1D and pooling.GlobalMaxPool3D is GlobalMaxPooling3D


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (MaxPooling2D, {"pool_size": (2, 2, 2)}, r"MaxPooling2D 'bad'.*`pool_size`.*tuple of 2 ints"),
        (MaxPooling2D, {"pool_size": 0}, r"MaxPooling2D 'bad'.*`pool_size`.*positive"),
        (AveragePooling1D, {"strides": 0}, r"AveragePooling1D 'bad'.*`strides`"),
        (AveragePooling2D, {"padding": "full"}, r"AveragePooling2D 'bad'.*`padding`.*'full'"),
        (MaxPooling3D, {"data_format": "ncdhw"}, r"MaxPooling3D 'bad'.*`data_format`"),
        (GlobalAveragePooling2D, {"data_format": "nchw"}, r"GlobalAveragePooling2D 'bad'.*`data_format`"),
    ],
)
def test_pooling_rejects_bad_arguments(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(name="bad", **kwargs)


def test_pooling_rejects_wrong_input_rank(backend, rng):
    with pytest.raises(ValueError, match=r"MaxPooling2D 'probe'.*rank 4.*\(2, 6, 3\)"):
        MaxPooling2D(name="probe")(rng.standard_normal((2, 6, 3)).astype("float32"))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D 'g'.*rank 3"):
        GlobalAveragePooling1D(name="g")(unikeras.Input((4, 4, 3)))
