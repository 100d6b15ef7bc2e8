"""Geometric image preprocessing and augmentation layers (Resizing, crops, flips, rotations, zooms, ...).

As in Keras 3, each layer splits its work in two: ``get_random_transformation(data, training, seed)`` draws
the parameters (``None`` where nothing is drawn) and ``transform_images(images, transformation, training)``
applies them, so a fixed transformation can be given. The random layers transform only when ``training`` is
true; a direct call without ``training`` counts as training (Keras's default: ``layer(x)`` augments, while
``predict``/``evaluate`` pass ``training=False``). Inputs are one image (rank 3) or a batch (rank 4) in
``data_format``; only images are supported (a dict of images, bounding boxes or masks raises a ValueError).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from unikeras import config, random
from unikeras.layers.layer import Layer
from unikeras.ops import image_geometry as image_ops
from unikeras.ops.dispatch import active

__all__: list[str] = [
    "CenterCrop",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomPerspective",
    "RandomRotation",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Resizing",
]

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _standardize_data_format(data_format: str | None) -> str:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"The `data_format` argument must be one of 'channels_first', 'channels_last'. Received: {data_format!r}"
        )
    return data_format


class _ImageLayer(Layer):
    """Shared machinery of the image preprocessing layers (Keras's ``BaseImagePreprocessingLayer``)."""

    _FACTOR_BOUNDS: tuple[float, float] = (-1.0, 1.0)

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = _standardize_data_format(data_format)
        self._expected_ndim = None

    # ---- helpers
    def _label(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _set_factor(self, factor: Any, name: str = "factor") -> tuple[float, float]:
        """``(lower, upper)`` from a number or a pair inside ``_FACTOR_BOUNDS`` (a number ``f`` gives
        ``(max(-f, low), f)``)."""
        low, high = self._FACTOR_BOUNDS
        message = (
            f"{self._label()}: the `{name}` argument should be a number (or a list of two numbers) in the range "
            f"[{low}, {high}]. Received: {name}={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < low or factor > high:
                raise ValueError(message)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(message)
        return lower, upper

    def _check_choice(self, name: str, value: Any, choices: tuple) -> None:
        if value not in choices:  # Keras raises NotImplementedError for these
            raise NotImplementedError(f"{self._label()}: unknown `{name}` {value!r}. Expected one of {choices}.")

    def _hw_axes(self, rank: int) -> tuple[int, int]:
        return (-3, -2) if self.data_format == "channels_last" else (-2, -1)

    def _shape(self, images: Any) -> tuple:
        return self._check_shape(tuple(active().shape(images)))

    def _check_shape(self, shape: tuple) -> tuple:
        shape = tuple(shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                f"{self._label()}: expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: images.shape={shape}"
            )
        return shape

    def _size(self, images: Any) -> tuple[int, int, int]:
        """``(batch size, height, width)`` (batch size 1 for a single image)."""
        shape = self._shape(images)
        h_axis, w_axis = self._hw_axes(len(shape))
        return (shape[0] if len(shape) == 4 else 1), shape[h_axis], shape[w_axis]

    def _seed(self, seed: Any) -> Any:
        return self.generator if seed is None else seed

    # ---- the Keras protocol
    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """The random parameters for ``data`` (``None`` when nothing is drawn)."""
        return None

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        """``images`` transformed by ``transformation`` (unchanged when not ``training``)."""
        return images

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inputs, dict):
            raise ValueError(
                f"{self._label()}: only image tensors are supported; received a dict with keys {sorted(inputs)} "
                "(bounding boxes, labels and segmentation masks are not supported)."
            )
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        training = True if training is None else bool(training)
        images = active().cast(inputs, self.compute_dtype)
        self._shape(images)
        transformation = self.get_random_transformation(images, training=training)
        return self.transform_images(images, transformation, training=training)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._check_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


def _resized_shape(input_shape: tuple, height: int, width: int, data_format: str) -> tuple:
    shape = list(input_shape)
    h_axis = len(shape) - (3 if data_format == "channels_last" else 2)
    shape[h_axis], shape[h_axis + 1] = height, width
    return tuple(shape)


def _check_size(layer: _ImageLayer, height: Any, width: Any) -> None:
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{layer._label()}: `{name}` must be a positive int, received {value!r}.")


class Resizing(_ImageLayer):
    """Resize images to ``(height, width)``.

    Args:
        height, width: ints, the output size.
        interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"area"``, ``"lanczos3"``, ``"lanczos5"``.
        crop_to_aspect_ratio: crop the largest centred window of the target aspect ratio first.
        pad_to_aspect_ratio: pad the short side evenly (with ``fill_value``) to the target aspect ratio first.
        fill_mode: ``"constant"`` (the only mode, as Keras).
        fill_value: the padding value.
        antialias: widen the kernel when downsampling.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        _check_size(self, height, width)
        if interpolation not in image_ops.RESIZE_INTERPOLATIONS:
            raise ValueError(
                f"{self._label()}: `interpolation` must be one of {image_ops.RESIZE_INTERPOLATIONS}, "
                f"received {interpolation!r}."
            )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                f"{self._label()}: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True."
            )
        if fill_mode != "constant":
            raise ValueError(f"{self._label()}: `fill_mode` must be 'constant', received {fill_mode!r}.")
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        images = inputs
        self._shape(images)
        dtype = active().dtype_name(images)
        if not dtype.startswith(("int", "uint")):
            images = active().cast(images, self.compute_dtype)
        return self.transform_images(images, None, training=True)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        return image_ops.resize(
            images,
            (self.height, self.width),
            interpolation=self.interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _resized_shape(self._check_shape(input_shape), self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }


class CenterCrop(_ImageLayer):
    """Crop the central ``(height, width)`` window; an image smaller than that is first cropped to the target
    aspect ratio and resized (bilinear), as Keras.

    Args:
        height, width: ints, the output size.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        _check_size(self, height, width)
        self.height, self.width = height, width

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        shape = self._shape(images)
        h_axis, w_axis = self._hw_axes(len(shape))
        dh, dw = shape[h_axis] - self.height, shape[w_axis] - self.width
        if dh >= 0 and dw >= 0:
            return image_ops.crop_images(
                images, dh // 2, dw // 2, None, None, self.height, self.width, data_format=self.data_format
            )
        return image_ops.resize(
            images, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format
        )

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _resized_shape(self._check_shape(input_shape), self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomCrop(_ImageLayer):
    """Crop a random ``(height, width)`` window during training (one window for the whole batch); at
    inference, or when the image is not larger than the target, crop the largest centred window of the target
    aspect ratio and resize it (Keras's documented behaviour).

    Args:
        height, width: ints, the output size.
        seed: optional int seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self, height: int, width: int, seed: int | None = None, data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        _check_size(self, height, width)
        self.height, self.width = height, width
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        _, height, width = self._size(data)
        if training and height > self.height and width > self.width:
            seed = self._seed(seed)
            top = random.uniform((), 0.0, float(height - self.height + 1), seed=seed)
            left = random.uniform((), 0.0, float(width - self.width + 1), seed=seed)
            b = active()
            return b.cast(top, "int32"), b.cast(left, "int32")
        return None

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        b = active()
        if transformation is None:
            return image_ops.resize(
                images, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format
            )
        top, left = transformation
        shape = self._shape(images)
        h_axis, w_axis = (len(shape) + a for a in self._hw_axes(len(shape)))
        rows = b.add(b.arange(0, self.height, 1, "int32"), b.cast(top, "int32"))
        cols = b.add(b.arange(0, self.width, 1, "int32"), b.cast(left, "int32"))
        return b.take(b.take(images, rows, axis=h_axis), cols, axis=w_axis)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _resized_shape(self._check_shape(input_shape), self.height, self.width, self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width, "seed": self.seed}


class RandomFlip(_ImageLayer):
    """Flip each image with probability 1/2 during training.

    Args:
        mode: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"`` (both flips together).
        seed: optional int seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(
        self, mode: str = "horizontal_and_vertical", seed: int | None = None, data_format: str | None = None, **kwargs
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        if mode not in self._MODES:
            raise ValueError(f"{self._label()}: `mode` must be one of {self._MODES}, received {mode!r}.")
        self.mode = mode
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        shape = self._shape(data)
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        draws = random.uniform(flips_shape, seed=self._seed(seed))
        return {"flips": active().less_equal(draws, 0.5)}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training or transformation is None:
            return images
        b = active()
        flips = transformation["flips"]
        shape = self._shape(images)
        h_axis, w_axis = (len(shape) + a for a in self._hw_axes(len(shape)))
        if len(b.shape(flips)) > len(shape):
            flips = b.reshape(flips, b.shape(flips)[1:])
        out = images
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out = b.where(flips, b.flip(out, w_axis), out)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out = b.where(flips, b.flip(out, h_axis), out)
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


class _AffineLayer(_ImageLayer):
    """A random affine warp (``affine_transform``) with ``fill_mode``, ``interpolation`` and ``fill_value``."""

    def _set_fill(self, fill_mode: str, interpolation: str, fill_value: float, seed: int | None) -> None:
        self._check_choice("fill_mode", fill_mode, _FILL_MODES)
        self._check_choice("interpolation", interpolation, _INTERPOLATIONS)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _matrix(self, transformation: Any, height: int, width: int) -> Any:
        raise NotImplementedError

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training or transformation is None:
            return images
        _, height, width = self._size(images)
        return image_ops.affine_transform(
            images,
            self._matrix(transformation, height, width),
            interpolation=self.interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def _fill_config(self) -> dict:
        return {
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        }


def _rows_to_matrix(columns: list[Any]) -> Any:
    """Stack eight ``(n,)`` or ``(n, 1)`` columns into ``(n, 8)`` transforms."""
    b = active()
    return b.concatenate([b.reshape(c, (-1, 1)) for c in columns], 1)


class RandomRotation(_AffineLayer):
    """Rotate images about their centre by a random angle of ``factor`` turns (a fraction of 2π) during training.

    Args:
        factor: a number ``f`` (angles in ``[-f, f]`` turns) or a pair ``(lower, upper)``, within ``[-1, 1]``.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        seed: optional int seed.
        fill_value: the value outside the image with ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        self._set_fill(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        n, height, width = self._size(data)
        angle = random.uniform((n,), self.factor[0] * 360.0, self.factor[1] * 360.0, seed=self._seed(seed))
        return {"angle": angle, "image_height": height, "image_width": width, "batch_size": n}

    def _matrix(self, transformation: Any, height: int, width: int) -> Any:
        b = active()
        theta = b.multiply(b.cast(transformation["angle"], "float32"), math.pi / 180.0)
        cos, sin = b.cos(theta), b.sin(theta)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        a2 = b.add(b.subtract(cx, b.multiply(cx, cos)), b.multiply(cy, sin))
        b2 = b.subtract(b.subtract(cy, b.multiply(cx, sin)), b.multiply(cy, cos))
        zero = b.zeros_like(cos)
        return _rows_to_matrix([cos, b.negative(sin), a2, sin, cos, b2, zero, zero])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, **self._fill_config()}


class _HeightWidthFactors(_AffineLayer):
    """Layers with ``height_factor``/``width_factor`` in ``(-1, 1]`` (zoom) or ``[-1, 1]`` (translation)."""

    _OPEN_LOWER = False

    def _hw_factor(self, factor: Any, name: str) -> tuple[float, float]:
        def bad(v: Any) -> bool:
            return v > 1.0 or (v <= -1.0 if self._OPEN_LOWER else v < -1.0)

        message = (
            f"{self._label()}: the `{name}` argument should be a number (or a list of two numbers) in the range "
            f"{'(-1.0, 1.0]' if self._OPEN_LOWER else '[-1.0, 1.0]'}. Received: {name}={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or bad(factor[0]) or bad(factor[1]):
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if bad(factor):
                raise ValueError(message)
            lower, upper = -abs(factor), abs(factor)
        else:
            raise ValueError(message)
        return lower, upper

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            **self._fill_config(),
        }


class RandomZoom(_HeightWidthFactors):
    """Zoom images about their centre by a random factor during training: a factor ``f`` samples the
    image at ``1 + f`` times its spacing (``f > 0`` zooms out, ``f < 0`` zooms in).

    Args:
        height_factor: a number ``f`` (``[-f, f]``) or a pair ``(lower, upper)`` within ``(-1, 1]``.
        width_factor: the same for the width; ``None`` keeps the aspect ratio (the height draw).
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        seed: optional int seed.
        fill_value: the value outside the image with ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _OPEN_LOWER = True

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any = None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._hw_factor(height_factor, "height_factor")
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = self._hw_factor(width_factor, "width_factor")
        self._set_fill(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        n, _, _ = self._size(data)
        seed = self._seed(seed)
        height_zoom = random.uniform((n, 1), 1.0 + self.height_lower, 1.0 + self.height_upper, seed=seed)
        width_zoom = height_zoom
        if self.width_factor is not None:
            width_zoom = random.uniform((n, 1), 1.0 + self.width_lower, 1.0 + self.width_upper, seed=seed)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom}

    def _matrix(self, transformation: Any, height: int, width: int) -> Any:
        b = active()
        zx = b.reshape(b.cast(transformation["width_zoom"], "float32"), (-1,))
        zy = b.reshape(b.cast(transformation["height_zoom"], "float32"), (-1,))
        zero = b.zeros_like(zx)
        x_off = b.multiply((width - 1.0) / 2.0, b.subtract(1.0, zx))
        y_off = b.multiply((height - 1.0) / 2.0, b.subtract(1.0, zy))
        return _rows_to_matrix([zx, zero, x_off, zero, zy, y_off, zero, zero])


class RandomTranslation(_HeightWidthFactors):
    """Shift images by a random fraction of their height and width during training.

    Args:
        height_factor: a number ``f`` (shifts in ``[-f, f]`` of the height) or a pair, within ``[-1, 1]``.
        width_factor: the same for the width.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        seed: optional int seed.
        fill_value: the value outside the image with ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._hw_factor(height_factor, "height_factor")
        self.width_factor = width_factor
        self.width_lower, self.width_upper = self._hw_factor(width_factor, "width_factor")
        self._set_fill(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        b = active()
        n, height, width = self._size(data)
        seed = self._seed(seed)
        dy = b.multiply(random.uniform((n, 1), self.height_lower, self.height_upper, seed=seed), float(height))
        dx = b.multiply(random.uniform((n, 1), self.width_lower, self.width_upper, seed=seed), float(width))
        return {"translations": b.concatenate([dx, dy], 1)}

    def _matrix(self, transformation: Any, height: int, width: int) -> Any:
        b = active()
        dx, dy = b.split(b.cast(transformation["translations"], "float32"), 2, 1)
        one, zero = b.ones_like(dx), b.zeros_like(dx)
        return _rows_to_matrix([one, zero, b.negative(dx), zero, one, b.negative(dy), zero, zero])


class RandomShear(_AffineLayer):
    """Shear images by random factors along x and y during training (the sign of both drawn at random).

    Args:
        x_factor: a number ``f`` in ``[0, 1]`` (shears in ``[-f, f]``) or a pair ``(lower, upper)``.
        y_factor: the same along y.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"`` or ``"nearest"``.
        fill_value: the value outside the image with ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed.
    """

    def __init__(
        self,
        x_factor: Any = 0.0,
        y_factor: Any = 0.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._shear_factor(x_factor, "x_factor")
        self.y_factor = self._shear_factor(y_factor, "y_factor")
        self._set_fill(fill_mode, interpolation, fill_value, seed)

    def _shear_factor(self, factor: Any, name: str) -> tuple[float, float]:
        # a number must lie in [0, 1]; a pair in [-1, 1] (so that the stored (-f, f) round-trips)
        message = (
            f"{self._label()}: the `{name}` argument should be a number in the range [0, 1.0] "
            f"(or a list of two numbers in [-1.0, 1.0]). Received: {name}={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or any(not -1.0 <= f <= 1.0 for f in factor):
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if not 0.0 <= factor <= 1.0:
                raise ValueError(message)
            lower, upper = -abs(factor), abs(factor)
        else:
            raise ValueError(message)
        return lower, upper

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        b = active()
        n, _, _ = self._size(data)
        seed = self._seed(seed)
        invert = random.uniform((n, 1), 0.0, 1.0, seed=seed)
        sign = b.where(b.greater(invert, 0.5), -1.0, 1.0)
        shear_y = random.uniform((n, 1), self.y_factor[0], self.y_factor[1], seed=seed)
        shear_x = random.uniform((n, 1), self.x_factor[0], self.x_factor[1], seed=seed)
        return {"shear_factor": b.multiply(b.concatenate([shear_x, shear_y], 1), b.cast(sign, "float32"))}

    def _matrix(self, transformation: Any, height: int, width: int) -> Any:
        b = active()
        sx, sy = b.split(b.cast(transformation["shear_factor"], "float32"), 2, 1)
        one, zero = b.ones_like(sx), b.zeros_like(sx)
        return _rows_to_matrix([one, sx, zero, sy, one, zero, zero, zero])

    def get_config(self) -> dict:
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor, **self._fill_config()}


def _where_images(apply: Any, transformed: Any, images: Any) -> Any:
    """Per image: ``transformed`` where ``apply`` (shape ``(n,)``), else ``images``."""
    b = active()
    rank = len(b.shape(images))
    if rank == 3:
        apply = b.reshape(apply, (1, 1, 1))
    else:
        apply = b.reshape(apply, (-1, 1, 1, 1))
    return b.where(apply, transformed, images)


class RandomPerspective(_ImageLayer):
    """Warp images by a random perspective transform during training: each corner moves by up to
    ``scale / 2`` of its coordinates; each image is warped with a probability drawn in ``factor``.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probability range ``[0, f]``) or a pair.
        scale: the distortion in ``[0, 1]``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_value: the value outside the warped image.
        seed: optional int seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _FACTOR_BOUNDS = (0.0, 1.0)

    def __init__(
        self,
        factor: Any = 1.0,
        scale: float = 1.0,
        interpolation: str = "bilinear",
        fill_value: float = 0.0,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        if not isinstance(scale, (int, float)) or not 0.0 <= scale <= 1.0:
            raise ValueError(f"{self._label()}: the `scale` argument should be a number in [0, 1]. Received: {scale}")
        self._check_choice("interpolation", interpolation, _INTERPOLATIONS)
        self.scale = scale
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        b = active()
        n, height, width = self._size(data)
        seed = self._seed(seed)
        probability = random.uniform((n,), self.factor[0], self.factor[1], seed=seed)
        threshold = random.uniform((n,), 0.0, 1.0, seed=seed)
        moves = random.uniform((n, 4, 2), -0.5 * self.scale, 0.5 * self.scale, seed=seed)
        corners = np.array([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]], np.float32)
        start = b.broadcast_to(b.convert_to_tensor(corners[None], "float32"), (n, 4, 2))
        end = b.add(start, b.multiply(start, moves))
        return {"apply_perspective": b.less(threshold, probability), "start_points": start, "end_points": end}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training or transformation is None:
            return images
        warped = image_ops.perspective_transform(
            images,
            transformation["start_points"],
            transformation["end_points"],
            interpolation=self.interpolation,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        if len(active().shape(images)) == 3:
            warped = active().squeeze(warped, 0) if len(active().shape(warped)) == 4 else warped
        return _where_images(transformation["apply_perspective"], warped, images)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
            "seed": self.seed,
        }


class RandomElasticTransform(_ImageLayer):
    """Distort images with a random smooth displacement field during training (``elastic_transform`` with
    ``alpha = 0.1 * s * max(h, w)`` and ``sigma = 0.05 * s * min(h, w)`` for a distortion ``s`` drawn in
    ``scale``), each image with a probability drawn in ``factor``; results clipped to ``value_range``.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probability range ``[0, f]``) or a pair.
        scale: a number or pair in ``[0, 1]``, the distortion range.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"``, ``"nearest"`` or ``"mirror"``.
        fill_value: the value outside the image with ``fill_mode="constant"``.
        value_range: ``(low, high)`` of the pixel values.
        seed: optional int seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _FACTOR_BOUNDS = (0.0, 1.0)

    def __init__(
        self,
        factor: Any = 1.0,
        scale: Any = 1.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        value_range: tuple = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        self.scale = self._set_factor(scale, "scale")
        self._check_choice("interpolation", interpolation, _INTERPOLATIONS)
        self._check_choice("fill_mode", fill_mode, ("constant", "nearest", "wrap", "mirror", "reflect"))
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        b = active()
        n, height, width = self._size(data)
        seed = self._seed(seed)
        probability = random.uniform((n,), self.factor[0], self.factor[1], seed=seed)
        threshold = random.uniform((n,), 0.0, 1.0, seed=seed)
        distortion = random.uniform((), self.scale[0], self.scale[1], seed=seed)
        noise = random.normal((n, height, width, 2), seed=seed)
        return {"apply_transform": b.less(threshold, probability), "distortion_factor": distortion, "noise": noise}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training or transformation is None:
            return images
        b = active()
        _, height, width = self._size(images)
        s = b.cast(transformation["distortion_factor"], "float32")
        alpha = b.multiply(s, 0.1 * max(height, width))
        sigma = b.multiply(s, 0.05 * min(height, width))
        ksize = (6 * int(0.05 * min(height, width) * self.scale[1])) | 1  # the largest kernel a draw can need
        x, single = image_ops._to_nhwc(images, self.data_format)
        warped = image_ops._elastic(
            x, transformation["noise"], alpha, sigma, ksize, self.interpolation, self.fill_mode, self.fill_value
        )
        warped = image_ops._from_nhwc(warped, single, self.data_format)
        out = _where_images(transformation["apply_transform"], warped, images)
        return b.clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "interpolation": self.interpolation,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "seed": self.seed,
        }


class RandomGaussianBlur(_ImageLayer):
    """Blur images with a Gaussian kernel of random standard deviations (drawn in ``sigma``, one pair per
    batch) during training, each image with a probability drawn in ``factor``; results clipped to
    ``value_range``.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probability range ``[0, f]``) or a pair.
        kernel_size: an odd int or a pair of odd ints.
        sigma: a number or pair in ``[0, 1]``, the range of the standard deviations.
        value_range: ``(low, high)`` of the pixel values.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed.
    """

    _FACTOR_BOUNDS = (0.0, 1.0)

    def __init__(
        self,
        factor: Any = 1.0,
        kernel_size: Any = 3,
        sigma: Any = 1.0,
        value_range: tuple = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        self.kernel_size = self._kernel_size(kernel_size)
        self.sigma = self._set_factor(sigma, "sigma")
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _kernel_size(self, size: Any) -> tuple[int, int]:
        pair = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
        if len(pair) != 2 or any(not isinstance(k, int) or k % 2 == 0 for k in pair):
            raise ValueError(
                f"{self._label()}: kernel_size must be an odd number (or two). Received: kernel_size={size}"
            )
        return pair

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        b = active()
        n, _, _ = self._size(data)
        seed = self._seed(seed)
        probability = random.uniform((n,), self.factor[0], self.factor[1], seed=seed)
        threshold = random.uniform((n,), 0.0, 1.0, seed=seed)
        blur = b.add(random.uniform((2,), self.sigma[0], self.sigma[1], seed=seed), 1e-6)
        return {"should_apply_blur": b.less(threshold, probability), "blur_factor": blur}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training or transformation is None:
            return images
        blurred = image_ops.gaussian_blur(
            images, self.kernel_size, transformation["blur_factor"], data_format=self.data_format
        )
        out = _where_images(transformation["should_apply_blur"], blurred, images)
        return active().clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "kernel_size": self.kernel_size,
            "sigma": self.sigma,
            "value_range": self.value_range,
            "seed": self.seed,
        }
