"""ONNX export of the colour and mixing augmentation layers that are the identity at inference: a model
holding all of them exports as Identity nodes and onnxruntime matches ``predict``; AutoContrast (applied at
inference) has no rule and is refused by name."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest

import unikeras
from unikeras import layers

IDENTITY_AT_INFERENCE = [
    layers.RandomContrast(0.3),
    layers.RandomBrightness(0.2),
    layers.RandomGrayscale(),
    layers.RandomInvert(),
    layers.Solarization(0.2, 0.5),
    layers.RandomColorDegeneration(0.3),
    layers.RandomSaturation(0.3),
    layers.RandomHue(0.3),
    layers.RandomSharpness(0.3),
    layers.RandomPosterization((2, 6)),
    layers.Equalization(),
    layers.RandomColorJitter(brightness_factor=0.2),
    layers.RandomErasing(),
    layers.MixUp(),
    layers.CutMix(),
    layers.MaxNumBoundingBoxes(3),
    layers.RandAugment(),
    layers.AugMix(num_chains=2, chain_depth=1),
]


def test_identity_layers_export_as_identity(backend, rng, tmp_path):
    model = unikeras.Sequential(
        [unikeras.Input((4, 5, 3)), *(type(l).from_config(l.get_config()) for l in IDENTITY_AT_INFERENCE)]
        + [layers.Flatten(), layers.Dense(2)]
    )
    path = tmp_path / "colour.onnx"
    model.export(str(path))
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert [n.op_type for n in proto.graph.node].count("Identity") >= len(IDENTITY_AT_INFERENCE)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = rng.uniform(0, 255, (3, 4, 5, 3)).astype("float32")
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-4, atol=1e-3)


def test_auto_contrast_has_no_rule(backend, tmp_path):
    model = unikeras.Sequential([unikeras.Input((4, 5, 3)), layers.AutoContrast()])
    with pytest.raises(Exception, match="AutoContrast"):
        model.export(str(tmp_path / "auto.onnx"))
