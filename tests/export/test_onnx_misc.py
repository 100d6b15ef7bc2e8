"""ONNX export of the remaining core layers (unikeras/export/onnx_rules_misc.py): a small two-input model
runs in onnxruntime and matches ``predict``; adaptive pooling whose sizes do not divide is refused by name.
The rules read only configs and weights (test_onnx_export.py checks that files do not depend on the
backend), so one backend (torch) runs them, to keep the suite's time small."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.conftest import load_backend
from tests.export.test_onnx_export import _check_export, _randomize
from unikeras import config, layers


@pytest.fixture
def torch_backend():
    load_backend("torch")
    with config.use_backend("torch"):
        yield


def test_misc_layers_export(torch_backend, rng, tmp_path):
    volume = unikeras.Input((4, 6, 3, 2))
    v = layers.ZeroPadding3D(((1, 0), (0, 2), (1, 1)))(volume)  # (5, 8, 5, 2)
    v = layers.Cropping3D(((1, 0), (0, 0), (0, 1)))(v)  # (4, 8, 4, 2)
    v = layers.SpatialDropout3D(0.5)(layers.Conv3D(2, 1)(v))
    first = layers.Cropping3D(1, data_format="channels_first")(layers.ZeroPadding3D(1, data_format="channels_first")(v))
    pooled = [
        layers.AdaptiveAveragePooling3D((2, 4, 2))(v),
        layers.AdaptiveMaxPooling3D((1, 2, 2), data_format="channels_first")(first),
    ]
    sequence = unikeras.Input((6, 4))
    s = layers.RMSNormalization(epsilon=1e-3)(layers.Dense(4)(sequence))
    s = layers.RMSNormalization(axis=(1, 2))(s)
    s = layers.ActivityRegularization(l2=0.1)(layers.GaussianDropout(0.2)(layers.AlphaDropout(0.2)(s)))
    a, b = layers.Identity()([s, sequence])
    outputs = [
        *pooled,
        layers.AdaptiveAveragePooling1D(3)(a),
        layers.AdaptiveMaxPooling2D((2, 2))(layers.Reshape((6, 4, 1))(b)),
    ]
    model = unikeras.Model([volume, sequence], outputs)
    _randomize(model, rng)

    def make(batch):
        return [
            rng.normal(size=(batch, 4, 6, 3, 2)).astype("float32"),
            rng.normal(size=(batch, 6, 4)).astype("float32"),
        ]

    _check_export(model, make, tmp_path / "misc.onnx")


def test_adaptive_pooling_that_does_not_divide_is_refused(torch_backend, tmp_path):
    inputs = unikeras.Input((7, 2))
    model = unikeras.Model(inputs, layers.AdaptiveMaxPooling1D(3, name="ada")(inputs))
    with pytest.raises(
        ValueError, match=r"layer 'ada' \(class AdaptiveMaxPooling1D\): adaptive pooling is exported only"
    ):
        model.export(str(tmp_path / "bad.onnx"))
    assert not (tmp_path / "bad.onnx").exists()
    np.testing.assert_array_equal(model.predict(np.ones((1, 7, 2), "float32"), verbose=0), np.ones((1, 3, 2)))
