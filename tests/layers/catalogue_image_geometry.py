"""Catalogue entries of the geometric image layers (unikeras/layers/image_geometry.py).

Inputs are images in [0, 255] of the shape the op and layer tests use (jax compiles once per shape). The
catalogue compares the inference output with Keras's: the identity for the random layers, the real resize
or crop for Resizing and CenterCrop. The random transforms are tested in tests/layers/test_image_geometry.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.layers.catalogue_entry import Entry

SHAPE = (2, 5, 6, 2)
WRONG = (2, 5)  # a rank-2 input: neither one image nor a batch


def _images(rng: np.random.Generator) -> np.ndarray:
    return np.round(rng.uniform(0, 255, SHAPE)).astype("float32")


def _entry(cls: str, kwargs: Any = None, wrong: Any = WRONG) -> Entry:
    return Entry(cls, kwargs or {}, SHAPE, wrong_rank=wrong, sample=_images)


ENTRIES: dict[str, Entry] = {
    # Keras fails on a rank-2 input with an IndexError (not a ValueError) in Resizing, RandomTranslation and
    # RandomPerspective; unikeras raises a ValueError naming the layer (tests/layers/test_image_geometry.py)
    "Resizing": _entry("Resizing", {"height": 7, "width": 4}, wrong=None),
    "CenterCrop": _entry("CenterCrop", {"height": 3, "width": 4}),
    "RandomFlip": _entry("RandomFlip", {"mode": "horizontal", "seed": 1}),
    "RandomRotation": _entry("RandomRotation", {"factor": 0.2, "fill_mode": "constant", "seed": 1}),
    "RandomZoom": _entry("RandomZoom", {"height_factor": 0.3, "width_factor": (-0.2, 0.1), "seed": 1}),
    "RandomTranslation": _entry(
        "RandomTranslation", {"height_factor": 0.2, "width_factor": 0.3, "seed": 1}, wrong=None
    ),
    "RandomShear": _entry("RandomShear", {"x_factor": 0.3, "y_factor": 0.2, "seed": 1}),
    "RandomPerspective": _entry("RandomPerspective", {"factor": 0.8, "scale": 0.5, "seed": 1}, wrong=None),
    "RandomElasticTransform": _entry("RandomElasticTransform", {"scale": 0.5, "seed": 1}),
    "RandomGaussianBlur": _entry("RandomGaussianBlur", {"kernel_size": 3, "sigma": 0.8, "seed": 1}),
}

OUTSIDE: dict[str, str] = {
    # Keras's RandomCrop returns its input unchanged at inference (its docstring promises a centred crop and
    # resize, which unikeras does), so the catalogue's inference comparison with Keras cannot hold
    "RandomCrop": "tests/layers/test_image_geometry.py::test_random_crop",
}
