"""Colour and mixing image augmentation layers (contrast, brightness, hue, MixUp, CutMix, ...).

Each layer takes one image (rank 3) or a batch (rank 4) in ``data_format``. As in Keras 3, a random
layer draws its parameters with ``get_random_transformation(data, training, seed)`` and applies them
with ``transform_images(images, transformation, training)``; calling ``transform_images`` with a
transformation of your own applies a fixed augmentation. ``training`` left unset means ``True`` (Keras's
default for these layers); inside a model, ``fit`` augments and ``predict``/``evaluate`` do not.

Inputs may also be a dict ``{"images": ..., "labels": ...}`` (MixUp and CutMix mix the labels, the others
pass them through). Bounding boxes and segmentation masks are not supported: a dict holding them raises a
ValueError naming the layer (``MaxNumBoundingBoxes`` alone works on ``"bounding_boxes"``).
"""

from __future__ import annotations

from typing import Any

from unikeras import config, random
from unikeras.layers import serialization
from unikeras.layers.layer import Layer, current_training
from unikeras.ops import image_color
from unikeras.ops.dispatch import active

__all__: list[str] = [
    "AutoContrast",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Equalization",
    "MaxNumBoundingBoxes",
    "MixUp",
    "Pipeline",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomErasing",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPosterization",
    "RandomSaturation",
    "RandomSharpness",
    "Solarization",
]


# ---------------------------------------------------------------------------------------------- helpers
def _images_of(data: Any) -> Any:
    return data["images"] if isinstance(data, dict) else data


def _batch_size(layer: Layer, images: Any) -> int:
    shape = active().shape(images)
    if len(shape) not in (3, 4):
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': expected the input image to be rank 3 or 4, "
            f"received inputs.shape={tuple(shape)}."
        )
    return 1 if len(shape) == 3 else shape[0]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _factor_pair(layer: Layer, factor: Any, bounds: tuple, name: str = "factor") -> tuple:
    """Keras's factor rule: a pair ``(lower, upper)`` overlapping ``bounds`` (sorted), or a number ``f`` in
    ``bounds`` meaning ``(max(-|f|, bounds[0]), |f|)``."""
    message = (
        f"{type(layer).__name__} '{layer.name}': the `{name}` argument should be a number (or a list of two "
        f"numbers) in the range [{bounds[0]}, {bounds[1]}]. Received: {name}={factor!r}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(_is_number(f) for f in factor):
            raise ValueError(message)
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if _is_number(factor):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)


def _value_range(layer: Layer, value_range: Any, sort: bool = True) -> Any:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': the `value_range` argument should be a list of two numbers. "
            f"Received: value_range={value_range!r}"
        )
    return sorted(value_range) if sort else value_range


def _rescale(images: Any, source: Any, target: Any) -> Any:
    """Values of ``images`` moved linearly from the range ``source`` to ``target``."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    b = active()
    unit = b.divide(b.subtract(images, float(source[0])), float(source[1] - source[0]))
    return b.add(b.multiply(unit, float(target[1] - target[0])), float(target[0]))


def _spatial_axes(data_format: str, rank: int = 4) -> tuple[int, int]:
    return (rank - 3, rank - 2) if data_format == "channels_last" else (rank - 2, rank - 1)


def _per_image(values: Any) -> Any:
    """``(batch,)`` values reshaped to broadcast over ``(batch, ., ., .)`` images."""
    return active().reshape(values, (-1, 1, 1, 1))


def _box_masks(images_shape: tuple, data_format: str, corners: tuple, dtype: str) -> Any:
    """Boolean ``(batch, *image)`` masks true inside ``x0 <= x < x1, y0 <= y < y1`` (pixel indices)."""
    b = active()
    h_axis, w_axis = _spatial_axes(data_format)
    height, width = images_shape[h_axis], images_shape[w_axis]
    grid_shape = [1, 1, 1, 1]
    grid_shape[h_axis] = height
    rows = b.reshape(b.arange(height, dtype=dtype), grid_shape)
    grid_shape = [1, 1, 1, 1]
    grid_shape[w_axis] = width
    cols = b.reshape(b.arange(width, dtype=dtype), grid_shape)
    x0, x1, y0, y1 = (_per_image(c) for c in corners)
    inside_x = b.logical_and(b.greater_equal(cols, x0), b.less(cols, x1))
    inside_y = b.logical_and(b.greater_equal(rows, y0), b.less(rows, y1))
    return b.broadcast_to(b.logical_and(inside_x, inside_y), tuple(images_shape))


def _beta(shape: tuple, alpha: Any, dtype: str, seed: Any) -> Any:
    """Beta(alpha, alpha) draws; ``alpha`` a number or a scalar tensor."""
    from unikeras.random_distributions import _gamma, _seeds

    if isinstance(seed, random.SeedGenerator):
        # each counter copied as it is read: on torch and mxnet the generator's state is updated in place,
        # so six seed pairs taken first would share one counter (and Beta draws would all be 0.5)
        pairs = [(base, active().copy(counter)) for base, counter in (seed.next() for _ in range(6))]
    else:
        pairs = _seeds(seed, 6)
    b = active()
    first = _gamma(shape, alpha, dtype, pairs[:3])
    second = _gamma(shape, alpha, dtype, pairs[3:])
    total = b.add(first, second)
    # a tiny alpha can underflow both gamma draws to 0: such a draw gives 1/2 instead of 0/0
    positive = b.greater(total, 0.0)
    ratio = b.divide(first, b.where(positive, total, b.ones_like(total)))
    return b.where(positive, ratio, b.full(shape, 0.5, dtype))


def _crop_bounds(batch: int, length: int, ratio: Any, dtype: str, seed: Any) -> tuple[Any, Any]:
    """Start and end of a crop of ``ratio * length`` placed uniformly inside ``length``."""
    b = active()
    crop = b.multiply(ratio, float(length))
    start = b.multiply(random.uniform((batch,), 0.0, 1.0, dtype=dtype, seed=seed), b.subtract(float(length), crop))
    return start, b.add(start, crop)


# ---------------------------------------------------------------------------------------------- base
class _ImageLayer(Layer):
    """Shared machinery: rank 3 or 4 inputs, dict inputs, the seed stream and ``data_format``."""

    _has_seed = True  # whether the layer owns a random stream
    _mixes_labels = False

    def __init__(self, data_format: str | None = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_min_ndim = 3  # makes every call check the rank (rank 3 or 4: _check_input_rank)
        self.data_format = config.standardize_data_format(data_format, f"{type(self).__name__} '{self.name}'")
        if self._has_seed:
            self.seed = seed
            self.generator = random.SeedGenerator(seed)

    # -- the Keras 3 protocol
    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """The random parameters of one call on ``data`` (images or a dict holding ``"images"``)."""
        return None

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        """``images`` (a batch, rank 4) transformed by ``transformation``."""
        return images

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        """``labels`` of the batch under ``transformation`` (unchanged unless the layer mixes images)."""
        return labels

    def _seed(self, seed: Any) -> Any:
        return self.generator if seed is None else seed

    # -- calls
    def _check_input_rank(self, shape: tuple) -> None:
        if len(shape) not in (3, 4):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected images of rank 3 (one image) or rank 4 "
                f"(a batch of images), received shape {tuple(shape)}."
            )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def _transform_any_rank(self, images: Any, transformation: Any, training: bool) -> Any:
        b = active()
        if len(b.shape(images)) == 3:
            return b.squeeze(self.transform_images(b.expand_dims(images, 0), transformation, training), 0)
        return self.transform_images(images, transformation, training)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        training = True if training is None else bool(training)
        transformation = self.get_random_transformation(inputs, training=training)
        return self._transform_any_rank(inputs, transformation, training)

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        return super().__call__(inputs, *args, training=training, **kwargs)

    def _check_dict(self, data: dict, allowed: set) -> None:
        extra = set(data) - allowed
        if "images" not in data or extra:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': dict inputs must hold 'images' and may hold "
                f"{sorted(allowed - {'images'})}; bounding boxes and segmentation masks are not supported by "
                f"unikeras's colour layers. Received keys: {sorted(data)}."
            )

    def _prepare_dict(self, data: dict) -> Any:
        from unikeras import backends

        b = backends.current()
        images = self._as_tensor(data["images"], b)
        if b.dtype_name(images).startswith(("float", "bfloat")) and b.dtype_name(images) != self.compute_dtype:
            images = b.cast(images, self.compute_dtype)
        if not self.built:
            self._maybe_build(b.shape(images))
        else:
            self._check_input_rank(b.shape(images))
        return images

    def _call_dict(self, data: dict, training: bool | None) -> dict:
        self._check_dict(data, {"images", "labels"})
        from unikeras import backends

        with backends.activated(self._backend or backends.current()):
            if training is None:
                training = current_training()
            training = True if training is None else bool(training)
            images = self._prepare_dict(data)
            out = dict(data)
            transformation = self.get_random_transformation({**data, "images": images}, training=training)
            out["images"] = self._transform_any_rank(images, transformation, training)
            if "labels" in data:
                b = active()
                labels = self._as_tensor(data["labels"], b)
                if len(b.shape(images)) == 3:
                    out["labels"] = b.squeeze(
                        self.transform_labels(b.expand_dims(labels, 0), transformation, training), 0
                    )
                else:
                    out["labels"] = self.transform_labels(labels, transformation, training)
        return out

    def get_config(self) -> dict:
        cfg = {**super().get_config(), "data_format": self.data_format}
        if self._has_seed:
            cfg["seed"] = self.seed
        return cfg

    def _float(self, images: Any) -> Any:
        b = active()
        return images if b.dtype_name(images) == self.compute_dtype else b.cast(images, self.compute_dtype)


# ---------------------------------------------------------------------------------------------- colour
class RandomContrast(_ImageLayer):
    """Scales each image's contrast by a random factor: ``(x - mean) * f + mean`` per channel (mean over
    height and width), then clips to ``value_range``. ``f`` is drawn per image on
    ``[1 - lower, 1 + upper]``. The identity unless ``training``.

    Args:
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair ``(lower, upper)``.
        value_range: the ``[low, high]`` range of the images' values.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (0, 1))
        self.value_range = _value_range(self, value_range, sort=False)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        b = active()
        if not training:
            return {"contrast_factor": b.zeros((batch, 1, 1, 1), self.compute_dtype)}
        factor = random.uniform(
            (batch, 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1], self.compute_dtype, self._seed(seed)
        )
        return {"contrast_factor": factor}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        images = self._float(images)
        mean = b.mean(images, axis=_spatial_axes(self.data_format), keepdims=True)
        factor = b.cast(transformation["contrast_factor"], self.compute_dtype)
        out = b.add(b.multiply(b.subtract(images, mean), factor), mean)
        return b.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomBrightness(_ImageLayer):
    """Adds a random delta to each image, ``delta = u * (high - low)`` with ``u`` drawn on ``factor``,
    then clips to ``value_range``. The identity unless ``training``.

    Args:
        factor: a number ``f`` in [-1, 1] (meaning ``(-|f|, |f|)``) or a pair ``(lower, upper)``.
        value_range: the ``[low, high]`` range of the images' values.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (-1, 1))
        self.value_range = _value_range(self, value_range)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        b = active()
        if not training:
            return {"rgb_delta": b.zeros((batch, 1, 1, 1), self.compute_dtype)}
        delta = random.uniform((batch, 1, 1, 1), self.factor[0], self.factor[1], self.compute_dtype, self._seed(seed))
        return {"rgb_delta": b.multiply(delta, float(self.value_range[1] - self.value_range[0]))}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        images = self._float(images)
        out = b.add(images, b.cast(transformation["rgb_delta"], self.compute_dtype))
        return b.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomGrayscale(_ImageLayer):
    """Turns each image to grayscale (kept with its channels) with probability ``factor``. The identity
    unless ``training``.

    Args:
        factor: the probability in [0, 1].
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()`` when ``None``).
        seed: optional int seed of this layer's random stream.
    """

    def __init__(
        self, factor: float = 0.5, data_format: str | None = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if not _is_number(factor) or not 0 <= factor <= 1:
            raise ValueError(
                f"RandomGrayscale '{self.name}': `factor` should be between 0 and 1. Received: factor={factor!r}"
            )
        self.factor = factor

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        draws = random.uniform((batch, 1, 1, 1), 0.0, 1.0, self.compute_dtype, self._seed(seed))
        return active().less(draws, float(self.factor))

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        gray = image_color.rgb_to_grayscale(images, data_format=self.data_format)
        return b.where(transformation, b.broadcast_to(gray, b.shape(images)), images)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


class RandomInvert(_ImageLayer):
    """Replaces each image ``x`` by ``high - x`` with a probability drawn per image on ``factor``. The
    identity unless ``training``.

    Args:
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair: the range of the probability.
        value_range: the ``[low, high]`` range of the images' values.
        seed: optional int seed of this layer's random stream.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        factor: Any = 1.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (0, 1))
        self.value_range = _value_range(self, value_range, sort=False)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        batch = _batch_size(self, _images_of(data))
        seed = self._seed(seed)
        probability = random.uniform((batch,), self.factor[0], self.factor[1], self.compute_dtype, seed)
        threshold = random.uniform((batch,), 0.0, 1.0, self.compute_dtype, seed)
        return {"apply_inversion": active().less(threshold, probability)}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        images = self._float(images)
        inverted = b.subtract(float(self.value_range[1]), images)
        return b.where(_per_image(transformation["apply_inversion"]), inverted, images)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class Solarization(_ImageLayer):
    """Adds a random amount to each image (on the 0-255 scale, clipped) and inverts the pixels at or above
    a random threshold: ``x + a if x + a < t else 255 - (x + a)``; ``a`` is drawn on
    ``[addition_factor[0], 255 * addition_factor[1]]``, ``t`` on ``[threshold_factor[0],
    255 * threshold_factor[1]]``. The identity unless ``training``.

    Args:
        addition_factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair.
        threshold_factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair.
        value_range: the ``[low, high]`` range of the images' values.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(
        self,
        addition_factor: Any = 0.0,
        threshold_factor: Any = 0.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._pair(addition_factor, "addition_factor")
        self.threshold_factor = self._pair(threshold_factor, "threshold_factor")
        self.value_range = _value_range(self, value_range)

    def _pair(self, factor: Any, name: str) -> tuple:
        if _is_number(factor):
            factor = (0, factor)
        pair = _factor_pair(self, factor, (0, 1), name)
        if pair[0] < 0 or pair[1] > 1:
            _factor_pair(self, None, (0, 1), name)  # raises
        return pair

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        batch = _batch_size(self, _images_of(data))
        seed = self._seed(seed)
        shape = (batch, 1, 1, 1)
        dtype = self.compute_dtype
        additions = random.uniform(shape, self.addition_factor[0], self.addition_factor[1] * 255, dtype, seed)
        thresholds = random.uniform(shape, self.threshold_factor[0], self.threshold_factor[1] * 255, dtype, seed)
        return {"additions": additions, "thresholds": thresholds}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = self._float(images)
        if not training or transformation is None:
            return images
        b = active()
        out = _rescale(images, self.value_range, (0, 255))
        out = b.clip(b.add(out, transformation["additions"]), 0.0, 255.0)
        out = b.where(b.less(out, transformation["thresholds"]), out, b.subtract(255.0, out))
        return _rescale(out, (0, 255), self.value_range)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "addition_factor": self.addition_factor,
            "threshold_factor": self.threshold_factor,
        }


class RandomColorDegeneration(_ImageLayer):
    """Blends each image with its grayscale: ``x + f * (gray(x) - x)``, ``f`` drawn per image on
    ``factor`` (negative ``f`` enhances colour), clipped to ``value_range``. The identity unless ``training``.

    Args:
        factor: a number ``f`` in [-1, 1] (meaning ``(-|f|, |f|)``) or a pair.
        value_range: the ``[low, high]`` range of the images' values.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(
        self,
        factor: Any,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (-1, 1))
        self.value_range = _value_range(self, value_range)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        factor = random.uniform((batch, 1, 1, 1), self.factor[0], self.factor[1], self.compute_dtype, self._seed(seed))
        return {"factor": factor}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        images = self._float(images)
        gray = image_color.rgb_to_grayscale(images, data_format=self.data_format)
        out = b.add(images, b.multiply(b.cast(transformation["factor"], self.compute_dtype), b.subtract(gray, images)))
        return b.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


def _replace_channel(layer: _ImageLayer, hsv: Any, index: int, plane: Any) -> Any:
    b = active()
    axis = -1 if layer.data_format == "channels_last" else 1
    planes = [b.squeeze(p, axis) for p in b.split(hsv, 3, axis)]
    planes[index] = plane
    return b.stack(planes, axis=axis)


def _channel(layer: _ImageLayer, hsv: Any, index: int) -> Any:
    b = active()
    axis = -1 if layer.data_format == "channels_last" else 1
    return b.squeeze(b.split(hsv, 3, axis)[index], axis)


class RandomSaturation(_ImageLayer):
    """Scales each image's HSV saturation by ``f / (1 - f + epsilon)``, ``f`` drawn per image on ``factor``
    (the scaled saturation clipped to ``value_range``, as Keras does). The identity unless ``training``.

    Args:
        factor: a number ``f`` in [-1, 1] (meaning ``(-|f|, |f|)``) or a pair.
        value_range: the ``[low, high]`` range of the images' values.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(
        self,
        factor: Any,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (-1, 1))
        self.value_range = _value_range(self, value_range)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        b = active()
        factor = random.uniform((batch,), self.factor[0], self.factor[1], self.compute_dtype, self._seed(seed))
        return {"factor": b.divide(factor, b.add(b.subtract(1.0, factor), config.epsilon()))}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        images = self._float(images)
        factor = b.reshape(b.cast(transformation["factor"], self.compute_dtype), (-1, 1, 1))
        hsv = image_color.rgb_to_hsv(images, data_format=self.data_format)
        saturation = b.clip(b.multiply(_channel(self, hsv, 1), factor), self.value_range[0], self.value_range[1])
        return image_color.hsv_to_rgb(_replace_channel(self, hsv, 1, saturation), data_format=self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomHue(_ImageLayer):
    """Shifts each image's HSV hue by ``±f / 2`` (sign and ``f`` drawn per image, ``f`` on ``factor``),
    wrapping around 1. The identity unless ``training``.

    Args:
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair.
        value_range: the ``[low, high]`` range of the images' values.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(
        self,
        factor: Any,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (0, 1))
        self.value_range = _value_range(self, value_range, sort=False)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        b = active()
        seed = self._seed(seed)
        dtype = self.compute_dtype
        sign = random.uniform((batch,), 0.0, 1.0, dtype, seed)
        sign = b.where(b.greater(sign, 0.5), b.full((batch,), -1.0, dtype), b.ones((batch,), dtype))
        factor = random.uniform((batch,), self.factor[0], self.factor[1], dtype, seed)
        return {"factor": b.multiply(b.multiply(sign, factor), 0.5)}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        images = _rescale(self._float(images), self.value_range, (0, 1))
        shift = b.reshape(b.cast(transformation["factor"], self.compute_dtype), (-1, 1, 1))
        hsv = image_color.rgb_to_hsv(images, data_format=self.data_format)
        hue = b.add(_channel(self, hsv, 0), shift)
        hue = b.where(b.greater(hue, 1.0), b.subtract(hue, 1.0), hue)
        hue = b.where(b.less(hue, 0.0), b.add(hue, 1.0), hue)
        out = image_color.hsv_to_rgb(_replace_channel(self, hsv, 0, hue), data_format=self.data_format)
        return _rescale(b.clip(out, 0.0, 1.0), (0, 1), self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomSharpness(_ImageLayer):
    """Blends each image with a smoothed copy: ``x + (1 - 2f) * (smooth(x) - x)``, ``f`` drawn per image on
    ``factor``; ``smooth`` is the 3x3 filter ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`` per channel with zero
    padding. Clipped to ``value_range``. The identity unless ``training``.

    Args:
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair.
        value_range: the ``[low, high]`` range of the images' values.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(
        self,
        factor: Any,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (0, 1))
        self.value_range = _value_range(self, value_range)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        return {
            "factor": random.uniform((batch,), self.factor[0], self.factor[1], self.compute_dtype, self._seed(seed))
        }

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = self._float(images)
        if not training:
            return images
        from unikeras.ops.nn import depthwise_conv

        b = active()
        channels = b.shape(images)[-1 if self.data_format == "channels_last" else 1]
        side, centre = 1.0 / 13.0, 5.0 / 13.0
        kernel = [[side, side, side], [side, centre, side], [side, side, side]]
        kernel = b.tile(b.reshape(b.convert_to_tensor(kernel, self.compute_dtype), (3, 3, 1, 1)), (1, 1, channels, 1))
        smooth = depthwise_conv(images, kernel, 1, "same", self.data_format)
        blend = _per_image(b.subtract(1.0, b.multiply(b.cast(transformation["factor"], self.compute_dtype), 2.0)))
        out = b.add(images, b.multiply(blend, b.subtract(smooth, images)))
        return b.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomPosterization(_ImageLayer):
    """Keeps the ``n`` high bits of each 8-bit value (on the 0-255 scale), ``n`` drawn per image as an
    integer on ``[lower, upper)`` (``lower`` when they are equal). The identity unless ``training``.

    Args:
        factor: a number ``f`` in [1, 8] (meaning ``(1, f)``) or a pair of bit counts.
        value_range: the ``[low, high]`` range of the images' values.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed of this layer's random stream.
    """

    def __init__(
        self,
        factor: Any,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (1, 8))
        self.value_range = _value_range(self, value_range)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        batch = _batch_size(self, _images_of(data))
        b = active()
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            bits = random.randint((batch,), low, high, "int32", self._seed(seed))
        else:
            bits = b.full((batch,), low, "int32")
        return {"shift_factor": b.subtract(8, bits)}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        out = b.floor(b.clip(_rescale(self._float(images), self.value_range, (0, 255)), 0.0, 255.0))
        step = b.power(2.0, _per_image(b.cast(transformation["shift_factor"], self.compute_dtype)))
        out = b.multiply(b.floor(b.divide(out, step)), step)
        return _rescale(out, (0, 255), self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class AutoContrast(_ImageLayer):
    """Stretches each channel of each image to the full ``value_range``: its minimum maps to ``low`` and its
    maximum to ``high``; a constant channel is left as it is. Deterministic and applied in training and
    inference alike.

    Args:
        value_range: the ``[low, high]`` range of the images' values.
    """

    _has_seed = False

    def __init__(self, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_range = _value_range(self, value_range)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        b = active()
        original = images
        images = _rescale(self._float(images), self.value_range, (0, 255))
        axes = _spatial_axes(self.data_format)
        low = b.min(images, axis=axes, keepdims=True)
        high = b.max(images, axis=axes, keepdims=True)
        spread = b.subtract(high, low)
        varies = b.greater(spread, 0.0)
        scale = b.divide(255.0, b.where(varies, spread, b.ones_like(spread)))
        out = b.clip(b.multiply(b.subtract(images, low), scale), 0.0, 255.0)
        out = _rescale(out, (0, 255), self.value_range)
        return b.where(b.broadcast_to(varies, b.shape(out)), out, self._float(original))

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range}


class Equalization(_ImageLayer):
    """Histogram equalization per channel: values binned into ``bins`` bins on the 0-255 scale (the
    histogram taken over the whole batch, as Keras does) and mapped through the normalized cumulative
    histogram; a channel with one occupied bin is left as it is. The identity unless ``training``.

    Args:
        value_range: the ``[low, high]`` range of the images' values.
        bins: the number of histogram bins.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _has_seed = False

    def __init__(self, value_range: Any = (0, 255), bins: int = 256, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2:
            raise ValueError(f"Equalization '{self.name}': `bins` must be an int >= 2. Received: bins={bins!r}")
        self.bins = bins
        self.value_range = _value_range(self, value_range)

    def _equalize(self, channel: Any) -> Any:
        b = active()
        bins = self.bins
        flat = b.reshape(channel, (-1,))
        hist_index = b.clip(b.cast(b.divide(b.multiply(flat, float(bins - 1)), 255.0), "int32"), 0, bins - 1)
        hist = b.sum(b.one_hot(hist_index, bins, "float32"), axis=0)
        occupied = b.sum(b.cast(b.greater(hist, 0.0), "float32"))
        cdf = b.cumsum(hist, axis=0)
        cdf_min = b.min(b.where(b.greater(cdf, 0.0), cdf, b.full((bins,), float("inf"), "float32")))
        total = b.subtract(b.max(cdf), cdf_min)
        total = b.where(b.equal(total, 0.0), b.ones_like(total), total)
        table = b.clip(b.round(b.divide(b.multiply(b.subtract(cdf, cdf_min), 255.0), total)), 0.0, 255.0)
        look_index = b.cast(b.clip(b.multiply(b.divide(flat, 255.0), float(bins - 1)), 0.0, float(bins - 1)), "int32")
        equalized = b.reshape(b.cast(b.take(table, look_index, axis=0), b.dtype_name(channel)), b.shape(channel))
        return b.where(b.less_equal(occupied, 1.0), channel, equalized)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        b = active()
        images = _rescale(self._float(images), self.value_range, (0, 255))
        axis = -1 if self.data_format == "channels_last" else 1
        channels = [self._equalize(b.squeeze(c, axis)) for c in b.split(images, b.shape(images)[axis], axis)]
        return _rescale(b.stack(channels, axis=axis), (0, 255), self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}


class RandomColorJitter(_ImageLayer):
    """Applies, in this order, RandomBrightness, RandomContrast, RandomSaturation and RandomHue for the
    factors given (``None`` skips one). The identity unless ``training``.

    Args:
        value_range: the ``[low, high]`` range of the images' values.
        brightness_factor: ``RandomBrightness``'s ``factor`` or ``None``.
        contrast_factor: ``RandomContrast``'s ``factor`` or ``None``.
        saturation_factor: ``RandomSaturation``'s ``factor`` or ``None``.
        hue_factor: ``RandomHue``'s ``factor`` or ``None``.
        seed: optional int seed of this layer's random stream.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        value_range: Any = (0, 255),
        brightness_factor: Any = None,
        contrast_factor: Any = None,
        saturation_factor: Any = None,
        hue_factor: Any = None,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = _value_range(self, value_range, sort=False)
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        common = {"value_range": value_range, "seed": seed, "dtype": self.dtype_policy}
        spatial = {**common, "data_format": self.data_format}
        self._steps: list[tuple[str, _ImageLayer]] = []
        for key, cls, kwargs_ in (
            ("brightness", RandomBrightness, common),
            ("contrast", RandomContrast, {**common, "data_format": self.data_format}),
            ("saturation", RandomSaturation, spatial),
            ("hue", RandomHue, spatial),
        ):
            factor = getattr(self, f"{key}_factor")
            if factor is not None:
                sub = cls(factor=factor, **kwargs_)
                setattr(self, f"random_{key}", sub)
                self._steps.append((key, sub))

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images = _images_of(data)
        seed = self._seed(seed)
        return {key: sub.get_random_transformation(images, training=True, seed=seed) for key, sub in self._steps}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        images = self._float(images)
        for key, sub in self._steps:
            images = sub.transform_images(images, transformation[key], training=True)
        return images

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "brightness_factor": self.brightness_factor,
            "contrast_factor": self.contrast_factor,
            "saturation_factor": self.saturation_factor,
            "hue_factor": self.hue_factor,
        }


# ---------------------------------------------------------------------------------------------- erasing and mixing
class RandomErasing(_ImageLayer):
    """Replaces a random rectangle of each image, with a probability drawn per image on ``factor``, by
    ``fill_value`` (Gaussian noise times ``high`` when ``None``, clipped to ``value_range``). The rectangle
    covers ``sqrt(s_w) * width`` by ``sqrt(s_h) * height`` pixels, ``s_w, s_h`` drawn on ``scale``. The identity
    unless ``training``.

    Args:
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair: the range of the probability.
        scale: a number or pair in [0, 1]: the range of the erased fraction per side, squared.
        fill_value: a number, three numbers (one per channel) or ``None``.
        value_range: the ``[low, high]`` range of the images' values.
        seed: optional int seed of this layer's random stream.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        factor: Any = 1.0,
        scale: Any = (0.02, 0.33),
        fill_value: Any = None,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (0, 1))
        self.scale = _factor_pair(self, scale, (0, 1), "scale")
        if fill_value is not None and not _is_number(fill_value):
            if not isinstance(fill_value, (tuple, list)) or len(fill_value) != 3:
                raise ValueError(
                    f"RandomErasing '{self.name}': the `fill_value` argument should be a number (or a list of "
                    f"three numbers). Received: fill_value={fill_value!r}"
                )
        self.fill_value = fill_value
        self.value_range = _value_range(self, value_range, sort=False)

    def _fill(self, images: Any, seed: Any) -> Any:
        b = active()
        shape = b.shape(images)
        dtype = self.compute_dtype
        if self.fill_value is None:
            fill = b.multiply(random.normal(shape, 0.0, 1.0, dtype, seed), float(self.value_range[1]))
        elif _is_number(self.fill_value):
            fill = b.full(shape, float(self.fill_value), dtype)
        else:
            per_channel = [1, 1, 1, 1] if len(shape) == 4 else [1, 1, 1]
            per_channel[-1 if self.data_format == "channels_last" else -3] = 3
            values = b.reshape(b.convert_to_tensor([float(v) for v in self.fill_value], dtype), per_channel)
            fill = b.broadcast_to(values, shape)
        return b.clip(fill, self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        b = active()
        images = _images_of(data)
        batch = _batch_size(self, images)
        shape = tuple(b.shape(images)) if len(b.shape(images)) == 4 else (1, *b.shape(images))
        h_axis, w_axis = _spatial_axes(self.data_format)
        seed = self._seed(seed)
        dtype = self.compute_dtype
        sides = b.sqrt(random.uniform((batch, 2), self.scale[0], self.scale[1], dtype, seed))
        ratio_x, ratio_y = (b.squeeze(s, 1) for s in b.split(sides, 2, 1))
        x0, x1 = _crop_bounds(batch, shape[w_axis], ratio_x, dtype, seed)
        y0, y1 = _crop_bounds(batch, shape[h_axis], ratio_y, dtype, seed)
        masks = _box_masks(shape, self.data_format, (x0, x1, y0, y1), dtype)
        probability = random.uniform((batch,), self.factor[0], self.factor[1], dtype, seed)
        threshold = random.uniform((batch,), 0.0, 1.0, dtype, seed)
        fill = self._fill(b.reshape(images, shape) if len(b.shape(images)) == 3 else images, seed)
        return {"apply_erasing": b.less(threshold, probability), "batch_masks": masks, "fill_value": fill}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = self._float(images)
        if not training:
            return images
        b = active()
        fill = b.cast(transformation["fill_value"], self.compute_dtype)
        erased = b.where(transformation["batch_masks"], fill, images)
        return b.where(_per_image(transformation["apply_erasing"]), erased, images)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
        }


def _mix_labels(labels: Any, weight: Any, order: Any, dtype: str) -> Any:
    b = active()
    labels = b.cast(labels, dtype)
    weight = b.reshape(b.cast(weight, dtype), (-1,) + (1,) * (len(b.shape(labels)) - 1))
    others = b.take(labels, order, axis=0)
    return b.add(b.multiply(weight, labels), b.multiply(b.subtract(1.0, weight), others))


class MixUp(_ImageLayer):
    """MixUp (Zhang et al., 2018): each image (and its labels, for dict inputs) becomes ``w * x + (1 - w) *
    x[perm]`` with ``perm`` a random permutation of the batch and ``w ~ Beta(alpha, alpha)`` per image. The
    identity unless ``training``.

    Args:
        alpha: the Beta distribution's parameter (> 0).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: optional int seed of this layer's random stream.
    """

    _mixes_labels = True

    def __init__(self, alpha: float = 0.2, data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if not _is_number(alpha) or alpha <= 0:
            raise ValueError(f"MixUp '{self.name}': `alpha` must be a number > 0. Received: alpha={alpha!r}")
        self.alpha = alpha

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        b = active()
        batch = _batch_size(self, _images_of(data))
        seed = self._seed(seed)
        order = random.shuffle(b.arange(batch, dtype="int32"), seed=seed)
        weight = _beta((batch,), float(self.alpha), self.compute_dtype, seed)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        images = self._float(images)
        return _mix_labels(
            images, transformation["mix_weight"], transformation["permutation_order"], self.compute_dtype
        )

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return labels
        return _mix_labels(
            labels, transformation["mix_weight"], transformation["permutation_order"], self.compute_dtype
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class CutMix(_ImageLayer):
    """CutMix (Yun et al., 2019): pastes into each image a rectangle of another image of the batch (a random
    permutation); labels (dict inputs) mix by the kept area ``w``. The rectangle's sides are
    ``sqrt(1 - l)`` times the image's, ``l ~ Beta(a, a)`` with ``a`` drawn on ``factor``. The identity
    unless ``training``, and for a single (unbatched) image.

    Args:
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair: the range of ``a``.
        seed: optional int seed of this layer's random stream.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _mixes_labels = True

    def __init__(self, factor: Any = 1.0, seed: int | None = None, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, (0, 1))

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        b = active()
        images = _images_of(data)
        shape = tuple(b.shape(images))
        if len(shape) == 3:
            return None
        _batch_size(self, images)
        batch = shape[0]
        h_axis, w_axis = _spatial_axes(self.data_format)
        seed = self._seed(seed)
        dtype = self.compute_dtype
        alpha = b.add(random.uniform((), self.factor[0], self.factor[1], dtype, seed), 1e-6)
        lam = _beta((batch,), alpha, dtype, seed)
        ratio = b.sqrt(b.subtract(1.0, lam))
        x0, x1 = _crop_bounds(batch, shape[w_axis], ratio, dtype, seed)
        y0, y1 = _crop_bounds(batch, shape[h_axis], ratio, dtype, seed)
        masks = _box_masks(shape, self.data_format, (x0, x1, y0, y1), dtype)
        area = b.multiply(b.subtract(x1, x0), b.subtract(y1, y0))
        weight = b.subtract(1.0, b.divide(area, float(shape[w_axis] * shape[h_axis])))
        order = random.shuffle(b.arange(batch, dtype="int32"), seed=seed)
        return {"permutation_order": order, "batch_masks": masks, "mix_weight": weight}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = self._float(images)
        if not training or transformation is None:
            return images
        b = active()
        pasted = b.take(images, transformation["permutation_order"], axis=0)
        return b.where(transformation["batch_masks"], pasted, images)

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        if not training or transformation is None:
            return labels
        return _mix_labels(
            labels, transformation["mix_weight"], transformation["permutation_order"], self.compute_dtype
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


def _add_augmentations(owner: _ImageLayer, names: tuple, value_range: Any, seed: int | None) -> None:
    """Sets on ``owner`` (RandAugment, AugMix) the augmentation layers ``names``, each of strength
    ``owner.factor`` and with ``owner``'s interpolation, data format and dtype policy."""
    from unikeras.layers import image_geometry as geometry

    factor, interpolation = owner.factor, owner.interpolation
    common = {"data_format": owner.data_format, "dtype": owner.dtype_policy}
    seeded = {**common, "seed": seed}
    ranged = {**seeded, "value_range": value_range}
    builders = {
        "random_shear": lambda: geometry.RandomShear(
            x_factor=factor, y_factor=factor, interpolation=interpolation, **seeded
        ),
        "random_translation": lambda: geometry.RandomTranslation(
            height_factor=factor, width_factor=factor, interpolation=interpolation, **seeded
        ),
        "random_rotation": lambda: geometry.RandomRotation(factor=factor, interpolation=interpolation, **seeded),
        "random_brightness": lambda: RandomBrightness(factor=factor, **ranged),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor=factor, **ranged),
        "random_contrast": lambda: RandomContrast(factor=factor, **ranged),
        "random_sharpness": lambda: RandomSharpness(factor=factor, **ranged),
        "random_posterization": lambda: RandomPosterization(factor=max(1, int(8 * factor[1])), **ranged),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor, **ranged),
        "auto_contrast": lambda: AutoContrast(value_range=value_range, **common),
        "equalization": lambda: Equalization(value_range=value_range, **common),
    }
    for name in names:
        setattr(owner, name, builders[name]())


class RandAugment(_ImageLayer):
    """RandAugment (Cubuk et al., 2019): ``num_ops`` times, one of eleven augmentations chosen at random
    (shear, translation, rotation, brightness, colour degeneration, contrast, sharpness, posterization,
    solarization, auto-contrast, equalization), each of strength ``factor``; the choices are drawn per call
    (the whole batch takes the same ones). The identity unless ``training``.

    Args:
        value_range: the ``[low, high]`` range of the images' values.
        num_ops: the number of augmentations applied in turn.
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair: the strength of every augmentation.
        interpolation: ``"bilinear"`` or ``"nearest"`` (the geometric augmentations).
        seed: optional int seed of this layer's random stream.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _AUGMENT_LAYERS = (
        "random_shear",
        "random_translation",
        "random_rotation",
        "random_brightness",
        "random_color_degeneration",
        "random_contrast",
        "random_sharpness",
        "random_posterization",
        "solarization",
        "auto_contrast",
        "equalization",
    )

    def __init__(
        self,
        value_range: Any = (0, 255),
        num_ops: int = 2,
        factor: Any = 0.5,
        interpolation: str = "bilinear",
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = _value_range(self, value_range, sort=False)
        if not isinstance(num_ops, int) or isinstance(num_ops, bool) or num_ops < 0:
            raise ValueError(f"RandAugment '{self.name}': `num_ops` must be an int >= 0. Received: num_ops={num_ops!r}")
        self.num_ops = num_ops
        self.factor = _factor_pair(self, factor, (0, 1))
        self.interpolation = interpolation
        _add_augmentations(self, self._AUGMENT_LAYERS, value_range, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        _batch_size(self, _images_of(data))
        seed = self._seed(seed)
        choices = random.randint((self.num_ops,), 0, len(self._AUGMENT_LAYERS), "int32", seed)
        transforms = {
            name: getattr(self, name).get_random_transformation(data, training=True, seed=seed)
            for name in self._AUGMENT_LAYERS
        }
        return {"transforms": transforms, "layer_idxes": choices}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = self._float(images)
        if not training or transformation is None:
            return images
        b = active()
        choices = b.cast(transformation["layer_idxes"], "int32")
        for i in range(self.num_ops):
            chosen = b.reshape(b.slice(choices, (i,), (1,)), ())
            for index, name in enumerate(self._AUGMENT_LAYERS):
                augmented = self._float(
                    getattr(self, name).transform_images(images, transformation["transforms"][name])
                )
                images = b.where(b.equal(chosen, index), augmented, images)
        return images

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_ops": self.num_ops,
            "factor": self.factor,
            "interpolation": self.interpolation,
        }


# ---------------------------------------------------------------------------------------------- utilities
class MaxNumBoundingBoxes(_ImageLayer):
    """Pads (with ``fill_value``) or truncates the bounding boxes of dict inputs ``{"images": ...,
    "bounding_boxes": {"boxes": (batch, n, 4), "labels": (batch, n)}}`` to ``max_number`` boxes per image;
    images and labels pass unchanged. Plain image inputs pass unchanged.

    Args:
        max_number: the number of boxes per image.
        fill_value: the value of padded boxes and labels.
    """

    _has_seed = False

    def __init__(self, max_number: int, fill_value: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not _is_number(max_number) or int(max_number) < 1:
            raise ValueError(
                f"MaxNumBoundingBoxes '{self.name}': `max_number` must be an int >= 1. Received: {max_number!r}"
            )
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def _pad_or_cut(self, x: Any, batched: bool) -> Any:
        b = active()
        if not batched:
            return b.squeeze(self._pad_or_cut(b.expand_dims(x, 0), True), 0)
        shape = tuple(b.shape(x))
        kept = min(shape[1], self.max_number)
        x = b.slice(x, [0] * len(shape), (shape[0], kept, *shape[2:]))
        widths = [(0, 0), (0, self.max_number - kept)] + [(0, 0)] * (len(shape) - 2)
        return b.pad(x, widths, constant_values=self.fill_value)

    def _call_dict(self, data: dict, training: bool | None) -> dict:
        self._check_dict(data, {"images", "labels", "bounding_boxes"})
        from unikeras import backends

        with backends.activated(self._backend or backends.current()):
            b = active()
            images = self._prepare_dict(data)
            out = dict(data)
            out["images"] = images
            if "labels" in data:
                out["labels"] = self._as_tensor(data["labels"], b)
            if "bounding_boxes" in data:
                boxes = data["bounding_boxes"]
                if not isinstance(boxes, dict) or set(boxes) != {"boxes", "labels"}:
                    raise ValueError(
                        f"MaxNumBoundingBoxes '{self.name}': `bounding_boxes` must be a dict with the keys 'boxes' "
                        f"and 'labels' (dense arrays). Received: {boxes!r:.200}"
                    )
                batched = len(b.shape(images)) == 4
                out["bounding_boxes"] = {
                    key: self._pad_or_cut(self._as_tensor(value, b), batched) for key, value in boxes.items()
                }
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            shapes = dict(input_shape)
            boxes = {key: list(shape) for key, shape in input_shape["bounding_boxes"].items()}
            for key in boxes:
                boxes[key][1] = self.max_number
            shapes["bounding_boxes"] = {key: tuple(shape) for key, shape in boxes.items()}
            return shapes
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "max_number": self.max_number, "fill_value": self.fill_value}


class Pipeline(Layer):
    """Applies ``layers`` in order (Keras's augmentation pipeline); ``training`` reaches each layer.

    Args:
        layers: the list of layers.
        name: the layer's name.
    """

    def __init__(self, layers: list, name: str | None = None) -> None:
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"Pipeline '{self.name}': `layers` must be a list of layers. Received: {layers!r}")
        self._pipeline_layers = list(layers)
        for i, layer in enumerate(self._pipeline_layers):
            setattr(self, f"_stage_{i}", layer)

    @property
    def layers(self) -> list:
        return self._pipeline_layers

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if isinstance(inputs, dict):
            return self.call(inputs, training=training)
        return super().__call__(inputs, *args, training=training, **kwargs)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        for layer in self._pipeline_layers:
            inputs = layer(inputs, training=training)
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self) -> dict:
        return {"layers": [serialization.serialize(layer) for layer in self._pipeline_layers], "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Pipeline:
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "Pipeline: the config must hold `layers`, a list of serialized layers. "
                f"Received: layers={layers!r:.200}"
            )
        return cls([serialization.deserialize(spec, custom_objects) for spec in layers], name=config.get("name"))


class ContrastLimitedAdaptiveHistogramEqualization(_ImageLayer):
    """CLAHE: histogram equalization per tile of a ``tile_grid_size`` grid, each tile's histogram clipped at
    ``clip_limit`` times the mean bin count (the excess spread evenly), the tiles' mappings blended
    bilinearly. Values on the 0-255 scale are binned by their integer part. Deterministic and applied in
    training and inference alike.

    Args:
        value_range: the ``[low, high]`` range of the images' values.
        clip_limit: the clip limit (0 or less: no clipping).
        tile_grid_size: ``(rows, columns)`` of the tile grid.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    _has_seed = False

    def __init__(
        self,
        value_range: Any = (0, 255),
        clip_limit: float = 4.0,
        tile_grid_size: Any = (8, 8),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = _value_range(self, value_range, sort=False)
        if not _is_number(clip_limit):
            raise ValueError(f"{type(self).__name__} '{self.name}': `clip_limit` must be a number, got {clip_limit!r}.")
        if (
            not isinstance(tile_grid_size, (tuple, list))
            or len(tile_grid_size) != 2
            or not all(isinstance(t, int) and t >= 1 for t in tile_grid_size)
        ):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `tile_grid_size` must be two ints >= 1, got {tile_grid_size!r}."
            )
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        b = active()
        dtype = b.dtype_name(images)
        if self.data_format == "channels_first":
            images = b.transpose(images, (0, 2, 3, 1))
        work = _rescale(b.cast(images, "float32"), self.value_range, (0, 255))
        out = _rescale(self._clahe(work), (0, 255), self.value_range)
        out = b.cast(out, dtype) if dtype != "float32" else out
        return b.transpose(out, (0, 3, 1, 2)) if self.data_format == "channels_first" else out

    def _clahe(self, images: Any) -> Any:
        b = active()
        batch, height, width, channels = b.shape(images)
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
        padded = _symmetric_pad(images, pad_h, pad_w)
        tiles = b.reshape(padded, (batch, grid_h, tile_h, grid_w, tile_w, channels))
        tiles = b.reshape(b.transpose(tiles, (0, 1, 3, 5, 2, 4)), (batch, grid_h, grid_w, channels, tile_h * tile_w))
        levels = b.clip(b.cast(tiles, "int32"), 0, 255)
        hists = b.sum(b.one_hot(levels, 256, "float32"), axis=-2)
        if self.clip_limit > 0:
            limit = float(self.clip_limit * (tile_h * tile_w) / 256.0)
            clipped = b.clip(hists, 0.0, limit)
            excess = b.sum(b.subtract(hists, clipped), axis=-1, keepdims=True)
            hists = b.add(clipped, b.divide(excess, 256.0))
        cdf = b.cumsum(hists, axis=-1)
        cdf_min = b.min(cdf, axis=-1, keepdims=True)
        denominator = b.subtract(float(tile_h * tile_w), cdf_min)
        denominator = b.where(b.equal(denominator, 0.0), b.ones_like(denominator), denominator)
        table = b.clip(b.divide(b.multiply(b.subtract(cdf, cdf_min), 255.0), denominator), 0.0, 255.0)
        # one tile of edge padding around the grid: (batch, grid_h + 2, grid_w + 2, channels, 256)
        table = _edge_pad(table, 1, grid_h)
        table = _edge_pad(table, 2, grid_w)
        pixels = b.clip(b.cast(padded, "int32"), 0, 255)
        flat = b.reshape(table, (-1,))
        stride_x = 256 * channels
        stride_y = stride_x * (grid_w + 2)
        stride_b = stride_y * (grid_h + 2)
        rows = _tile_coordinates(tile_h * grid_h, tile_h, grid_h)
        cols = _tile_coordinates(tile_w * grid_w, tile_w, grid_w)
        image_offset = b.multiply(b.reshape(b.arange(batch, dtype="int32"), (-1, 1, 1, 1)), stride_b)
        channel_offset = b.multiply(b.reshape(b.arange(channels, dtype="int32"), (1, 1, 1, -1)), 256)
        base = b.add(image_offset, b.add(channel_offset, pixels))
        r0, r1, wy = (b.reshape(t, (1, -1, 1, 1)) for t in rows)
        c0, c1, wx = (b.reshape(t, (1, 1, -1, 1)) for t in cols)

        def at(r: Any, c: Any) -> Any:
            index = b.add(base, b.add(b.multiply(r, stride_y), b.multiply(c, stride_x)))
            return b.take(flat, index, axis=0)

        top = b.add(b.multiply(at(r0, c0), b.subtract(1.0, wx)), b.multiply(at(r0, c1), wx))
        bottom = b.add(b.multiply(at(r1, c0), b.subtract(1.0, wx)), b.multiply(at(r1, c1), wx))
        out = b.add(b.multiply(top, b.subtract(1.0, wy)), b.multiply(bottom, wy))
        return b.slice(out, (0, 0, 0, 0), (batch, height, width, channels))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "clip_limit": self.clip_limit,
            "tile_grid_size": self.tile_grid_size,
        }


def _symmetric_pad(images: Any, pad_h: int, pad_w: int) -> Any:
    """``np.pad(mode="symmetric")`` at the bottom and right of ``(batch, h, w, c)`` images."""
    b = active()
    if pad_h:
        height = b.shape(images)[1]
        mirror = b.flip(
            b.slice(images, (0, height - pad_h, 0, 0), (*b.shape(images)[:1], pad_h, *b.shape(images)[2:])), 1
        )
        images = b.concatenate([images, mirror], axis=1)
    if pad_w:
        shape = b.shape(images)
        mirror = b.flip(b.slice(images, (0, 0, shape[2] - pad_w, 0), (shape[0], shape[1], pad_w, shape[3])), 2)
        images = b.concatenate([images, mirror], axis=2)
    return images


def _edge_pad(x: Any, axis: int, size: int) -> Any:
    b = active()
    first, *_, last = b.split(x, size, axis) if size > 1 else (x, x)
    return b.concatenate([first, x, last], axis=axis)


def _tile_coordinates(length: int, tile: int, grid: int) -> tuple[Any, Any, Any]:
    """For each pixel row (or column): the two neighbouring tile indices of the edge-padded grid and the
    interpolation weight of the second."""
    b = active()
    position = b.add(b.divide(b.subtract(b.arange(length, dtype="float32"), tile / 2.0), float(tile)), 1.0)
    low = b.floor(position)
    weight = b.subtract(position, low)
    first = b.cast(b.clip(low, 0.0, float(grid + 1)), "int32")
    second = b.cast(b.clip(b.add(low, 1.0), 0.0, float(grid + 1)), "int32")
    return first, second, weight
