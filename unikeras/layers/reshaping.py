"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding1D/2D/3D, Cropping1D/2D/3D,
UpSampling1D/2D/3D."""

from __future__ import annotations

import math
from typing import Any

from unikeras import config
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Flatten(Layer):
    """Flattens every axis but the batch axis.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``); with
            channels_first the channel axis is moved last first, so the order matches channels_last.
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format, f"Flatten '{self.name}'")

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = b.shape(inputs)
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = b.transpose(inputs, (0,) + tuple(range(2, len(shape))) + (1,))
        return b.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


def _check_int(layer: str, name: str, value: Any, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{layer}: `{name}` must be an int >= {minimum}, received {value!r}.")
    return value


def _pair(layer: str, name: str, value: Any) -> tuple[int, int]:
    """An int ``n`` gives ``(n, n)``; a pair of ints is kept."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (_check_int(layer, name, value), _check_int(layer, name, value))
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (_check_int(layer, name, value[0]), _check_int(layer, name, value[1]))
    raise ValueError(f"{layer}: `{name}` must be an int or a pair of ints, received {value!r}.")


def _pairs_2d(layer: str, name: str, value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """``n`` -> ``((n, n), (n, n))``; ``(h, w)`` -> ``((h, h), (w, w))``; a pair of pairs is kept."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (_pair(layer, name, value), _pair(layer, name, value))
    if isinstance(value, (tuple, list)) and len(value) == 2:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return (_pair(layer, name, value[0]), _pair(layer, name, value[1]))
        if all(isinstance(v, (tuple, list)) for v in value):
            return (_pair(layer, name, value[0]), _pair(layer, name, value[1]))
    raise ValueError(f"{layer}: `{name}` must be an int, a pair of ints or a pair of int pairs, received {value!r}.")


class Reshape(Layer):
    """Reshapes every sample to ``target_shape`` (batch axis excluded; one ``-1`` is inferred)."""

    def __init__(self, target_shape: tuple, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        target_shape = tuple(target_shape)
        if not all(isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1) for d in target_shape):
            raise ValueError(
                f"Reshape '{self.name}': `target_shape` entries must be positive ints or -1, received {target_shape}."
            )
        if target_shape.count(-1) > 1:
            raise ValueError(f"Reshape '{self.name}': at most one -1 in `target_shape`, received {target_shape}.")
        self.target_shape = target_shape

    def _resolve(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            if all(d is not None for d in rest) and math.prod(rest) != math.prod(self.target_shape):
                raise ValueError(
                    f"Reshape '{self.name}': cannot reshape input of shape {tuple(input_shape)} to "
                    f"target shape {self.target_shape}."
                )
            return self.target_shape
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        total = math.prod(rest)
        if total % known:
            raise ValueError(
                f"Reshape '{self.name}': cannot reshape input of shape {tuple(input_shape)} to "
                f"target shape {self.target_shape}."
            )
        return tuple(total // known if d == -1 else d for d in self.target_shape)

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = self._resolve(tuple(b.shape(inputs)))
        return b.reshape(inputs, (-1,) + tuple(shape))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` is 1-based (``(2, 1)`` swaps axes 1 and 2)."""

    def __init__(self, dims: tuple, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute '{self.name}': `dims` must be a permutation of 1..{len(dims)}, received {dims}.")
        self.dims = dims
        self._expected_ndim = len(self.dims) + 1

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute '{self.name}': `dims` {self.dims} needs inputs of rank {len(self.dims) + 1}, "
                f"received shape {tuple(input_shape)}."
            )

    def call(self, inputs: Any) -> Any:
        return active().transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 2
        self.n = _check_int(f"RepeatVector '{self.name}'", "n", n, minimum=1)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 2:
            raise ValueError(
                f"RepeatVector '{self.name}': expects inputs of rank 2, received shape {tuple(input_shape)}."
            )

    def call(self, inputs: Any) -> Any:
        b = active()
        return b.repeat(b.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


def _add(d: int | None, extra: int) -> int | None:
    return None if d is None else d + extra


class ZeroPadding1D(Layer):
    """Pads axis 1 of a ``(batch, steps, features)`` input with zeros.

    Args:
        padding: int (both sides) or ``(left, right)``.
    """

    def __init__(self, padding: Any = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 3
        self.padding = _pair(f"ZeroPadding1D '{self.name}'", "padding", padding)

    def call(self, inputs: Any) -> Any:
        return active().pad(inputs, [(0, 0), self.padding, (0, 0)])

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], _add(input_shape[1], sum(self.padding)), input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": list(self.padding)}


class ZeroPadding2D(Layer):
    """Pads the two spatial axes of a 4-D input with zeros.

    Args:
        padding: int, ``(h, w)`` (symmetric) or ``((top, bottom), (left, right))``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 4
        self.padding = _pairs_2d(f"ZeroPadding2D '{self.name}'", "padding", padding)
        self.data_format = config.standardize_data_format(data_format, f"ZeroPadding2D '{self.name}'")

    def _spatial(self) -> tuple[int, int]:
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def call(self, inputs: Any) -> Any:
        width = [(0, 0)] * 4
        for axis, pad in zip(self._spatial(), self.padding):
            width[axis] = pad
        return active().pad(inputs, width)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        for axis, pad in zip(self._spatial(), self.padding):
            shape[axis] = _add(shape[axis], sum(pad))
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": [list(p) for p in self.padding], "data_format": self.data_format}


class Cropping1D(Layer):
    """Crops axis 1 of a ``(batch, steps, features)`` input.

    Args:
        cropping: int (both sides) or ``(start, end)``.
    """

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 3
        self.cropping = _pair(f"Cropping1D '{self.name}'", "cropping", cropping)

    def build(self, input_shape: tuple) -> None:
        if input_shape[1] is not None and sum(self.cropping) >= input_shape[1]:
            raise ValueError(
                f"Cropping1D '{self.name}': cropping {self.cropping} leaves nothing of input shape "
                f"{tuple(input_shape)}."
            )

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = b.shape(inputs)
        start, end = self.cropping
        return b.slice(inputs, (0, start, 0), (shape[0], shape[1] - start - end, shape[2]))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], _add(input_shape[1], -sum(self.cropping)), input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": list(self.cropping)}


class Cropping2D(Layer):
    """Crops the two spatial axes of a 4-D input.

    Args:
        cropping: int, ``(h, w)`` (symmetric) or ``((top, bottom), (left, right))``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 4
        self.cropping = _pairs_2d(f"Cropping2D '{self.name}'", "cropping", cropping)
        self.data_format = config.standardize_data_format(data_format, f"Cropping2D '{self.name}'")

    def _spatial(self) -> tuple[int, int]:
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 4:
            raise ValueError(f"Cropping2D '{self.name}': expects 4-D inputs, received shape {tuple(input_shape)}.")
        for axis, crop in zip(self._spatial(), self.cropping):
            if input_shape[axis] is not None and sum(crop) >= input_shape[axis]:
                raise ValueError(
                    f"Cropping2D '{self.name}': cropping {self.cropping} leaves nothing of input shape "
                    f"{tuple(input_shape)}."
                )

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = list(b.shape(inputs))
        start = [0, 0, 0, 0]
        for axis, (lo, hi) in zip(self._spatial(), self.cropping):
            start[axis] = lo
            shape[axis] = shape[axis] - lo - hi
        return b.slice(inputs, start, shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        for axis, crop in zip(self._spatial(), self.cropping):
            shape[axis] = _add(shape[axis], -sum(crop))
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping], "data_format": self.data_format}


def _scaled(d: int | None, k: int) -> int | None:
    return None if d is None else d * k


class UpSampling1D(Layer):
    """Repeats every step of ``(batch, steps, features)`` inputs ``size`` times along the steps axis.

    Args:
        size: positive int, the upsampling factor (2).
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 3
        self.size = _check_int(f"UpSampling1D '{self.name}'", "size", size, 1)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3:
            raise ValueError(f"UpSampling1D '{self.name}': expects 3-d inputs, received shape {tuple(input_shape)}.")

    def call(self, inputs: Any) -> Any:
        return active().repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], _scaled(input_shape[1], self.size), input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Repeats the rows and columns of 4-d image inputs ``size[0]`` and ``size[1]`` times.

    Args:
        size: int or pair of positive ints, factors for rows and columns ((2, 2)).
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``).
        interpolation: only ``"nearest"`` is supported.
    """

    def __init__(
        self,
        size: int | tuple[int, int] = (2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 4
        where = f"UpSampling2D '{self.name}'"
        if isinstance(size, int) and not isinstance(size, bool):
            size = (size, size)
        if not isinstance(size, (list, tuple)) or len(size) != 2:
            raise ValueError(f"{where}: `size` must be an int or a pair of ints, received {size!r}.")
        self.size = (_check_int(where, "size", size[0], 1), _check_int(where, "size", size[1], 1))
        self.data_format = config.standardize_data_format(data_format, where)
        if interpolation != "nearest":
            raise ValueError(f"{where}: only interpolation='nearest' is supported, received {interpolation!r}.")
        self.interpolation = interpolation

    def _axes(self) -> tuple[int, int]:
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 4:
            raise ValueError(f"UpSampling2D '{self.name}': expects 4-d inputs, received shape {tuple(input_shape)}.")

    def call(self, inputs: Any) -> Any:
        b = active()
        rows, cols = self._axes()
        return b.repeat(b.repeat(inputs, self.size[0], axis=rows), self.size[1], axis=cols)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        out = list(input_shape)
        rows, cols = self._axes()
        out[rows] = _scaled(out[rows], self.size[0])
        out[cols] = _scaled(out[cols], self.size[1])
        return tuple(out)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": list(self.size),
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


def _pairs_3d(layer: str, name: str, value: Any) -> tuple[tuple[int, int], ...]:
    """``n`` -> three ``(n, n)``; ``(d, h, w)`` -> ``((d, d), (h, h), (w, w))``; three pairs are kept."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (_pair(layer, name, value),) * 3
    if isinstance(value, (tuple, list)) and len(value) == 3:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return tuple(_pair(layer, name, v) for v in value)
        if all(isinstance(v, (tuple, list)) for v in value):
            return tuple(_pair(layer, name, v) for v in value)
    raise ValueError(f"{layer}: `{name}` must be an int, 3 ints or 3 pairs of ints, received {value!r}.")


def _spatial_3d(data_format: str) -> tuple[int, int, int]:
    return (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)


class ZeroPadding3D(Layer):
    """Pads the three spatial axes of a 5-D input with zeros.

    Args:
        padding: int, 3 ints (symmetric per axis) or
            ``((left_dim1, right_dim1), (left_dim2, right_dim2), (left_dim3, right_dim3))``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``).
    """

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 5
        self.padding = _pairs_3d(f"ZeroPadding3D '{self.name}'", "padding", padding)
        self.data_format = config.standardize_data_format(data_format, f"ZeroPadding3D '{self.name}'")

    def call(self, inputs: Any) -> Any:
        width = [(0, 0)] * 5
        for axis, pad in zip(_spatial_3d(self.data_format), self.padding):
            width[axis] = pad
        return active().pad(inputs, width)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        for axis, pad in zip(_spatial_3d(self.data_format), self.padding):
            shape[axis] = _add(shape[axis], sum(pad))
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": [list(p) for p in self.padding], "data_format": self.data_format}


class Cropping3D(Layer):
    """Crops the three spatial axes of a 5-D input.

    Args:
        cropping: int, 3 ints (symmetric per axis) or
            ``((left_dim1, right_dim1), (left_dim2, right_dim2), (left_dim3, right_dim3))``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``).
    """

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 5
        self.cropping = _pairs_3d(f"Cropping3D '{self.name}'", "cropping", cropping)
        self.data_format = config.standardize_data_format(data_format, f"Cropping3D '{self.name}'")

    def build(self, input_shape: tuple) -> None:
        for axis, crop in zip(_spatial_3d(self.data_format), self.cropping):
            if input_shape[axis] is not None and sum(crop) >= input_shape[axis]:
                raise ValueError(
                    f"Cropping3D '{self.name}': cropping {self.cropping} leaves nothing of input shape "
                    f"{tuple(input_shape)}."
                )

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = list(b.shape(inputs))
        start = [0] * 5
        for axis, (lo, hi) in zip(_spatial_3d(self.data_format), self.cropping):
            start[axis] = lo
            shape[axis] = shape[axis] - lo - hi
        return b.slice(inputs, start, shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        for axis, crop in zip(_spatial_3d(self.data_format), self.cropping):
            shape[axis] = _add(shape[axis], -sum(crop))
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping], "data_format": self.data_format}


class UpSampling3D(Layer):
    """Repeats the entries of 5-d inputs ``size[i]`` times along spatial axis ``i``.

    Args:
        size: int or 3 positive ints, factors for the three spatial axes ((2, 2, 2)).
        data_format: ``"channels_last"`` or ``"channels_first"`` (``image_data_format()``).
    """

    def __init__(
        self, size: int | tuple[int, int, int] = (2, 2, 2), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 5
        where = f"UpSampling3D '{self.name}'"
        if isinstance(size, int) and not isinstance(size, bool):
            size = (size,) * 3
        if not isinstance(size, (list, tuple)) or len(size) != 3:
            raise ValueError(f"{where}: `size` must be an int or 3 ints, received {size!r}.")
        self.size = tuple(_check_int(where, "size", s, 1) for s in size)
        self.data_format = config.standardize_data_format(data_format, where)

    def call(self, inputs: Any) -> Any:
        b = active()
        for axis, factor in zip(_spatial_3d(self.data_format), self.size):
            if factor > 1:
                inputs = b.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        out = list(input_shape)
        for axis, factor in zip(_spatial_3d(self.data_format), self.size):
            out[axis] = _scaled(out[axis], factor)
        return tuple(out)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": list(self.size), "data_format": self.data_format}
