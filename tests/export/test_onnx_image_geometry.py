"""ONNX export of the geometric image layers at inference: onnxruntime against the model's own ``predict``
(rtol 1e-4, atol 1e-5) at two batch sizes; the random layers export as Identity (RandomCrop as its
inference crop-and-resize), and what has no exact ONNX counterpart is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.export.test_onnx_export import _check_export
from unikeras import layers


def _images(rng, *shape):
    return lambda batch: [rng.uniform(0.0, 1.0, (batch, *shape)).astype("float32")]


def test_resizing_center_crop_and_random_layers_export(backend, rng, tmp_path):
    model = unikeras.Sequential(
        [
            unikeras.Input((7, 9, 2)),
            layers.RandomFlip(seed=1),
            layers.RandomRotation(0.2, seed=2),
            layers.RandomZoom(0.2, seed=3),
            layers.RandomTranslation(0.1, 0.2, seed=4),
            layers.RandomShear(0.2, seed=5),
            layers.RandomPerspective(seed=6),
            layers.RandomElasticTransform(seed=7),
            layers.RandomGaussianBlur(seed=8),
            layers.Resizing(11, 5),  # bilinear: up along the height, down along the width
            layers.Resizing(6, 8, interpolation="nearest"),
            layers.Resizing(4, 4, crop_to_aspect_ratio=True),
            layers.CenterCrop(3, 2),
            layers.CenterCrop(5, 4),  # larger than its input: cropped to the aspect ratio and resized
        ]
    )
    _check_export(model, _images(rng, 7, 9, 2), tmp_path / "m.onnx")


def test_channels_first_padding_and_random_crop_export(backend, rng, tmp_path):
    model = unikeras.Sequential(
        [
            unikeras.Input((2, 6, 9)),
            layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=0.5, data_format="channels_first"),
            layers.RandomCrop(5, 3, seed=1, data_format="channels_first"),
            layers.CenterCrop(4, 2, data_format="channels_first"),
        ]
    )
    _check_export(model, _images(rng, 2, 6, 9), tmp_path / "m.onnx")


@pytest.mark.parametrize("kwargs", [{"interpolation": "bicubic"}, {"antialias": True}])
def test_resizing_without_an_exact_onnx_counterpart_is_refused(backend, tmp_path, kwargs):
    model = unikeras.Sequential([unikeras.Input((6, 6, 1)), layers.Resizing(3, 3, name="shrink", **kwargs)])
    with pytest.raises(ValueError, match="shrink"):
        model.export(str(tmp_path / "m.onnx"))
    assert np.isfinite(model.predict(np.zeros((1, 6, 6, 1), "float32"), verbose=0)).all()
