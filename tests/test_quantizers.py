"""unikeras.quantizers against keras.quantizers on every backend."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import ops, quantizers

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


def test_abs_max_quantize_matches_keras(backend):
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    for axis, to_numpy in ((-1, False), (0, True)):
        q, scale = quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
        kq, kscale = keras.quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
        assert ops.dtype(q) == "int8" and ops.dtype(scale) == "float32"
        np.testing.assert_array_equal(ops.convert_to_numpy(q), np.asarray(kq))
        np.testing.assert_allclose(ops.convert_to_numpy(scale), np.asarray(kscale), rtol=1e-6)
    q, scale = quantizers.AbsMaxQuantizer(value_range=(-8, 8))(x, axis=1)
    kq, _ = keras.quantizers.AbsMaxQuantizer(value_range=(-8, 8))(x, axis=1)
    np.testing.assert_array_equal(ops.convert_to_numpy(q), np.asarray(kq))
    amax = np.array([2.0, 0.0, np.inf], "float32")
    old = np.array([0.5, 0.25, 4.0], "float32")
    ours = quantizers.compute_float8_scale(amax, old, 448.0, margin=1)
    theirs = keras.quantizers.compute_float8_scale(amax, old, 448.0, margin=1)
    np.testing.assert_allclose(ops.convert_to_numpy(ours), np.asarray(theirs), rtol=1e-6)


def test_quantizer_config_and_errors():
    quantizer = quantizers.AbsMaxQuantizer(axis=0, value_range=(-100, 100))
    assert quantizer.get_config() == keras.quantizers.AbsMaxQuantizer(axis=0, value_range=(-100, 100)).get_config()
    again = quantizers.deserialize(quantizers.serialize(quantizer))
    assert isinstance(again, quantizers.AbsMaxQuantizer) and again.get_config() == quantizer.get_config()
    assert isinstance(quantizers.get("abs_max_quantizer"), quantizers.AbsMaxQuantizer)
    assert unikeras.Quantizer()(5) == 5
    with pytest.raises(ValueError, match="within"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))
    with pytest.raises(ValueError, match="interpret"):
        quantizers.get(3)
