"""ONNX export of the integer lookup and encoding layers: onnxruntime matches ``predict`` on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.export.test_onnx_export import _check_export
from unikeras import layers


def test_lookup_and_encoding_layers(backend, rng, tmp_path):
    tokens = unikeras.Input((4,), dtype="int32")
    values = unikeras.Input((3,))
    outputs = [
        layers.IntegerLookup(vocabulary=[3, 1, 4], mask_token=0)(tokens),
        layers.IntegerLookup(vocabulary=[3, 1, 4], num_oov_indices=2, output_mode="count")(tokens),
        layers.IntegerLookup(vocabulary=[3, 1, 4], output_mode="tf_idf", idf_weights=[0.5, 1.0, 2.0])(tokens),
        layers.CategoryEncoding(num_tokens=6, output_mode="multi_hot")(tokens),
        layers.CategoryEncoding(num_tokens=6, output_mode="one_hot")(tokens),
        layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.7])(values),
        layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.7], output_mode="count")(values),
    ]
    model = unikeras.Model([tokens, values], outputs)

    def data(batch):
        return [rng.integers(-2, 6, (batch, 4)).astype("int32"), rng.standard_normal((batch, 3)).astype("float32")]

    _check_export(model, data, tmp_path / "lookup.onnx")


def test_hashing_has_no_rule(backend, tmp_path):
    tokens = unikeras.Input((2,), dtype="int32")
    model = unikeras.Model(tokens, layers.Hashing(num_bins=3)(tokens))
    with pytest.raises(ValueError, match="Hashing.*no ONNX export rule"):
        model.export(str(tmp_path / "hashing.onnx"))
    assert np.asarray(unikeras.ops.convert_to_numpy(model(np.array([[1, 2]], "int32")))).shape == (1, 2)
