"""``keras.preprocessing.image``: image files and arrays, and ``smart_resize``."""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img

_SMART_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def smart_resize(
    x: Any, size: tuple[int, int], interpolation: str = "bilinear", data_format: str = "channels_last", **kwargs: Any
) -> np.ndarray:
    """Resize an image (or a batch of images) to ``size`` without distorting it: the largest centered
    crop with the aspect ratio of ``size`` is taken, then resized (``"bilinear"`` and ``"nearest"`` as
    ``tf.image.resize`` computes them; the others with Pillow). Works on NumPy arrays; returns float32.

    Args:
        x: an array of shape (height, width, channels) or (batch, height, width, channels)
            (channels first with ``data_format="channels_first"``).
        size: ``(height, width)``.
        interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"area"``, ``"lanczos3"`` or ``"lanczos5"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """
    from unikeras.utils.dataset_utils import _fit_image

    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize(): unexpected keyword arguments {sorted(kwargs)}.")
    if len(size) != 2:
        raise ValueError(f"smart_resize(): `size` must be a tuple of 2 ints, received {size!r}.")
    if interpolation not in _SMART_INTERPOLATIONS:
        raise ValueError(
            f"smart_resize(): `interpolation` must be one of {_SMART_INTERPOLATIONS}, received {interpolation!r}."
        )
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"smart_resize(): unknown `data_format` {data_format!r}.")
    images = np.asarray(x, dtype="float32")
    if images.ndim not in (3, 4):
        raise ValueError(
            "smart_resize(): expected an image of shape (height, width, channels) or a batch (batch, height, "
            f"width, channels), received shape {images.shape}."
        )
    batch = images if images.ndim == 4 else images[None]
    if data_format == "channels_first":
        batch = batch.transpose(0, 2, 3, 1)
    target = (int(size[0]), int(size[1]))
    out = np.stack([_fit_image(image, target, interpolation, True, False) for image in batch]).astype("float32")
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
    return out if images.ndim == 4 else out[0]


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
