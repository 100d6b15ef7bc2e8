"""Preprocessing layers: Rescaling and Normalization."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from unikeras import config
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Rescaling(Layer):
    """``inputs * scale + offset``.

    Args:
        scale: float (or anything broadcasting against the inputs).
        offset: float added after scaling (0.0).
    """

    supports_masking = True

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs: Any) -> Any:
        b = active()
        dtype = b.dtype_name(inputs)
        if not dtype.startswith(("float", "bfloat")):
            inputs = b.cast(inputs, self.compute_dtype)
            dtype = self.compute_dtype
        scale = b.convert_to_tensor(self.scale, dtype)
        offset = b.convert_to_tensor(self.offset, dtype)
        return b.add(b.multiply(inputs, scale), offset)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class Normalization(Layer):
    """Shifts and scales inputs with a per-index mean and variance: ``(inputs - mean) / sqrt(variance)``.

    The statistics are given as ``mean`` and ``variance`` or computed from data with :meth:`adapt`; they
    are kept for every index of the ``axis`` axes and shared over the other axes. The square root of the
    variance is floored at ``backend.epsilon()``. An adapted layer holds three non-trainable weights, in
    Keras's order: ``mean`` and ``variance`` (the kept axes' shape) and ``count`` (int64 scalar, the number
    of values each statistic was computed from); a layer given ``mean`` and ``variance`` holds none.

    Args:
        axis: int, sequence of ints or ``None``: the axes with their own mean and variance (``-1``, the
            features); ``None`` uses one scalar mean and variance.
        mean: optional mean, broadcast against the kept axes (right-aligned); needs ``variance``.
        variance: optional variance of the same shape as ``mean``.
        invert: if ``True``, the layer undoes the normalization: ``mean + inputs * sqrt(variance)``.
    """

    supports_masking = True

    supports_masking = True  # as in Keras: a mask passes through unchanged

    def __init__(
        self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axes: tuple = ()
        elif _is_int(axis):
            axes = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(_is_int(a) for a in axis):
            axes = tuple(int(a) for a in axis)
        else:
            raise ValueError(f"{self._label}: `axis` must be an int, a sequence of ints or None, received {axis!r}.")
        self.axis = axes
        if (mean is None) != (variance is None):
            raise ValueError(
                f"{self._label}: `mean` and `variance` must be given together, received mean={mean!r} and "
                f"variance={variance!r}."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    f"{self._label}: `mean` and `variance` must have the same shape, received {np.shape(mean)} "
                    f"and {np.shape(variance)}."
                )
            if np.ndim(mean) > len(axes):
                raise ValueError(
                    f"{self._label}: the rank of `mean` ({np.ndim(mean)}) must be at most the number of axes "
                    f"in `axis` {axes}."
                )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.adapt_mean = None
        self.adapt_variance = None
        self.count = None
        self._keep_axes: tuple[int, ...] = ()
        self._reduce_axes: tuple[int, ...] = ()
        self._broadcast_shape: tuple[int, ...] = ()
        self._stats_shape: tuple[int, ...] = ()
        self._constants: tuple[Any, Any] | None = None

    @property
    def _label(self) -> str:
        return f"Normalization '{self.name}'"

    def build(self, input_shape: tuple) -> None:
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise ValueError(
                f"{self._label}: every axis in {self.axis} must be in [-{rank}, {rank}) for input of shape "
                f"{tuple(input_shape)}."
            )
        self._keep_axes = tuple(sorted({a % rank for a in self.axis}))
        unknown = [a for a in self._keep_axes if input_shape[a] is None]
        if unknown:
            raise ValueError(
                f"{self._label}: the kept axes {self._keep_axes} must have known sizes, received input of shape "
                f"{tuple(input_shape)}."
            )
        self._reduce_axes = tuple(a for a in range(rank) if a not in self._keep_axes)
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axes else 1 for a in range(rank))
        self._stats_shape = tuple(input_shape[a] for a in self._keep_axes)
        self._expected_axes = {a: input_shape[a] for a in self._keep_axes}
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(self._stats_shape, "zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(self._stats_shape, "ones", trainable=False, name="variance")
            self.count = self.add_weight((), "zeros", dtype="int64", trainable=False, name="count")
        else:
            self._claim_backend()
            b = active()
            self._constants = tuple(
                b.convert_to_tensor(self._broadcast_stat(value), self.dtype)
                for value in (self.input_mean, self.input_variance)
            )
        self.built = True  # also when build() is called directly, as Keras users do before set_weights()

    def _broadcast_stat(self, value: Any) -> np.ndarray:
        """``value`` aligned right against the kept axes, broadcast to the broadcast shape."""
        value = np.asarray(value, dtype="float64")
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axes[-i]] = value.shape[-i]
        try:
            return np.broadcast_to(value.reshape(expanded), self._broadcast_shape).astype(self.dtype)
        except ValueError:
            raise ValueError(
                f"{self._label}: `mean`/`variance` of shape {value.shape} do not broadcast to the kept axes "
                f"{self._keep_axes} of sizes {self._stats_shape}."
            ) from None

    def _check_input_shape(self, shape: tuple) -> None:
        if len(shape) != len(self._broadcast_shape):
            raise ValueError(
                f"{self._label}: expected an input of rank {len(self._broadcast_shape)} (the rank it was built "
                f"for), received shape {tuple(shape)}."
            )
        super()._check_input_shape(shape)

    # ------------------------------------------------------------------ adapt
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Sets ``mean`` and ``variance`` to the statistics of ``data`` (the reduced axes of all its values).

        Args:
            data: a NumPy array or tensor, or an iterable of batches (arrays, tensors, or ``(x, y)`` tuples
                whose ``x`` is used), e.g. a list of arrays or a generator.
            batch_size: for an array, the size of the batches the statistics are accumulated over (the whole
                array at once when omitted; the result is the same up to rounding).
            steps: the number of batches to use at most (all when omitted).
        """
        for name, value in (("batch_size", batch_size), ("steps", steps)):
            if value is not None and (not _is_int(value) or value <= 0):
                raise ValueError(f"{self._label}: adapt() `{name}` must be a positive int, received {value!r}.")
        if self.input_mean is not None:
            raise ValueError(
                f"{self._label}: adapt() cannot change a layer created with `mean` and `variance`; create it "
                "without them to adapt it."
            )
        batches = iter(self._batches(data, batch_size))
        if steps is not None:
            batches = itertools.islice(batches, steps)
        first = next(batches, None)
        if first is None:
            raise ValueError(f"{self._label}: adapt() received no data (an empty iterable or steps=0).")
        if not self.built:
            self._maybe_build(tuple(first.shape))
        count, mean, sum_sq = 0, np.zeros(self._stats_shape), np.zeros(self._stats_shape)
        for batch in itertools.chain([first], batches):
            self._check_batch(batch)
            n = math.prod(batch.shape[a] for a in self._reduce_axes)
            if n == 0:
                continue
            batch_mean = batch.mean(axis=self._reduce_axes)
            batch_sum_sq = batch.var(axis=self._reduce_axes) * n
            # Chan et al.'s pairwise update: exact for any split of the data into batches.
            delta = batch_mean - mean
            total = count + n
            mean = mean + delta * (n / total)
            sum_sq = sum_sq + batch_sum_sq + delta**2 * (count * n / total)
            count = total
        if count == 0:
            raise ValueError(f"{self._label}: adapt() received only empty batches.")
        b = self.backend
        self.adapt_mean.assign(b.convert_to_tensor(mean.astype(self.adapt_mean.dtype), self.adapt_mean.dtype))
        variance = (sum_sq / count).astype(self.adapt_variance.dtype)
        self.adapt_variance.assign(b.convert_to_tensor(variance, self.adapt_variance.dtype))
        self.count.assign(b.convert_to_tensor(np.array(count, "int64"), "int64"))

    def _batches(self, data: Any, batch_size: int | None) -> Any:
        """Float64 NumPy batches from an array/tensor (split by ``batch_size``) or an iterable of batches."""
        if _is_array(data):
            array = _to_numpy(data)
            if array.ndim == 0:
                raise ValueError(f"{self._label}: adapt() needs data of rank >= 1, received a scalar.")
            step = batch_size or max(len(array), 1)
            return (array[i : i + step] for i in range(0, len(array), step))
        if batch_size is not None:
            raise ValueError(
                f"{self._label}: adapt() `batch_size` applies to arrays only; an iterable already yields batches."
            )
        if not hasattr(data, "__iter__") or isinstance(data, (str, bytes, dict)):
            raise ValueError(
                f"{self._label}: adapt() expects an array, a tensor or an iterable of batches, received "
                f"{type(data).__name__}."
            )
        return (self._as_batch(item) for item in data)

    def _as_batch(self, item: Any) -> np.ndarray:
        if isinstance(item, tuple):  # (x, y) or (x, y, sample_weight)
            item = item[0]
        if not _is_array(item):
            raise ValueError(
                f"{self._label}: adapt() expects every batch to be an array or a tensor, received "
                f"{type(item).__name__}."
            )
        return _to_numpy(item)

    def _check_batch(self, batch: np.ndarray) -> None:
        expected = len(self._broadcast_shape)
        if batch.ndim != expected or any(batch.shape[a] != self._broadcast_shape[a] for a in self._keep_axes):
            sizes = {a: self._broadcast_shape[a] for a in self._keep_axes}
            raise ValueError(
                f"{self._label}: adapt() expected batches of rank {expected} with sizes {sizes} on the kept axes, "
                f"received a batch of shape {batch.shape}."
            )

    # ------------------------------------------------------------------ call
    def call(self, inputs: Any) -> Any:
        b = active()
        if b.dtype_name(inputs) != self.compute_dtype:
            inputs = b.cast(inputs, self.compute_dtype)
        if self._constants is not None:
            mean, variance = self._constants
        else:
            mean = b.reshape(self.adapt_mean.value, self._broadcast_shape)
            variance = b.reshape(self.adapt_variance.value, self._broadcast_shape)
        if b.dtype_name(mean) != self.compute_dtype:
            mean, variance = b.cast(mean, self.compute_dtype), b.cast(variance, self.compute_dtype)
        scale = b.maximum(b.sqrt(variance), b.convert_to_tensor(config.epsilon(), self.compute_dtype))
        if self.invert:
            return b.add(mean, b.multiply(inputs, scale))
        return b.divide(b.subtract(inputs, mean), scale)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": _to_list(self.input_mean),
            "variance": _to_list(self.input_variance),
        }


def _is_array(x: Any) -> bool:
    """A NumPy array or a framework tensor (anything with a shape and a conversion to NumPy)."""
    return isinstance(x, np.ndarray) or (
        hasattr(x, "shape") and (hasattr(x, "__array__") or hasattr(x, "asnumpy") or hasattr(x, "numpy"))
    )


def _to_numpy(x: Any) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        if hasattr(x, "asnumpy"):  # an MXNet NDArray
            x = x.asnumpy()
        elif hasattr(x, "detach"):  # a torch tensor that may require grad
            x = x.detach().cpu().numpy()
        else:
            x = np.asarray(x)
    return np.asarray(x, dtype="float64")


def _to_list(value: Any) -> Any:
    return None if value is None else np.asarray(value).tolist()
