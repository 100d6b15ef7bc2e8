"""Geometric image ops of keras.ops.image (resize, affine_transform, crop and pad, patches, ...).

Each op takes one image (rank 3) or a batch (rank 4) in ``data_format`` (``image_data_format()`` when
``None``) and is composed from the backend contract:

- resampling along one axis (``resize``, ``scale_and_translate``) is a product with a small weight
  matrix computed on the host from the static sizes (separable kernels: nearest, bilinear, bicubic,
  lanczos, area), so it runs on every backend and is differentiable in the images;
- point sampling (``affine_transform``, ``perspective_transform``, ``map_coordinates``,
  ``elastic_transform``) gathers the neighbours with ``take`` and mixes them with their weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _t

__all__: list[str] = [
    "affine_transform",
    "crop_images",
    "elastic_transform",
    "extract_patches",
    "extract_patches_3d",
    "gaussian_blur",
    "map_coordinates",
    "pad_images",
    "perspective_transform",
    "resize",
    "scale_and_translate",
    "sobel_edges",
    "ssim",
]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "reflect")
MAP_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
SCALE_AND_TRANSLATE_METHODS = (
    "linear",
    "bilinear",
    "trilinear",
    "cubic",
    "bicubic",
    "tricubic",
    "lanczos3",
    "lanczos5",
)


# --- layout helpers ------------------------------------------------------------------------------------


def _data_format(op: str, data_format: str | None) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{op}: `data_format` must be 'channels_last' or 'channels_first'. Received: data_format={data_format!r}"
        )
    return data_format


def _check_rank(op: str, images: Any, ranks: tuple[int, ...] = (3, 4), what: str = "images") -> tuple:
    shape = tuple(active().shape(images))
    if len(shape) not in ranks:
        kinds = "rank 3 (single image) or rank 4 (batch of images)" if ranks == (3, 4) else f"rank {ranks}"
        raise ValueError(
            f"{op}: invalid {what} rank: expected {kinds}. Received input with shape: {what}.shape={shape}"
        )
    return shape


def _to_nhwc(images: Any, data_format: str) -> tuple[Any, bool]:
    """``images`` as a channels_last batch, and whether it was a single image."""
    b = active()
    single = len(b.shape(images)) == 3
    if single:
        images = b.expand_dims(images, 0)
    if data_format == "channels_first":
        images = b.transpose(images, (0, 2, 3, 1))
    return images, single


def _from_nhwc(images: Any, single: bool, data_format: str) -> Any:
    b = active()
    if data_format == "channels_first":
        images = b.transpose(images, (0, 3, 1, 2))
    return b.squeeze(images, 0) if single else images


def _cast(b: Any, x: Any, dtype: str) -> Any:
    """``x`` in ``dtype`` (no op when it already is)."""
    return x if b.dtype_name(x) == dtype else b.cast(x, dtype)


def _is_int(dtype: str) -> bool:
    return dtype.startswith(("int", "uint"))


def _compute_dtype(dtype: str) -> str:
    return dtype if dtype.startswith(("float", "bfloat")) else config.floatx()


def _back_to(x: Any, dtype: str) -> Any:
    """``x`` (float) in ``dtype``: integers are rounded and saturated, as Keras does."""
    b = active()
    if b.dtype_name(x) == dtype:
        return x
    if _is_int(dtype):
        info = np.iinfo(dtype)
        x = b.clip(b.round(x), float(info.min), float(info.max))
    elif dtype == "bool":
        return b.not_equal(x, 0)
    return _cast(b, x, dtype)


# --- separable resampling --------------------------------------------------------------------------------


def _kernel(method: str, x: np.ndarray) -> np.ndarray:
    """The resampling kernel at distances ``x >= 0``."""
    if method == "linear":
        return np.maximum(0.0, 1.0 - x)
    if method == "cubic":  # Keys cubic, a = -0.5
        near = ((1.5 * x - 2.5) * x) * x + 1.0
        far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
        return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))
    radius = 3.0 if method == "lanczos3" else 5.0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi**2 * x**2)
    return np.where(x > radius, 0.0, np.where(x > 1e-3, value, 1.0))


def _sampling_weights(
    in_size: int, out_size: int, scale: float, translation: float, method: str, antialias: bool
) -> np.ndarray:
    """``(out_size, in_size)`` weights of a scale-and-translate resampling (output pixel centres mapped
    back by ``(o + 0.5 - translation) / scale - 0.5``); each row normalized to sum 1, rows whose centre
    falls outside the input are zero."""
    inv = 1.0 / scale
    stretch = max(inv, 1.0) if antialias else 1.0
    centres = (np.arange(out_size) + 0.5 - translation) * inv - 0.5
    w = _kernel(method, np.abs(centres[:, None] - np.arange(in_size)[None, :]) / stretch)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps, w / np.where(total != 0, total, 1.0), 0.0)
    inside = (centres >= -0.5) & (centres <= in_size - 0.5)
    return np.where(inside[:, None], w, 0.0)


def _resize_weights(in_size: int, out_size: int, interpolation: str, antialias: bool) -> np.ndarray:
    if interpolation == "nearest":  # half-pixel centres, rounding down (tf.image.resize)
        idx = np.minimum(np.floor((np.arange(out_size) + 0.5) * in_size / out_size).astype(np.int64), in_size - 1)
        return np.eye(in_size)[idx]
    if interpolation == "area":  # box average over each output pixel's footprint
        step = in_size / out_size
        lo = np.arange(out_size)[:, None] * step
        left = np.arange(in_size)[None, :]
        overlap = np.clip(np.minimum(lo + step, left + 1) - np.maximum(lo, left), 0.0, None)
        return overlap / step
    if interpolation == "bicubic" and not antialias:
        # tf.image.resize's bicubic kernel reads its weights from a table of 1024 steps per pixel: the
        # fractional position is rounded to 1/1024 (up to 6e-4 from the exact Keys kernel)
        centres = (np.arange(out_size) + 0.5) * in_size / out_size - 0.5
        base = np.floor(centres)
        frac = np.rint((centres - base) * 1024.0) / 1024.0
        taps = np.arange(-1, 3)
        w = _kernel("cubic", np.abs(frac[:, None] - taps[None, :]))
        index = base[:, None].astype(np.int64) + taps[None, :]
        w = np.where((index >= 0) & (index < in_size), w, 0.0)
        w = w / w.sum(axis=1, keepdims=True)
        out = np.zeros((out_size, in_size))
        np.add.at(out, (np.repeat(np.arange(out_size), 4), np.clip(index, 0, in_size - 1).reshape(-1)), w.reshape(-1))
        return out
    method = {"bilinear": "linear", "bicubic": "cubic"}.get(interpolation, interpolation)
    return _sampling_weights(in_size, out_size, out_size / in_size, 0.0, method, antialias)


def _apply_weights(x: Any, weights: np.ndarray, axis: int) -> Any:
    """Resample axis ``axis`` (1 or 2) of the NHWC batch ``x`` with ``(out, in)`` ``weights``."""
    b = active()
    if weights.shape[0] == weights.shape[1] and np.array_equal(weights, np.eye(weights.shape[0])):
        return x
    w = b.convert_to_tensor(weights.astype(np.float32), b.dtype_name(x))
    spec = "oh,nhwc->nowc" if axis == 1 else "ow,nhwc->nhoc"
    return b.einsum(spec, w, x)


def resize(
    images: Any,
    size: Sequence[int],
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str | None = None,
) -> Any:
    """Resize images to ``size = (height, width)`` with ``interpolation`` (``"bilinear"``,
    ``"nearest"``, ``"bicubic"``, ``"area"``, ``"lanczos3"`` or ``"lanczos5"``, half-pixel centres as
    ``tf.image.resize``); ``antialias`` widens the kernel when downsampling. ``crop_to_aspect_ratio``
    first takes the largest centred window of the target aspect ratio; ``pad_to_aspect_ratio`` first pads
    the short side evenly with ``fill_value`` (``fill_mode`` must be ``"constant"``)."""
    op = "resize"
    b = active()
    data_format = _data_format(op, data_format)
    if len(size) != 2:
        raise ValueError(f"{op}: expected `size` to be a tuple of 2 integers. Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"{op}: `size` must have positive height and width. Received: size={size}")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"{op}: invalid value for argument `interpolation`. Expected one of {RESIZE_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation!r}"
        )
    if fill_mode != "constant":
        raise ValueError(
            f"{op}: invalid value for argument `fill_mode`. Only 'constant' is supported. "
            f"Received: fill_mode={fill_mode!r}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(f"{op}: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    images = _t(images)
    _check_rank(op, images)
    dtype = b.dtype_name(images)
    x, single = _to_nhwc(images, data_format)
    x = _cast(b, x, _compute_dtype(dtype))
    n, height, width, channels = b.shape(x)
    target_h, target_w = int(size[0]), int(size[1])
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
        crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
        top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
        x = b.slice(x, (0, top, left, 0), (n, crop_h, crop_w, channels))
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(float(width * target_h) / target_w))
        pad_w = max(width, int(float(height * target_w) / target_h))
        top, left = int((pad_h - height) / 2), int((pad_w - width) / 2)
        if top > 0 or left > 0:
            x = b.pad(x, ((0, 0), (top, top), (left, left), (0, 0)), constant_values=fill_value)
    _, height, width, _ = b.shape(x)
    x = _apply_weights(x, _resize_weights(height, target_h, interpolation, antialias), 1)
    x = _apply_weights(x, _resize_weights(width, target_w, interpolation, antialias), 2)
    return _back_to(_from_nhwc(x, single, data_format), dtype)


def scale_and_translate(
    images: Any,
    output_shape: Sequence[int],
    scale: Any,
    translation: Any,
    spatial_dims: Sequence[int],
    method: str,
    antialias: bool = True,
) -> Any:
    """Resample ``images`` along ``spatial_dims`` to ``output_shape``: output pixel ``o`` of axis ``d``
    samples input position ``(o + 0.5 - translation[d]) / scale[d] - 0.5`` with the ``method`` kernel
    (``"linear"``, ``"cubic"``, ``"lanczos3"``, ``"lanczos5"``; ``antialias`` widens it when
    ``scale < 1``), as ``jax.image.scale_and_translate``. ``scale`` and ``translation`` must be concrete
    values (the weights are computed on the host)."""
    op = "scale_and_translate"
    b = active()
    if method not in SCALE_AND_TRANSLATE_METHODS:
        raise ValueError(
            f"{op}: invalid value for argument `method`. Expected one of {SCALE_AND_TRANSLATE_METHODS}. "
            f"Received: method={method!r}"
        )
    method = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic", "tricubic": "cubic"}.get(method, method)
    images = _t(images)
    dtype = b.dtype_name(images)
    x = _cast(b, images, _compute_dtype(dtype))
    shape = list(b.shape(x))
    output_shape = [int(s) for s in output_shape]
    if len(output_shape) != len(shape):
        raise ValueError(
            f"{op}: `output_shape` must have the rank of `images` ({len(shape)}). Received: output_shape={output_shape}"
        )
    scale = np.asarray(b.to_numpy(scale) if b.is_tensor(scale) else scale, np.float64).reshape(-1)
    translation = np.asarray(b.to_numpy(translation) if b.is_tensor(translation) else translation, np.float64)
    translation = translation.reshape(-1)
    letters = "abcdefghijklmn"[: len(shape)]
    for i, axis in enumerate(spatial_dims):
        axis = axis % len(shape)
        w = _sampling_weights(
            shape[axis], output_shape[axis], float(scale[i]), float(translation[i]), method, antialias
        )
        out_letters = letters[:axis] + "z" + letters[axis + 1 :]
        x = b.einsum(
            f"z{letters[axis]},{letters}->{out_letters}", b.convert_to_tensor(w.astype(np.float32), b.dtype_name(x)), x
        )
        shape[axis] = output_shape[axis]
    return _back_to(x, dtype)


# --- crops and pads ----------------------------------------------------------------------------------------


def _check_non_negative(op: str, values: dict) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError(f"{op}: {name} must be >= 0. Received: {name}={value}")


def _two_of_three(op: str, names: tuple[str, str, str], values: tuple) -> None:
    if list(values).count(None) != 1:
        given = ", ".join(f"{n}={v}" for n, v in zip(names, values))
        raise ValueError(f"{op}: must specify exactly two of {', '.join(names)}. Received: {given}")
    _check_non_negative(op, dict(zip(names, values)))


def pad_images(
    images: Any,
    top_padding: int | None = None,
    left_padding: int | None = None,
    bottom_padding: int | None = None,
    right_padding: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Any:
    """Zero-pad images; give exactly two of ``top_padding``, ``bottom_padding``, ``target_height``
    (and of ``left_padding``, ``right_padding``, ``target_width``)."""
    op = "pad_images"
    b = active()
    data_format = _data_format(op, data_format)
    images = _t(images)
    shape = _check_rank(op, images)
    _two_of_three(op, ("top_padding", "bottom_padding", "target_height"), (top_padding, bottom_padding, target_height))
    _two_of_three(op, ("left_padding", "right_padding", "target_width"), (left_padding, right_padding, target_width))
    h_axis = len(shape) - (3 if data_format == "channels_last" else 2)
    height, width = shape[h_axis], shape[h_axis + 1]
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    _check_non_negative(
        op,
        {
            "top_padding": top_padding,
            "left_padding": left_padding,
            "bottom_padding": bottom_padding,
            "right_padding": right_padding,
        },
    )
    pads = [(0, 0)] * len(shape)
    pads[h_axis] = (int(top_padding), int(bottom_padding))
    pads[h_axis + 1] = (int(left_padding), int(right_padding))
    return b.pad(images, pads)


def crop_images(
    images: Any,
    top_cropping: int | None = None,
    left_cropping: int | None = None,
    bottom_cropping: int | None = None,
    right_cropping: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Any:
    """Crop images; give exactly two of ``top_cropping``, ``bottom_cropping``, ``target_height``
    (and of ``left_cropping``, ``right_cropping``, ``target_width``)."""
    op = "crop_images"
    b = active()
    data_format = _data_format(op, data_format)
    images = _t(images)
    shape = _check_rank(op, images)
    names_h = ("top_cropping", "bottom_cropping", "target_height")
    _two_of_three(op, names_h, (top_cropping, bottom_cropping, target_height))
    names_w = ("left_cropping", "right_cropping", "target_width")
    _two_of_three(op, names_w, (left_cropping, right_cropping, target_width))
    h_axis = len(shape) - (3 if data_format == "channels_last" else 2)
    height, width = shape[h_axis], shape[h_axis + 1]
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    _check_non_negative(
        op,
        {
            "top_cropping": top_cropping,
            "target_height": target_height,
            "left_cropping": left_cropping,
            "target_width": target_width,
        },
    )
    if top_cropping + target_height > height or left_cropping + target_width > width:
        raise ValueError(
            f"{op}: the crop window (top={top_cropping}, left={left_cropping}, height={target_height}, "
            f"width={target_width}) does not fit the images of height {height} and width {width}."
        )
    start = [0] * len(shape)
    sizes = list(shape)
    start[h_axis], start[h_axis + 1] = int(top_cropping), int(left_cropping)
    sizes[h_axis], sizes[h_axis + 1] = int(target_height), int(target_width)
    return b.slice(images, start, sizes)


# --- patches ---------------------------------------------------------------------------------------------------


def _patches(
    op: str, images: Any, size: tuple, strides: Any, dilation_rate: Any, padding: str, data_format: Any
) -> Any:
    from unikeras.ops.nn import conv

    b = active()
    data_format = _data_format(op, data_format)
    images = _t(images)
    nd = len(size)
    shape = tuple(b.shape(images))
    if len(shape) not in (nd + 1, nd + 2):
        raise ValueError(
            f"{op}: invalid images rank: expected rank {nd + 1} (unbatched) or {nd + 2} (batched). "
            f"Received input with shape: images.shape={shape}"
        )
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    single = len(shape) == nd + 1
    if single:
        images = b.expand_dims(images, 0)
    channels = b.shape(images)[-1 if data_format == "channels_last" else 1]
    out_dim = int(np.prod(size)) * channels
    kernel = np.eye(out_dim, dtype=np.float32).reshape((*size, channels, out_dim))
    dtype = b.dtype_name(images)
    kernel = b.convert_to_tensor(kernel, _compute_dtype(dtype))
    x = _cast(b, images, _compute_dtype(dtype))
    strides = size if strides is None else strides
    out = conv(x, kernel, strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation_rate)
    out = _back_to(out, dtype)
    return b.squeeze(out, 0) if single else out


def extract_patches(
    images: Any,
    size: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    dilation_rate: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Any:
    """Patches of ``size = (height, width)`` (or ``(depth, height, width)`` for volumes) gathered into the
    channel axis, flattened in (rows, columns, channels) order; ``strides`` defaults to ``size``."""
    if isinstance(size, int):
        size = (size, size)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"extract_patches: invalid `size` argument. Expected an int or a tuple. Received: size={size}")
    if len(size) not in (2, 3):
        raise ValueError(
            f"extract_patches: invalid `size` argument. Expected a tuple of length 2 or 3. Received: size={size}"
        )
    return _patches("extract_patches", images, tuple(size), strides, dilation_rate, padding, data_format)


def extract_patches_3d(
    volumes: Any,
    size: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    dilation_rate: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Any:
    """Patches of ``size = (depth, height, width)`` of volumes, flattened into the channel axis."""
    if isinstance(size, int):
        size = (size, size, size)
    if not isinstance(size, (tuple, list)) or len(size) != 3:
        raise ValueError(
            "extract_patches_3d: invalid `size` argument. Expected an int or a tuple of length 3. "
            f"Received: size={size}"
        )
    if isinstance(strides, int):
        strides = (strides,) * 3
    return _patches("extract_patches_3d", volumes, tuple(size), strides, dilation_rate, padding, data_format)


# --- point sampling ------------------------------------------------------------------------------------------------


def _round_half_away(b: Any, x: Any) -> Any:
    return b.multiply(b.sign(x), b.floor(b.add(b.abs(x), 0.5)))


def _fill_coordinate(b: Any, c: Any, size: int, fill_mode: str) -> Any:
    """Map a continuous coordinate into ``[0, size - 1]`` for ``fill_mode`` (``tf.raw_ops.ImageProjectiveTransformV3``'s
    rules); ``"constant"`` leaves it as is (out-of-range reads take the fill value)."""
    if fill_mode == "constant":
        return c
    if size <= 1:
        return b.zeros_like(c)
    last = float(size - 1)
    if fill_mode == "reflect":
        period = 2.0 * size
        low = b.add(b.multiply(period, b.floor(b.divide(b.negative(c), period))), c)
        low = b.where(b.less(low, -float(size)), b.add(low, period), b.subtract(-1.0, low))
        high = b.subtract(c, b.multiply(period, b.floor(b.divide(c, period))))
        high = b.where(b.greater_equal(high, float(size)), b.subtract(period - 1.0, high), high)
        c = b.where(b.less(c, 0.0), low, b.where(b.greater(c, last), high, c))
    elif fill_mode == "wrap":
        low = b.add(c, b.multiply(float(size), b.add(b.floor(b.divide(b.negative(c), last)), 1.0)))
        high = b.subtract(c, b.multiply(float(size), b.floor(b.divide(c, last))))
        c = b.where(b.less(c, 0.0), low, b.where(b.greater(c, last), high, c))
    return b.clip(c, 0.0, last)


def _gather_pixels(flat: Any, n: int, height: int, width: int, rows: Any, cols: Any, fill: Any) -> Any:
    """Pixels of the ``(n * height * width, channels)`` batch at integer-valued float ``rows``/``cols`` of shape
    ``(n, points)``; positions outside read ``fill`` (``None``: the caller knows they are all inside).
    Returns ``(n, points, channels)``."""
    b = active()
    r = b.clip(rows, 0.0, float(height - 1))
    c = b.clip(cols, 0.0, float(width - 1))
    base = b.convert_to_tensor((np.arange(n) * height * width).reshape(n, 1).astype(np.int32), "int32")
    index = b.add(_cast(b, b.add(b.multiply(r, float(width)), c), "int32"), base)
    values = b.reshape(b.take(flat, b.reshape(index, (-1,)), axis=0), (n, b.shape(rows)[1], -1))
    if fill is None:
        return values
    inside = b.expand_dims(b.logical_and(b.equal(r, rows), b.equal(c, cols)), -1)
    return b.where(inside, values, fill)


def _sample_projective(
    x: Any, rows: Any, cols: Any, valid: Any, interpolation: str, fill_mode: str, fill_value: float
) -> Any:
    """Sample the NHWC batch ``x`` at ``(rows, cols)`` of shape ``(n, points)``; returns ``(n, points, c)``."""
    b = active()
    n, height, width, channels = b.shape(x)
    dtype = b.dtype_name(x)
    flat = b.reshape(x, (n * height * width, channels))
    fill = b.convert_to_tensor(float(fill_value), dtype)
    rows = _fill_coordinate(b, rows, height, fill_mode)
    cols = _fill_coordinate(b, cols, width, fill_mode)
    # outside the image only with "constant" (the other modes map into it; a bilinear neighbour one past the
    # last pixel has weight 0, so reading the last pixel there is exact)
    read_fill = fill if fill_mode == "constant" else None
    if interpolation == "nearest":
        out = _gather_pixels(flat, n, height, width, _round_half_away(b, rows), _round_half_away(b, cols), read_fill)
    else:
        points = b.shape(rows)[1]
        r0, c0 = b.floor(rows), b.floor(cols)
        fr, fc = b.subtract(rows, r0), b.subtract(cols, c0)
        r1, c1 = b.add(r0, 1.0), b.add(c0, 1.0)
        gr, gc = b.subtract(1.0, fr), b.subtract(1.0, fc)
        # the four neighbours side by side: (r0, c0), (r0, c1), (r1, c0), (r1, c1)
        rr = b.concatenate([r0, r0, r1, r1], 1)
        cc = b.concatenate([c0, c1, c0, c1], 1)
        weights = b.multiply(b.concatenate([gr, gr, fr, fr], 1), b.concatenate([gc, fc, gc, fc], 1))
        values = _gather_pixels(flat, n, height, width, rr, cc, read_fill)
        values = b.reshape(b.multiply(values, b.expand_dims(weights, -1)), (n, 4, points, channels))
        out = b.sum(values, axis=1)
    if valid is not None:
        out = b.where(b.expand_dims(valid, -1), out, fill)
    return out


def _projective(
    op: str, images: Any, transform: Any, interpolation: str, fill_mode: str, fill_value: float, data_format: Any
) -> Any:
    b = active()
    if interpolation not in AFFINE_INTERPOLATIONS:
        raise ValueError(
            f"{op}: invalid value for argument `interpolation`. Expected one of {AFFINE_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation!r}"
        )
    if fill_mode not in AFFINE_FILL_MODES:
        raise ValueError(
            f"{op}: invalid value for argument `fill_mode`. Expected one of {AFFINE_FILL_MODES}. "
            f"Received: fill_mode={fill_mode!r}"
        )
    data_format = _data_format(op, data_format)
    images = _t(images)
    _check_rank(op, images)
    dtype = b.dtype_name(images)
    x, single = _to_nhwc(images, data_format)
    cdtype = _compute_dtype(dtype)
    x = _cast(b, x, cdtype)
    n, height, width, channels = b.shape(x)
    transform = _cast(b, _t(transform), cdtype)
    tshape = b.shape(transform)
    if len(tshape) not in (1, 2) or tshape[-1] != 8:
        raise ValueError(
            f"{op}: invalid transform shape: expected (8,) (single transform) or (N, 8) (batch of transforms). "
            f"Received input with shape: transform.shape={tuple(tshape)}"
        )
    transform = b.reshape(transform, (-1, 8))
    if b.shape(transform)[0] != n:
        transform = b.broadcast_to(transform, (n, 8))
    grid_r, grid_c = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    grid = np.stack([grid_c.reshape(-1), grid_r.reshape(-1), np.ones(height * width)]).astype(np.float32)
    grid = b.convert_to_tensor(grid, cdtype)  # (3, points): x, y, 1 of every output pixel
    affine = b.reshape(b.slice(transform, (0, 0), (n, 6)), (n, 2, 3))
    perspective = b.concatenate([b.slice(transform, (0, 6), (n, 2)), b.ones((n, 1), cdtype)], 1)
    k = b.matmul(perspective, grid)  # (n, points)
    valid = b.not_equal(k, 0.0)
    source = b.divide(b.matmul(affine, grid), b.expand_dims(b.where(valid, k, 1.0), 1))  # (n, 2, points)
    cols, rows = (b.squeeze(v, 1) for v in b.split(source, 2, 1))
    out = _sample_projective(x, rows, cols, valid, interpolation, fill_mode, fill_value)
    out = b.reshape(out, (n, height, width, channels))
    return _back_to(_from_nhwc(out, single, data_format), dtype)


def affine_transform(
    images: Any,
    transform: Any,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0,
    data_format: str | None = None,
) -> Any:
    """Apply projective transform(s) ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (shape ``(8,)`` or ``(N, 8)``)
    mapping each output point ``(x, y)`` to the input point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``
    with ``k = c0 x + c1 y + 1``; ``interpolation`` is ``"nearest"`` or ``"bilinear"``, points outside the input
    follow ``fill_mode`` (``"constant"`` with ``fill_value``, ``"nearest"``, ``"wrap"``, ``"reflect"``).
    Gradients flow to the images, not to ``transform``."""
    return _projective("affine_transform", images, transform, interpolation, fill_mode, fill_value, data_format)


def _homography(start_points: Any, end_points: Any) -> Any:
    """The ``(N, 8)`` projective transforms mapping ``end_points`` (output) to ``start_points`` (input)."""
    from unikeras.ops.linalg import solve

    b = active()
    sx, sy = b.split(b.reshape(start_points, (-1, 4, 2)), 2, 2)
    ex, ey = b.split(b.reshape(end_points, (-1, 4, 2)), 2, 2)
    sx, sy, ex, ey = (b.reshape(v, (-1, 4)) for v in (sx, sy, ex, ey))
    zero, one = b.zeros_like(ex), b.ones_like(ex)
    rows_x = b.stack(
        [ex, ey, one, zero, zero, zero, b.negative(b.multiply(sx, ex)), b.negative(b.multiply(sx, ey))], -1
    )
    rows_y = b.stack(
        [zero, zero, zero, ex, ey, one, b.negative(b.multiply(sy, ex)), b.negative(b.multiply(sy, ey))], -1
    )
    matrix = b.reshape(b.stack([rows_x, rows_y], 2), (-1, 8, 8))  # rows x1, y1, x2, y2, ...
    target = b.reshape(b.stack([sx, sy], 2), (-1, 8, 1))
    return b.reshape(solve(matrix, target), (-1, 8))


def perspective_transform(
    images: Any,
    start_points: Any,
    end_points: Any,
    interpolation: str = "bilinear",
    fill_value: float = 0,
    data_format: str | None = None,
) -> Any:
    """Warp images so that the four ``start_points`` (``(4, 2)`` or ``(N, 4, 2)``, ``(x, y)`` corners) move to
    ``end_points``; points outside the input take ``fill_value``."""
    op = "perspective_transform"
    b = active()
    images = _t(images)
    _check_rank(op, images)
    dtype = _compute_dtype(b.dtype_name(images))
    start_points, end_points = _cast(b, _t(start_points), dtype), _cast(b, _t(end_points), dtype)
    for name, points in (("start_points", start_points), ("end_points", end_points)):
        shape = tuple(b.shape(points))
        if len(shape) not in (2, 3) or shape[-2:] != (4, 2):
            raise ValueError(
                f"{op}: invalid {name} shape: expected (4, 2) for a single image or (N, 4, 2) for a batch. "
                f"Received shape: {shape}"
            )
    if tuple(b.shape(start_points)) != tuple(b.shape(end_points)):
        raise ValueError(
            f"{op}: start_points and end_points must have the same shape. Received start_points.shape="
            f"{tuple(b.shape(start_points))}, end_points.shape={tuple(b.shape(end_points))}"
        )
    transform = _homography(start_points, end_points)
    return _projective(op, images, transform, interpolation, "constant", fill_value, data_format)


def _fix_index(b: Any, index: Any, size: int, fill_mode: str) -> tuple[Any, Any]:
    """An integer-valued float index mapped into the input for ``fill_mode`` (scipy.ndimage conventions),
    and whether it lies inside (only ``"constant"`` can leave it outside)."""
    last = float(size - 1)
    if fill_mode == "constant":
        inside = b.logical_and(b.greater_equal(index, 0.0), b.less_equal(index, last))
        return b.clip(index, 0.0, last), inside
    if fill_mode == "nearest":
        return b.clip(index, 0.0, last), None
    if fill_mode == "wrap":
        return b.mod(index, float(size)), None

    def mirror(i: Any, n: int) -> Any:
        s = float(n - 1)
        if s == 0:
            return b.zeros_like(i)
        return b.abs(b.subtract(b.mod(b.add(i, s), 2.0 * s), s))

    if fill_mode == "mirror":
        return mirror(index, size), None
    return b.floor(b.divide(b.subtract(mirror(b.add(b.multiply(index, 2.0), 1.0), 2 * size + 1), 1.0), 2.0)), None


def map_coordinates(
    inputs: Any, coordinates: Any, order: int, fill_mode: str = "constant", fill_value: float = 0.0
) -> Any:
    """``inputs`` sampled at ``coordinates`` (one array per input axis, all the same shape) with spline
    ``order`` 0 (nearest, halves to even) or 1 (linear); positions outside follow ``fill_mode``
    (``"constant"``, ``"nearest"``, ``"wrap"``, ``"mirror"``, ``"reflect"``, as ``scipy.ndimage``)."""
    op = "map_coordinates"
    b = active()
    inputs = _t(inputs)
    shape = tuple(b.shape(inputs))
    if isinstance(coordinates, (list, tuple)):
        coords = [_t(c) for c in coordinates]
    else:
        coordinates = _t(coordinates)
        if len(b.shape(coordinates)) < 2:
            raise ValueError(
                f"{op}: invalid coordinates rank: expected at least rank 2. Received input with shape: "
                f"{tuple(b.shape(coordinates))}"
            )
        coords = [b.squeeze(c, 0) for c in b.split(coordinates, b.shape(coordinates)[0], 0)]
    if len(coords) != len(shape):
        raise ValueError(
            f"{op}: first dim of `coordinates` must be the same as the rank of `inputs`. Received inputs with "
            f"shape: {shape} and coordinate leading dim of {len(coords)}"
        )
    if fill_mode not in MAP_FILL_MODES:
        raise ValueError(
            f"{op}: invalid value for argument `fill_mode`. Expected one of {MAP_FILL_MODES}. "
            f"Received: fill_mode={fill_mode!r}"
        )
    if order not in (0, 1):
        raise NotImplementedError(f"{op}: requires order <= 1 (as Keras). Received: order={order}")
    dtype = b.dtype_name(inputs)
    cdtype = _compute_dtype(dtype)
    coords = [_cast(b, c, cdtype) for c in coords]
    nodes_per_axis = []
    for c, size in zip(coords, shape):
        if order == 0:
            nodes = [(b.round(c), None)]
        else:
            low = b.floor(c)
            upper = b.subtract(c, low)
            nodes = [(low, b.subtract(1.0, upper)), (b.add(low, 1.0), upper)]
        nodes_per_axis.append([(*_fix_index(b, i, size, fill_mode), w) for i, w in nodes])
    flat = b.reshape(_cast(b, inputs, cdtype), (-1,))
    strides = [int(np.prod(shape[i + 1 :])) for i in range(len(shape))]
    fill = b.convert_to_tensor(float(fill_value), cdtype)
    result = None
    for combo in itertools.product(*nodes_per_axis):
        index = None
        inside = None
        weight = None
        for (i, ok, w), stride in zip(combo, strides):
            term = b.multiply(_cast(b, i, "int32"), stride)
            index = term if index is None else b.add(index, term)
            if ok is not None:
                inside = ok if inside is None else b.logical_and(inside, ok)
            if w is not None:
                weight = w if weight is None else b.multiply(weight, w)
        values = b.reshape(b.take(flat, b.reshape(index, (-1,)), axis=0), b.shape(index))
        if inside is not None:
            values = b.where(inside, values, fill)
        term = values if weight is None else b.multiply(weight, values)
        result = term if result is None else b.add(result, term)
    return _back_to(result, dtype)


# --- filters ----------------------------------------------------------------------------------------------


def _gaussian_1d(b: Any, size: int, sigma: Any, dtype: str) -> Any:
    x = b.convert_to_tensor(np.arange(size, dtype=np.float32) - (size - 1) / 2.0, dtype)
    k = b.exp(b.multiply(-0.5, b.square(b.divide(x, sigma))))
    return b.divide(k, b.sum(k))


def _blur_nhwc(x: Any, kernel_size: tuple[int, int], s0: Any, s1: Any) -> Any:
    """Depthwise Gaussian blur of the NHWC batch ``x`` (zero padding): as Keras, the kernel is the outer product
    of the ``kernel_size[1]``-tap (``s1``) and ``kernel_size[0]``-tap (``s0``) profiles laid out as ``kernel_size``."""
    from unikeras.ops.nn import depthwise_conv

    b = active()
    dtype = b.dtype_name(x)
    kx = _gaussian_1d(b, kernel_size[0], s0, dtype)
    ky = _gaussian_1d(b, kernel_size[1], s1, dtype)
    kernel = b.reshape(b.multiply(b.expand_dims(ky, 1), b.expand_dims(kx, 0)), (*kernel_size, 1, 1))
    kernel = b.tile(kernel, (1, 1, b.shape(x)[-1], 1))
    return depthwise_conv(x, kernel, strides=1, padding="same", data_format="channels_last")


def gaussian_blur(
    images: Any,
    kernel_size: Sequence[int] = (3, 3),
    sigma: Any = (1.0, 1.0),
    data_format: str | None = None,
) -> Any:
    """Blur each channel with a Gaussian kernel of ``kernel_size`` and standard deviations ``sigma``
    (zero padding, same size out)."""
    op = "gaussian_blur"
    b = active()
    data_format = _data_format(op, data_format)
    images = _t(images)
    _check_rank(op, images)
    dtype = b.dtype_name(images)
    cdtype = _compute_dtype(dtype)
    x, single = _to_nhwc(_cast(b, images, cdtype), data_format)
    kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(int(k) for k in kernel_size)
    if isinstance(sigma, (int, float)):
        sigma = (sigma, sigma)
    if isinstance(sigma, (list, tuple)):
        s0, s1 = (b.convert_to_tensor(float(s), cdtype) for s in sigma)
    else:
        pair = b.slice(b.reshape(_cast(b, sigma, cdtype), (-1,)), (0,), (2,))
        s0, s1 = (b.squeeze(s, 0) for s in b.split(pair, 2, 0))
    out = _blur_nhwc(x, kernel_size, s0, s1)
    return _back_to(_from_nhwc(out, single, data_format), dtype)


def sobel_edges(images: Any, data_format: str | None = None) -> Any:
    """Sobel gradients of each channel (reflect padding): shape ``images.shape + (2,)`` holding ``[dy, dx]``."""
    op = "sobel_edges"
    b = active()
    data_format = _data_format(op, data_format)
    images = _t(images)
    _check_rank(op, images, (4,))
    dtype = _compute_dtype(b.dtype_name(images))
    x, _ = _to_nhwc(_cast(b, images, dtype), data_format)
    n, height, width, channels = b.shape(x)

    def reflect(v: Any, axis: int, size: int) -> Any:
        idx = np.concatenate([[1], np.arange(size), [size - 2]]) if size > 1 else np.zeros(size + 2, np.int64)
        return b.take(v, b.convert_to_tensor(idx.astype(np.int32), "int32"), axis=axis)

    padded = reflect(reflect(x, 1, height), 2, width)
    from unikeras.ops.nn import depthwise_conv

    smooth, diff = np.array([1.0, 2.0, 1.0]), np.array([-1.0, 0.0, 1.0])
    kernels = np.stack([np.outer(diff, smooth), np.outer(smooth, diff)], -1)  # (3, 3, 2): d/dy, d/dx
    kernel = np.broadcast_to(kernels[:, :, None, :], (3, 3, channels, 2)).astype(np.float32)
    edges = depthwise_conv(padded, b.convert_to_tensor(kernel, dtype), 1, "valid", "channels_last")
    edges = b.reshape(edges, (n, height, width, channels, 2))  # output channel c * 2 + m
    if data_format == "channels_first":
        edges = b.transpose(edges, (0, 3, 1, 2, 4))
    return edges


def ssim(
    image1: Any,
    image2: Any,
    max_val: float = 1.0,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    data_format: str | None = None,
) -> Any:
    """Structural similarity of two images (or batches) with a ``filter_size`` Gaussian window
    (valid positions only), averaged over positions and channels: a scalar per image."""
    from unikeras.ops.nn import conv

    op = "ssim"
    b = active()
    data_format = _data_format(op, data_format)
    image1, image2 = _t(image1), _t(image2)
    _check_rank(op, image1, what="image1")
    _check_rank(op, image2, what="image2")
    dtype = b.dtype_name(image1)
    cdtype = _compute_dtype(dtype)
    x1, single = _to_nhwc(_cast(b, image1, cdtype), data_format)
    x2, _ = _to_nhwc(_cast(b, image2, cdtype), data_format)
    n, height, width, channels = b.shape(x1)
    g = _gaussian_1d(b, filter_size, b.convert_to_tensor(float(filter_sigma), cdtype), cdtype)
    kernel = b.reshape(b.multiply(b.expand_dims(g, 1), b.expand_dims(g, 0)), (filter_size, filter_size, 1, 1))

    def filt(v: Any) -> Any:
        v = b.reshape(b.transpose(v, (0, 3, 1, 2)), (n * channels, height, width, 1))
        return conv(v, kernel, strides=1, padding="valid", data_format="channels_last")

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = filt(x1), filt(x2)
    mu11, mu22, mu12 = b.multiply(mu1, mu1), b.multiply(mu2, mu2), b.multiply(mu1, mu2)
    s11 = b.subtract(filt(b.multiply(x1, x1)), mu11)
    s22 = b.subtract(filt(b.multiply(x2, x2)), mu22)
    s12 = b.subtract(filt(b.multiply(x1, x2)), mu12)
    num = b.multiply(b.add(b.multiply(2.0, mu12), c1), b.add(b.multiply(2.0, s12), c2))
    den = b.multiply(b.add(b.add(mu11, mu22), c1), b.add(b.add(s11, s22), c2))
    per_channel = b.mean(b.divide(num, den), axis=(1, 2, 3))
    out = b.mean(b.reshape(per_channel, (n, channels)), axis=-1)
    out = b.squeeze(out, 0) if single else out
    return out if dtype == cdtype else _cast(b, out, dtype)


def elastic_transform(
    images: Any,
    alpha: float = 20.0,
    sigma: float = 5.0,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    seed: Any = None,
    data_format: str | None = None,
) -> Any:
    """Displace every pixel by ``alpha`` times a Gaussian-smoothed (``sigma``) field of standard normal draws
    times ``sigma`` (one field per image, shared by its channels) and resample with ``interpolation`` and
    ``fill_mode`` (``map_coordinates`` rules)."""
    from unikeras import random

    op = "elastic_transform"
    b = active()
    if interpolation not in AFFINE_INTERPOLATIONS:
        raise ValueError(
            f"{op}: invalid value for argument `interpolation`. Expected one of {AFFINE_INTERPOLATIONS}. "
            f"Received: interpolation={interpolation!r}"
        )
    if fill_mode not in AFFINE_FILL_MODES:
        raise ValueError(
            f"{op}: invalid value for argument `fill_mode`. Expected one of {AFFINE_FILL_MODES}. "
            f"Received: fill_mode={fill_mode!r}"
        )
    data_format = _data_format(op, data_format)
    images = _t(images)
    _check_rank(op, images)
    dtype = b.dtype_name(images)
    cdtype = _compute_dtype(dtype)
    x, single = _to_nhwc(_cast(b, images, cdtype), data_format)
    n, height, width, channels = b.shape(x)
    ksize = (6 * int(sigma)) | 1
    noise = random.normal((n, height, width, 2), 0.0, 1.0, dtype=cdtype, seed=seed)
    out = _elastic(x, noise, alpha, sigma, ksize, interpolation, fill_mode, fill_value)
    return _back_to(_from_nhwc(out, single, data_format), dtype)


def _elastic(
    x: Any, noise: Any, alpha: Any, sigma: Any, ksize: int, interpolation: str, fill_mode: str, fill_value: float
) -> Any:
    """The NHWC batch ``x`` displaced by ``alpha *`` blur(``noise * sigma``) (``noise``: ``(n, h, w, 2)``
    standard normal draws for the row and column displacements; ``alpha``/``sigma`` numbers or scalar tensors)."""
    b = active()
    n, height, width, _ = b.shape(x)
    dtype = b.dtype_name(x)
    sigma = b.maximum(_cast(b, _t(sigma), dtype), 1e-6)
    alpha = _cast(b, _t(alpha), dtype)
    field = _blur_nhwc(b.multiply(_cast(b, noise, dtype), sigma), (ksize, ksize), sigma, sigma)
    dy, dx = (b.squeeze(f, -1) for f in b.split(b.multiply(field, alpha), 2, -1))
    grid_r, grid_c = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    rows = b.add(b.convert_to_tensor(grid_r.astype(np.float32), dtype), dy)
    cols = b.add(b.convert_to_tensor(grid_c.astype(np.float32), dtype), dx)
    return _warp(x, rows, cols, 1 if interpolation == "bilinear" else 0, fill_mode, fill_value)


def _warp(x: Any, rows: Any, cols: Any, order: int, fill_mode: str, fill_value: float) -> Any:
    """The NHWC batch ``x`` sampled at ``(rows, cols)`` of shape ``(n, h, w)`` with ``map_coordinates`` rules."""
    b = active()
    n, height, width, channels = b.shape(x)
    flat = b.reshape(x, (n * height * width, channels))
    fill = b.convert_to_tensor(float(fill_value), b.dtype_name(x))
    base = b.reshape(b.multiply(b.arange(0, n, 1, "int32"), height * width), (n, 1, 1))
    axes = []
    for c, size in ((rows, height), (cols, width)):
        if order == 0:
            nodes = [(b.round(c), None)]
        else:
            low = b.floor(c)
            upper = b.subtract(c, low)
            nodes = [(low, b.subtract(1.0, upper)), (b.add(low, 1.0), upper)]
        axes.append([(*_fix_index(b, i, size, fill_mode), w) for i, w in nodes])
    out = None
    for (r, r_ok, r_w), (c, c_ok, c_w) in itertools.product(*axes):
        index = b.add(base, b.add(b.multiply(_cast(b, r, "int32"), width), _cast(b, c, "int32")))
        values = b.reshape(b.take(flat, b.reshape(index, (-1,)), axis=0), (n, height, width, channels))
        if r_ok is not None:
            values = b.where(b.expand_dims(b.logical_and(r_ok, c_ok), -1), values, fill)
        if r_w is not None:
            values = b.multiply(b.expand_dims(b.multiply(r_w, c_w), -1), values)
        out = values if out is None else b.add(out, values)
    return out
