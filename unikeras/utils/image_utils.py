"""Images to and from NumPy arrays and files, with Pillow (``PIL``): ``load_img``, ``save_img``,
``img_to_array``, ``array_to_img``."""

from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import Any

import numpy as np

from unikeras import config

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_COLOR_MODES = ("grayscale", "rgb", "rgba")


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - the `image` extra installs Pillow
        raise ImportError(
            "This function needs Pillow to read and write images: `pip install unikeras[image]`."
        ) from err
    return Image


def _resampling(name: str) -> Any:
    if name not in _INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {name!r}: expected one of {', '.join(_INTERPOLATIONS)}.")
    return getattr(_pil().Resampling, name.upper())


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True, dtype: str | None = None) -> Any:
    """A PIL image from a rank-3 array (height, width, channels) with 1, 3 or 4 channels.

    Args:
        x: the image, any array-like.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses ``image_data_format()``.
        scale: stretch the values so that their minimum becomes 0 and their maximum 255.
        dtype: the dtype the values are read as; ``None`` uses ``floatx()``.
    """
    data_format = config.standardize_data_format(data_format, "array_to_img()")
    array = np.array(x, dtype=dtype or config.floatx())
    if array.ndim != 3:
        raise ValueError(f"array_to_img(): expected an image array of rank 3, received shape {array.shape}.")
    if data_format == "channels_first":
        array = array.transpose(1, 2, 0)
    if scale:
        array = array - np.min(array)
        peak = np.max(array)
        if peak != 0:
            array = array / peak
        array = array * 255
    image = _pil()
    channels = array.shape[2]
    if channels in (3, 4):
        return image.fromarray(array.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(array) > 255:  # 16/32-bit grayscale
            return image.fromarray(array[:, :, 0].astype("int32"), "I")
        return image.fromarray(array[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img(): unsupported number of channels {channels}; expected 1, 3 or 4.")


def img_to_array(img: Any, data_format: str | None = None, dtype: str | None = None) -> np.ndarray:
    """A rank-3 NumPy array from a PIL image (a grayscale image gets one channel axis).

    Args:
        img: a PIL image (or anything ``np.asarray`` reads as a rank-2 or rank-3 image).
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses ``image_data_format()``.
        dtype: the dtype of the array; ``None`` uses ``floatx()``.
    """
    data_format = config.standardize_data_format(data_format, "img_to_array()")
    array = np.asarray(img, dtype=dtype or config.floatx())
    if array.ndim == 2:
        array = array[None] if data_format == "channels_first" else array[:, :, None]
    elif array.ndim == 3:
        if data_format == "channels_first":
            array = array.transpose(2, 0, 1)
    else:
        raise ValueError(f"img_to_array(): unsupported image shape {array.shape}; expected rank 2 or 3.")
    return array


def save_img(
    path: Any,
    x: Any,
    data_format: str | None = None,
    file_format: str | None = None,
    scale: bool = True,
    **kwargs: Any,
) -> None:
    """Write the image array ``x`` to ``path`` (a path or a file object).

    Args:
        path: where to write.
        x: the image array.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses ``image_data_format()``.
        file_format: the format (``"png"``, ``"jpeg"``, ...); ``None`` takes it from the file extension
            (required for a file object).
        scale: stretch the values to [0, 255] (see ``array_to_img``).
        **kwargs: passed to ``PIL.Image.Image.save``.
    """
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img(): JPEG has no alpha channel; the image is converted to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _center_crop_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest centered (left, top, right, bottom) box of an image of ``size`` (width, height) with
    the aspect ratio of ``target`` (width, height)."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, width * target_height // target_width)
    crop_width = min(width, height * target_width // target_height)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return left, top, left + crop_width, top + crop_height


def load_img(
    path: Any,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """Read an image file into a PIL image.

    Args:
        path: a path, or an ``io.BytesIO`` holding the file.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``(height, width)`` to resize to, or ``None`` to keep the size.
        interpolation: resampling for the resize: ``"nearest"``, ``"bilinear"``, ``"bicubic"``,
            ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: crop the largest centered region with the aspect ratio of ``target_size``
            before resizing, instead of stretching.
    """
    if color_mode not in _COLOR_MODES:
        raise ValueError(f"load_img(): `color_mode` must be one of {_COLOR_MODES}, received {color_mode!r}.")
    image = _pil()
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img(): `path` must be path-like or an io.BytesIO, received {type(path).__name__}.")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != color_mode.upper():
        img = img.convert(color_mode.upper())
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))
        if img.size != size:
            resample = _resampling(interpolation)
            box = _center_crop_box(img.size, size) if keep_aspect_ratio else None
            img = img.resize(size, resample, box=box)
    return img


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]
