"""AugMix on every backend: given draws, its output is NumPy's mix of the chosen chains; its draws are in
range and reproducible; with no augmentation slot it is the identity (the mixing weights sum to 1); the
identity at inference; argument errors. Shapes, configs and Keras's inference output are in the catalogue
(tests/layers/catalogue_image_color.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reference import image_color as ref
from unikeras import layers, ops

BRIGHTNESS, CONTRAST, NOTHING = 7, 9, 11  # indices into AugMix's eleven candidates; 11 applies nothing


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _images() -> np.ndarray:
    return np.round(np.random.default_rng(3).uniform(0, 255, (3, 4, 5, 3))).astype("float32")


def _per_image(values) -> object:
    return ops.convert_to_tensor(np.array(values, "float32").reshape(3, 1, 1, 1))


def test_aug_mix_mixes_the_chosen_chains(backend):
    """Chain 0 brightens; chain 1 changes the contrast, then brightens; mixed 0.3 / 0.7, then with the input
    at 0.4: ``clip(0.4 x + 0.6 (0.3 b1(x) + 0.7 b2(c(x))), 0, 255)``."""
    x = _images()
    layer = layers.AugMix(num_chains=2, chain_depth=2, factor=0.5, seed=5)
    transformation = layer.get_random_transformation(x, training=True)
    transformation["chain_mixing_weights"] = ops.convert_to_tensor(np.array([0.3, 0.7], "float32"))
    transformation["weight_sample"] = ops.convert_to_tensor(np.float32(0.4))
    transformation["layer_idxes"] = ops.convert_to_tensor(np.array([[BRIGHTNESS, NOTHING], [CONTRAST, BRIGHTNESS]]))
    transformation["chain_transforms"][0][0]["random_brightness"] = {"rgb_delta": _per_image([-40.0, 0.0, 90.0])}
    transformation["chain_transforms"][1][0]["random_contrast"] = {"contrast_factor": _per_image([0.6, 1.3, 1.0])}
    transformation["chain_transforms"][1][1]["random_brightness"] = {"rgb_delta": _per_image([10.0, -20.0, 5.0])}
    got = _np(layer.transform_images(ops.convert_to_tensor(x), transformation, training=True))
    x64 = x.astype("float64")
    first = ref.brightness(x64, [-40.0, 0.0, 90.0])
    second = ref.brightness(ref.contrast(x64, [0.6, 1.3, 1.0]), [10.0, -20.0, 5.0])
    expected = np.clip(0.4 * x64 + 0.6 * (0.3 * first + 0.7 * second), 0, 255)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-3)


def test_aug_mix_draws(backend):
    x = _images()
    layer = layers.AugMix(num_chains=3, chain_depth=2, seed=7)
    draws = [layer.get_random_transformation(x) for _ in range(12)]
    weights = np.stack([_np(d["chain_mixing_weights"]) for d in draws])
    assert weights.shape == (12, 3) and (weights > 0).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    samples = np.array([float(_np(d["weight_sample"])) for d in draws])
    assert ((samples >= 0) & (samples <= 1)).all() and samples.std() > 0.05
    choices = np.concatenate([_np(d["layer_idxes"]).ravel() for d in draws])
    assert choices.min() >= 0 and choices.max() <= NOTHING and len(set(choices)) >= 8
    # seven candidates without the colour augmentations: indices 0-7, 7 applying nothing
    narrow = layers.AugMix(chain_depth=4, all_ops=False, seed=2)
    assert _np(narrow.get_random_transformation(x)["layer_idxes"]).max() <= 7
    # the same seed gives the same output; another seed another one
    outputs = [_np(layers.AugMix(num_chains=2, chain_depth=1, seed=s)(x, training=True)) for s in (4, 4, 9)]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert not np.array_equal(outputs[0], outputs[2])
    assert outputs[0].min() >= 0 and outputs[0].max() <= 255


def test_aug_mix_without_slots_and_at_inference_is_the_identity(backend):
    x = _images()
    # chains of depth 0 return the input; the weights sum to 1, so the mix is the input itself
    np.testing.assert_allclose(_np(layers.AugMix(chain_depth=0, seed=1)(x, training=True)), x, rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(_np(layers.AugMix(seed=1)(x, training=False)), x)
    np.testing.assert_array_equal(_np(layers.AugMix(seed=1)(x[0], training=False)), x[0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_chains": 0}, "num_chains"),
        ({"chain_depth": -1}, "chain_depth"),
        ({"alpha": 0.0}, "alpha"),
        ({"factor": 1.5}, "factor"),
        ({"value_range": (0,)}, "value_range"),
    ],
)
def test_aug_mix_errors_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=f"AugMix.*{message}"):
        layers.AugMix(**kwargs)
