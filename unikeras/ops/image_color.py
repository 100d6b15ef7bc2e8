"""Colour-space image ops of keras.ops.image: ``rgb_to_grayscale``, ``rgb_to_hsv``, ``hsv_to_rgb``.

Each takes one image (rank 3) or a batch (rank 4) in ``data_format`` (``image_data_format()`` when
``None``), composed from the backend contract.
"""

from __future__ import annotations

from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _t
from unikeras.symbolic import KerasTensor

__all__: list[str] = ["hsv_to_rgb", "rgb_to_grayscale", "rgb_to_hsv"]

_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # ITU-R 601 luma, as tf.image.rgb_to_grayscale
_EPS = {"float16": 2.0**-10, "bfloat16": 2.0**-7, "float32": 2.0**-23, "float64": 2.0**-52}  # machine epsilons


def _image_tensor(op: str, images: Any) -> Any:
    if isinstance(images, KerasTensor):
        raise ValueError(
            f"{op}: symbolic inputs (unikeras.Input) are not supported by unikeras.ops.image yet; "
            "call the op inside a layer (a Lambda layer or a custom Layer's call)."
        )
    return _t(images)


def _channels_axis(op: str, images: Any, data_format: str | None) -> int:
    """The channel axis (negative) after checking the rank and ``data_format``."""
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first'. Received: data_format={data_format!r}"
        )
    shape = active().shape(images)
    if len(shape) not in (3, 4):
        raise ValueError(
            f"{op}: invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={tuple(shape)}"
        )
    return -1 if data_format == "channels_last" else -3


def _planes(images: Any, axis: int) -> list[Any]:
    b = active()
    return [b.squeeze(p, axis) for p in b.split(images, 3, axis)]


def _check_float(op: str, images: Any) -> str:
    dtype = active().dtype_name(images)
    if not dtype.startswith(("float", "bfloat")):
        raise ValueError(f"{op}: invalid images dtype: expected float dtype. Received: images.dtype={dtype}")
    return dtype


def rgb_to_grayscale(images: Any, data_format: str | None = None) -> Any:
    """Grayscale of RGB images: ``0.2989 R + 0.5870 G + 0.1140 B``, one channel kept on the channel
    axis; an image of one channel is returned as it is. Integer images come back in their dtype."""
    b = active()
    images = _image_tensor("rgb_to_grayscale", images)
    axis = _channels_axis("rgb_to_grayscale", images, data_format)
    channels = b.shape(images)[axis]
    if channels not in (1, 3):
        raise ValueError(
            "rgb_to_grayscale: invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
            f"Received input with shape: images.shape={tuple(b.shape(images))}"
        )
    if channels == 1:
        return b.copy(images)
    dtype = b.dtype_name(images)
    work = images if dtype.startswith(("float", "bfloat")) else b.cast(images, config.floatx())
    red, green, blue = _planes(work, axis)
    gray = b.add(
        b.add(b.multiply(red, _GRAY_WEIGHTS[0]), b.multiply(green, _GRAY_WEIGHTS[1])),
        b.multiply(blue, _GRAY_WEIGHTS[2]),
    )
    gray = b.expand_dims(gray, axis)
    return gray if b.dtype_name(gray) == dtype else b.cast(gray, dtype)


def rgb_to_hsv(images: Any, data_format: str | None = None) -> Any:
    """HSV of float RGB images (all three in ``[0, 1]`` for inputs in ``[0, 1]``; hue 0 is red,
    1/3 green, 2/3 blue). Hue and saturation are 0 where the image is gray or black."""
    b = active()
    images = _image_tensor("rgb_to_hsv", images)
    axis = _channels_axis("rgb_to_hsv", images, data_format)
    dtype = _check_float("rgb_to_hsv", images)
    tiny = _EPS.get(dtype, 2.0**-23)
    images = b.where(b.less(b.abs(images), tiny), b.zeros_like(images), images)
    red, green, blue = _planes(images, axis)
    value = b.maximum(b.maximum(red, green), blue)
    spread = b.subtract(value, b.minimum(b.minimum(red, green), blue))
    has_value = b.greater(value, 0.0)
    has_spread = b.greater(spread, 0.0)
    saturation = b.where(
        has_value, b.divide(spread, b.where(has_value, value, b.ones_like(value))), b.zeros_like(value)
    )
    norm = b.divide(1.0, b.multiply(b.where(has_spread, spread, b.ones_like(spread)), 6.0))
    hue = b.where(
        b.equal(value, green),
        b.add(b.multiply(b.subtract(blue, red), norm), 2.0 / 6.0),
        b.add(b.multiply(b.subtract(red, green), norm), 4.0 / 6.0),
    )
    hue = b.where(b.equal(value, red), b.multiply(b.subtract(green, blue), norm), hue)
    hue = b.where(has_spread, hue, b.zeros_like(hue))
    hue = b.where(b.less(hue, 0.0), b.add(hue, 1.0), hue)
    out = b.stack([hue, saturation, value], axis=axis)
    return out if b.dtype_name(out) == dtype else b.cast(out, dtype)


def hsv_to_rgb(images: Any, data_format: str | None = None) -> Any:
    """RGB of float HSV images (the inverse of ``rgb_to_hsv``; hue taken modulo 1)."""
    b = active()
    images = _image_tensor("hsv_to_rgb", images)
    axis = _channels_axis("hsv_to_rgb", images, data_format)
    dtype = _check_float("hsv_to_rgb", images)
    hue, saturation, value = _planes(images, axis)
    sector = b.multiply(b.mod(hue, 1.0), 6.0)
    weight_r = b.clip(b.subtract(b.abs(b.subtract(sector, 3.0)), 1.0), 0.0, 1.0)
    weight_g = b.clip(b.subtract(2.0, b.abs(b.subtract(sector, 2.0))), 0.0, 1.0)
    weight_b = b.clip(b.subtract(2.0, b.abs(b.subtract(sector, 4.0))), 0.0, 1.0)
    gray = b.subtract(1.0, saturation)
    planes = [b.multiply(value, b.add(gray, b.multiply(saturation, w))) for w in (weight_r, weight_g, weight_b)]
    out = b.stack(planes, axis=axis)
    return out if b.dtype_name(out) == dtype else b.cast(out, dtype)
