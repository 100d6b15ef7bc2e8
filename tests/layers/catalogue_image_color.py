"""Catalogue entries of the colour and mixing augmentation layers (unikeras/layers/image_color.py).

Inputs are images in [0, 255]; the catalogue compares the inference output with Keras's, which is the
identity for the random layers and the real transform for AutoContrast and
ContrastLimitedAdaptiveHistogramEqualization (always applied). The transforms themselves are tested in
tests/layers/test_image_color.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.layers.catalogue_entry import Entry

SHAPE = (3, 4, 5, 3)  # the shape of tests/layers/test_image_color.py (jax compiles once per shape)
WRONG = (2, 5)  # a rank-2 input: neither one image nor a batch


def _images(rng: np.random.Generator) -> np.ndarray:
    return np.round(rng.uniform(0, 255, SHAPE)).astype("float32")


def _entry(cls: str, kwargs: Any = None, shape: tuple = SHAPE, wrong: Any = WRONG) -> Entry:
    return Entry(cls, kwargs or {}, shape, wrong_rank=wrong, sample=_images)


def _pipeline(package: Any) -> dict:
    return {"layers": [package.layers.AutoContrast(), package.layers.RandomContrast(0.3)]}


ENTRIES: dict[str, Entry] = {
    "RandomContrast": _entry("RandomContrast", {"factor": 0.3, "seed": 1}),
    "RandomBrightness": _entry("RandomBrightness", {"factor": (-0.2, 0.4), "value_range": (0, 255)}),
    "RandomGrayscale": _entry("RandomGrayscale", {"factor": 0.5}),
    "RandomInvert": _entry("RandomInvert", {"factor": 0.5}),
    "Solarization": _entry("Solarization", {"addition_factor": 0.2, "threshold_factor": (0.3, 0.7)}),
    "RandomColorDegeneration": _entry("RandomColorDegeneration", {"factor": 0.4}),
    "RandomSaturation": _entry("RandomSaturation", {"factor": (0.2, 0.6)}),
    "RandomHue": _entry("RandomHue", {"factor": 0.3}),
    "RandomSharpness": _entry("RandomSharpness", {"factor": 0.5}),
    "RandomPosterization": _entry("RandomPosterization", {"factor": (2, 6)}),
    "AutoContrast": _entry("AutoContrast"),
    "Equalization": _entry("Equalization", {"bins": 64}),
    "RandomColorJitter": _entry(
        "RandomColorJitter", {"brightness_factor": 0.2, "contrast_factor": 0.3, "hue_factor": 0.1}
    ),
    "RandomErasing": _entry("RandomErasing", {"factor": 0.8, "fill_value": 3.0}),
    "MixUp": _entry("MixUp", {"alpha": 0.4}),
    "CutMix": _entry("CutMix", {"factor": 0.5}, wrong=None),  # Keras raises IndexError on rank 2: own test
    "MaxNumBoundingBoxes": _entry("MaxNumBoundingBoxes", {"max_number": 3}),  # images pass; boxes: own test
    "Pipeline": _entry("Pipeline", _pipeline, wrong=None),  # no rank of its own: its layers' ranks
    "RandAugment": _entry("RandAugment", {"num_ops": 2, "factor": 0.4, "seed": 2}, wrong=None),  # Keras: IndexError
    "AugMix": _entry("AugMix", {"num_chains": 1, "chain_depth": 1, "all_ops": False, "seed": 2}, wrong=None),
    "ContrastLimitedAdaptiveHistogramEqualization": _entry(
        "ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 2), "clip_limit": 2.0}
    ),
}
