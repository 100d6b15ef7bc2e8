"""The TensorFlow adapter: eager ops, tf.Variable handles, GradientTape, tf.function steps."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's start-up noise out of users' output
import tensorflow as tf  # noqa: E402

from unikeras.backends.base import Axis, Backend, Seed, Tensor, conv_transpose_geometry  # noqa: E402
from unikeras.backends.step_tiering import TieredStep  # noqa: E402
from unikeras.variables import active_scope  # noqa: E402

_DTYPES = {
    "float16": tf.float16,
    "bfloat16": tf.bfloat16,
    "float32": tf.float32,
    "float64": tf.float64,
    "uint8": tf.uint8,
    "int8": tf.int8,
    "int16": tf.int16,
    "int32": tf.int32,
    "int64": tf.int64,
    "bool": tf.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}
_NP = {k: v.as_numpy_dtype for k, v in _DTYPES.items()}
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_INT64_MASK = (1 << 63) - 1
_ZERO = tf.UnconnectedGradients.ZERO
_TINY = {tf.float32: float(np.finfo(np.float32).tiny), tf.float64: float(np.finfo(np.float64).tiny)}


def _convert(x: Any, dtype: str | None = None) -> tf.Tensor:
    """Anything to a tf.Tensor with NumPy's dtype inference (TF would pick float32/int32)."""
    if isinstance(x, tf.Tensor):
        return x if dtype is None else tf.cast(x, _DTYPES[dtype])
    if isinstance(x, tf.Variable):
        x = x.value()
        return x if dtype is None else tf.cast(x, _DTYPES[dtype])
    try:
        return tf.constant(np.asarray(x, None if dtype is None else _NP[dtype]))
    except (TypeError, ValueError):  # e.g. a list of symbolic tensors inside tf.function
        x = tf.convert_to_tensor(x)
        return x if dtype is None else tf.cast(x, _DTYPES[dtype])


def _t(x: Any) -> tf.Tensor:
    return x if isinstance(x, tf.Tensor) else _convert(x)


def _like(v: Any, dtype: tf.DType) -> tf.Tensor:
    """``v`` (a scalar, array or tensor) as a tensor of ``dtype``; tensors pass untouched."""
    if isinstance(v, tf.Tensor):
        return v
    if isinstance(v, tf.Variable):
        return tf.cast(v.value(), dtype)
    try:
        return tf.constant(v, dtype)
    except (TypeError, ValueError):  # e.g. 1.5 into int32: NumPy's cast truncates
        return tf.constant(np.asarray(v, dtype.as_numpy_dtype))


_PY_SCALARS = (int, float, bool, np.generic)


def _pair(x: Any, y: Any) -> tuple[tf.Tensor, tf.Tensor]:
    """Two operands of one dtype: a non-tensor operand takes the tensor operand's dtype."""
    if isinstance(x, tf.Tensor):
        return x, (y if isinstance(y, tf.Tensor) else _like(y, x.dtype))
    if isinstance(y, tf.Tensor):
        return _like(x, y.dtype), y
    if isinstance(x, _PY_SCALARS) and isinstance(y, _PY_SCALARS):
        dt = np.result_type(x, y)
        return tf.constant(np.asarray(x, dt)), tf.constant(np.asarray(y, dt))
    if isinstance(x, _PY_SCALARS):
        y = _convert(y)
        return _like(x, y.dtype), y
    x = _convert(x)
    return x, _like(y, x.dtype)


def _flat(x: Any) -> tf.Tensor:
    return tf.reshape(x, [-1])


def _to_last(nd: int) -> list[int]:
    return [0, *range(2, nd + 2), 1]


def _to_first(nd: int) -> list[int]:
    return [0, nd + 1, *range(1, nd + 1)]


def _seed(seed: Seed) -> tf.Tensor:
    base, counter = seed
    base = int(base) & _INT64_MASK
    if isinstance(counter, int):
        return tf.constant([base, counter & _INT64_MASK], tf.int64)
    return tf.stack([tf.constant(base, tf.int64), tf.cast(counter, tf.int64)])


def _convolution(x: Any, kernel: Any, strides: Sequence[int], padding: str, dilation_rate: Sequence[int]) -> Any:
    """Channels-last convolution. Undilated 5-d inputs go to ``tf.nn.conv3d``: differentiating the generic
    ``tf.nn.convolution`` on them eagerly fails inside TF 2.21 (AttributeError in its gradient), and
    ``tf.nn.conv3d`` has no dilation on CPU."""
    if x.shape.rank == 5 and max(dilation_rate) == 1:
        return tf.nn.conv3d(x, kernel, [1, *strides, 1], padding, dilations=[1, *dilation_rate, 1])
    return tf.nn.convolution(x, kernel, strides=list(strides), padding=padding, dilations=list(dilation_rate))


class TensorFlowBackend(Backend):
    name = "tensorflow"
    framework = "tensorflow"
    pip_extra = "tensorflow"

    # ------------------------------------------------------------------ identity
    def framework_version(self) -> str:
        return tf.__version__

    def list_devices(self) -> list[str]:
        return [d.name.split("device:")[-1].lower() for d in tf.config.list_logical_devices()]

    def set_float32_matmul_precision(self, precision: str) -> None:
        tf.config.experimental.enable_tensor_float_32_execution(precision == "high")

    # ------------------------------------------------------------------ tensors & dtypes
    def is_tensor(self, x: Any) -> bool:
        return isinstance(x, tf.Tensor)

    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Tensor:
        return _convert(x, dtype)

    def to_numpy(self, x: Tensor) -> np.ndarray:
        if isinstance(x, (tf.Tensor, tf.Variable)):
            if x.dtype == tf.bfloat16:
                x = tf.cast(x, tf.float32)
            return np.asarray(x.numpy())  # a 0-d tensor's .numpy() is a NumPy scalar, not an array
        return np.asarray(x)

    def cast(self, x: Tensor, dtype: str) -> Tensor:
        return tf.cast(_t(x), _DTYPES[dtype])

    def dtype_name(self, x: Tensor) -> str:
        try:
            return _NAMES[x.dtype]
        except (KeyError, AttributeError):
            return x.dtype.name if hasattr(x, "dtype") else np.asarray(x).dtype.name

    def shape(self, x: Tensor) -> tuple[int, ...]:
        if isinstance(x, (tf.Tensor, tf.Variable)):
            return tuple(x.shape.as_list())
        return np.shape(x)

    def zeros(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        return tf.zeros(shape, _DTYPES[dtype])

    def ones(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        return tf.ones(shape, _DTYPES[dtype])

    def full(self, shape: Sequence[int], fill_value: Any, dtype: str = "float32") -> Tensor:
        dt = _DTYPES[dtype]
        if isinstance(fill_value, (tf.Tensor, tf.Variable)):
            return tf.broadcast_to(tf.cast(fill_value, dt), shape)
        return tf.fill(shape, _like(fill_value, dt))

    def arange(self, start: Any, stop: Any = None, step: Any = 1, dtype: str = "int32") -> Tensor:
        if any(isinstance(a, (tf.Tensor, tf.Variable)) for a in (start, stop, step)):
            return tf.range(start, stop, step, dtype=_DTYPES[dtype])
        if stop is None:
            start, stop = 0, start
        if dtype == "bfloat16":
            return tf.constant(np.arange(start, stop, step, np.float32).astype(_NP[dtype]))
        return tf.constant(np.arange(start, stop, step, _NP[dtype]))

    def eye(self, n: int, m: int | None = None, dtype: str = "float32") -> Tensor:
        return tf.eye(n, m, dtype=_DTYPES[dtype])

    def zeros_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        return tf.zeros_like(_t(x), None if dtype is None else _DTYPES[dtype])

    def ones_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        return tf.ones_like(_t(x), None if dtype is None else _DTYPES[dtype])

    def copy(self, x: Tensor) -> Tensor:
        return tf.identity(_t(x))

    # ------------------------------------------------------------------ elementwise
    def add(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.add(*_pair(x, y))

    def subtract(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.subtract(*_pair(x, y))

    def multiply(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.multiply(*_pair(x, y))

    def divide(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.math.truediv(*_pair(x, y))

    def floor_divide(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.math.floordiv(*_pair(x, y))

    def mod(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.math.floormod(*_pair(x, y))

    def power(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.pow(*_pair(x, y))

    def maximum(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.maximum(*_pair(x, y))

    def minimum(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.minimum(*_pair(x, y))

    def negative(self, x: Tensor) -> Tensor:
        return tf.negative(_t(x))

    def abs(self, x: Tensor) -> Tensor:
        return tf.abs(_t(x))

    def sign(self, x: Tensor) -> Tensor:
        return tf.sign(_t(x))

    def square(self, x: Tensor) -> Tensor:
        return tf.square(_t(x))

    def sqrt(self, x: Tensor) -> Tensor:
        return tf.sqrt(_t(x))

    def rsqrt(self, x: Tensor) -> Tensor:
        return tf.math.rsqrt(_t(x))

    def exp(self, x: Tensor) -> Tensor:
        return tf.exp(_t(x))

    def expm1(self, x: Tensor) -> Tensor:
        return tf.math.expm1(_t(x))

    def log(self, x: Tensor) -> Tensor:
        return tf.math.log(_t(x))

    def log1p(self, x: Tensor) -> Tensor:
        return tf.math.log1p(_t(x))

    def sin(self, x: Tensor) -> Tensor:
        return tf.sin(_t(x))

    def cos(self, x: Tensor) -> Tensor:
        return tf.cos(_t(x))

    def tanh(self, x: Tensor) -> Tensor:
        return tf.tanh(_t(x))

    def sigmoid(self, x: Tensor) -> Tensor:
        return tf.sigmoid(_t(x))

    def erf(self, x: Tensor) -> Tensor:
        return tf.math.erf(_t(x))

    def floor(self, x: Tensor) -> Tensor:
        return tf.floor(_t(x))

    def ceil(self, x: Tensor) -> Tensor:
        return tf.math.ceil(_t(x))

    def round(self, x: Tensor) -> Tensor:
        return tf.round(_t(x))  # halves to even, like NumPy

    def clip(self, x: Tensor, x_min: Any, x_max: Any) -> Tensor:
        x = _t(x)
        return tf.minimum(tf.maximum(x, _like(x_min, x.dtype)), _like(x_max, x.dtype))

    def where(self, condition: Tensor, x: Tensor, y: Tensor) -> Tensor:
        condition = _t(condition)
        if condition.dtype != tf.bool:
            condition = tf.cast(condition, tf.bool)
        return tf.where(condition, *_pair(x, y))

    def equal(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.equal(*_pair(x, y))

    def not_equal(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.not_equal(*_pair(x, y))

    def less(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.less(*_pair(x, y))

    def less_equal(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.less_equal(*_pair(x, y))

    def greater(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.greater(*_pair(x, y))

    def greater_equal(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.greater_equal(*_pair(x, y))

    def logical_and(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.logical_and(*_pair(x, y))

    def logical_or(self, x: Tensor, y: Tensor) -> Tensor:
        return tf.logical_or(*_pair(x, y))

    def logical_not(self, x: Tensor) -> Tensor:
        return tf.logical_not(_t(x))

    def isnan(self, x: Tensor) -> Tensor:
        x = _t(x)
        return tf.math.is_nan(x) if x.dtype.is_floating else tf.zeros_like(x, tf.bool)

    def isfinite(self, x: Tensor) -> Tensor:
        x = _t(x)
        return tf.math.is_finite(x) if x.dtype.is_floating else tf.ones_like(x, tf.bool)

    # ------------------------------------------------------------------ reductions
    def sum(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        x = _t(x)
        if x.dtype == tf.bool:
            x = tf.cast(x, tf.int32)
        return tf.reduce_sum(x, axis, keepdims)

    def mean(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return tf.reduce_mean(_t(x), axis, keepdims)

    def max(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        x = _t(x)
        return (tf.reduce_any if x.dtype == tf.bool else tf.reduce_max)(x, axis, keepdims)

    def min(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        x = _t(x)
        return (tf.reduce_all if x.dtype == tf.bool else tf.reduce_min)(x, axis, keepdims)

    def prod(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return tf.reduce_prod(_t(x), axis, keepdims)

    def var(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return tf.math.reduce_variance(_t(x), axis, keepdims)

    def argmax(self, x: Tensor, axis: int | None = None) -> Tensor:
        x = _t(x)
        if axis is None:
            x, axis = _flat(x), 0
        return tf.argmax(x, axis, output_type=tf.int32)

    def argmin(self, x: Tensor, axis: int | None = None) -> Tensor:
        x = _t(x)
        if axis is None:
            x, axis = _flat(x), 0
        return tf.argmin(x, axis, output_type=tf.int32)

    def any(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        x = _t(x)
        return tf.reduce_any(x if x.dtype == tf.bool else tf.cast(x, tf.bool), axis, keepdims)

    def all(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        x = _t(x)
        return tf.reduce_all(x if x.dtype == tf.bool else tf.cast(x, tf.bool), axis, keepdims)

    def logsumexp(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return tf.reduce_logsumexp(_t(x), axis, keepdims)

    def cumsum(self, x: Tensor, axis: int | None = None) -> Tensor:
        x = _t(x)
        if axis is None:
            x, axis = _flat(x), 0
        return tf.math.cumsum(x, axis)

    def cumprod(self, x: Tensor, axis: int | None = None) -> Tensor:
        x = _t(x)
        if axis is None:
            x, axis = _flat(x), 0
        return tf.math.cumprod(x, axis)

    def top_k(self, x: Tensor, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
        values, indices = tf.math.top_k(_t(x), k, sorted=sorted)
        return values, indices

    def sort(self, x: Tensor, axis: int = -1) -> Tensor:
        return tf.sort(_t(x), axis)

    def argsort(self, x: Tensor, axis: int = -1) -> Tensor:
        return tf.argsort(_t(x), axis, stable=True)

    # ------------------------------------------------------------------ shape
    def reshape(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        return tf.reshape(x, shape)

    def transpose(self, x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
        return tf.transpose(x, axes)

    def expand_dims(self, x: Tensor, axis: int) -> Tensor:
        return tf.expand_dims(x, axis)

    def squeeze(self, x: Tensor, axis: Axis = None) -> Tensor:
        return tf.squeeze(x, list(axis) if isinstance(axis, tuple) else axis)

    def broadcast_to(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        return tf.broadcast_to(x, shape)

    def concatenate(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        return tf.concat(list(xs), axis)

    def stack(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        return tf.stack(list(xs), axis)

    def split(self, x: Tensor, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
        x = _t(x)
        if isinstance(indices_or_sections, int):
            return tf.split(x, indices_or_sections, axis)
        dim = x.shape[axis]
        bounds = [0, *(min(max(i + dim if i < 0 else i, 0), dim) for i in indices_or_sections), dim]
        if all(a <= b for a, b in zip(bounds, bounds[1:], strict=False)):
            return tf.split(x, [b - a for a, b in zip(bounds, bounds[1:], strict=False)], axis)
        lead = (slice(None),) * (axis % x.shape.rank)
        return [x[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:], strict=False)]

    def slice(self, x: Tensor, start_indices: Sequence[int], shape: Sequence[int]) -> Tensor:
        return tf.slice(x, start_indices, shape)

    def take(self, x: Tensor, indices: Tensor, axis: int | None = None) -> Tensor:
        x, indices = _t(x), _t(indices)
        if axis is None:
            x, axis = _flat(x), 0
        if indices.dtype not in (tf.int32, tf.int64):
            indices = tf.cast(indices, tf.int32)
        dim = x.shape[axis]
        # tf.gather rejects negative indices; floormod maps them NumPy's way (in-range ones unchanged)
        return tf.gather(x, tf.math.floormod(indices, dim if dim is not None else tf.shape(x)[axis]), axis=axis)

    def take_along_axis(self, x: Tensor, indices: Tensor, axis: int) -> Tensor:
        x, indices = _t(x), _t(indices)
        nd = x.shape.rank
        axis %= nd
        xs, js = x.shape.as_list(), indices.shape.as_list()
        bx, bj = list(xs), list(js)
        for d in range(nd):
            if d != axis:
                bx[d] = bj[d] = max(xs[d], js[d]) if 1 in (xs[d], js[d]) else xs[d]
        if bx != xs:
            x = tf.broadcast_to(x, bx)
        if bj != js:
            indices = tf.broadcast_to(indices, bj)
        if indices.dtype not in (tf.int32, tf.int64):
            indices = tf.cast(indices, tf.int32)
        indices = tf.math.floormod(indices, xs[axis])
        if axis == nd - 1:
            return tf.gather(x, indices, batch_dims=nd - 1)
        perm = [d for d in range(nd) if d != axis] + [axis]
        inverse = [*range(axis), nd - 1, *range(axis, nd - 1)]
        out = tf.gather(tf.transpose(x, perm), tf.transpose(indices, perm), batch_dims=nd - 1)
        return tf.transpose(out, inverse)

    def scatter_update(self, x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
        x = _t(x)
        return tf.tensor_scatter_nd_update(x, _t(indices), _like(updates, x.dtype))

    def tile(self, x: Tensor, repeats: Sequence[int]) -> Tensor:
        x = _t(x)
        repeats, nd = list(repeats), x.shape.rank
        if len(repeats) < nd:
            repeats = [1] * (nd - len(repeats)) + repeats
        elif len(repeats) > nd:
            x = tf.reshape(x, [1] * (len(repeats) - nd) + x.shape.as_list())
        return tf.tile(x, repeats)

    def repeat(self, x: Tensor, repeats: int, axis: int | None = None) -> Tensor:
        return tf.repeat(x, repeats, axis)

    def pad(self, x: Tensor, pad_width: Sequence[tuple[int, int]], constant_values: Any = 0) -> Tensor:
        x = _t(x)
        return tf.pad(x, [list(p) for p in pad_width], constant_values=_like(constant_values, x.dtype))

    def flip(self, x: Tensor, axis: Axis = None) -> Tensor:
        x = _t(x)
        if axis is None:
            axis = range(x.shape.rank)
        return tf.reverse(x, [axis] if isinstance(axis, int) else list(axis))

    def roll(self, x: Tensor, shift: int, axis: int | None = None) -> Tensor:
        x = _t(x)
        if axis is None:
            return tf.reshape(tf.roll(_flat(x), shift, 0), tf.shape(x))
        return tf.roll(x, shift, axis)

    def one_hot(self, indices: Tensor, num_classes: int, dtype: str = "float32") -> Tensor:
        indices = _t(indices)
        if indices.dtype not in (tf.int32, tf.int64, tf.uint8):
            indices = tf.cast(indices, tf.int32)
        if dtype == "bool":
            return tf.one_hot(indices, num_classes, True, False, dtype=tf.bool)
        return tf.one_hot(indices, num_classes, dtype=_DTYPES[dtype])  # out-of-range rows are zeros

    # ------------------------------------------------------------------ linear algebra
    def matmul(self, x: Tensor, y: Tensor) -> Tensor:
        x, y = _pair(x, y)
        rx, ry = x.shape.rank, y.shape.rank
        if rx > 1 and ry > 1:
            return tf.matmul(x, y)
        if rx == 1 and ry == 1:
            return tf.tensordot(x, y, 1)
        if rx == 1:
            return tf.squeeze(tf.matmul(x[None], y), -2)
        return tf.squeeze(tf.matmul(x, y[:, None]), -1)

    def einsum(self, subscripts: str, *operands: Tensor) -> Tensor:
        return tf.einsum(subscripts, *operands)

    def tensordot(self, x: Tensor, y: Tensor, axes: int | Sequence[Sequence[int]] = 2) -> Tensor:
        return tf.tensordot(*_pair(x, y), axes)

    # ------------------------------------------------------------------ nn
    def relu(self, x: Tensor) -> Tensor:
        return tf.nn.relu(_t(x))

    def gelu(self, x: Tensor, approximate: bool = True) -> Tensor:
        return tf.nn.gelu(_t(x), approximate=approximate)

    def softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        return tf.nn.softmax(_t(x), axis=axis)

    def log_softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        return tf.nn.log_softmax(_t(x), axis=axis)

    def conv(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
    ) -> Tensor:
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise self.unsupported("conv", "strides > 1 together with dilation_rate > 1")
        x = _t(x)
        nd = x.shape.rank - 2
        # TF's CPU convolution kernels accept channels_last only
        if data_format == "channels_first":
            x = tf.transpose(x, _to_last(nd))
        kernel = _t(kernel)
        groups = x.shape[-1] // kernel.shape[-2]
        xs, ks = ([x], [kernel]) if groups == 1 or nd < 3 else (tf.split(x, groups, -1), tf.split(kernel, groups, -1))
        # TF's CPU Conv3D has no grouped kernel (Conv1D/2D do): run the groups one by one
        outs = [_convolution(xi, ki, strides, padding.upper(), dilation_rate) for xi, ki in zip(xs, ks, strict=True)]
        out = outs[0] if len(outs) == 1 else tf.concat(outs, -1)
        return tf.transpose(out, _to_first(nd)) if data_format == "channels_first" else out

    def grouped_conv(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
        groups: int,
    ) -> Tensor:
        x, kernel = _t(x), _t(kernel)
        nd = x.shape.rank - 2
        first = 1 if data_format == "channels_last" else 2
        channels = x.shape[-1 if data_format == "channels_last" else 1]
        depthwise = 1 < groups == channels and nd < 3
        if max(strides) > 1 and (max(dilation_rate) > 1 or (depthwise and min(strides) != max(strides))):
            # TF's kernels take strides or dilations, not both, and its depthwise kernel only equal
            # strides: convolve at stride 1, then subsample
            if padding == "same":
                pads = [(0, 0)] * (nd + 2)
                for i, (n, k, s, d) in enumerate(zip(x.shape[first:], kernel.shape[:nd], strides, dilation_rate)):
                    total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
                    pads[first + i] = (total // 2, total - total // 2)
                x = tf.pad(x, pads)
            out = self.grouped_conv(x, kernel, (1,) * nd, "valid", data_format, dilation_rate, groups)
            index = [slice(None)] * (nd + 2)
            index[first : first + nd] = [slice(None, None, s) for s in strides]
            return out[tuple(index)]
        if not depthwise:
            # TF's CPU grouped Conv1D/2D computes no gradients: the composed default for general groups
            return super().grouped_conv(x, kernel, strides, padding, data_format, dilation_rate, groups)
        # tf.nn.depthwise_conv2d; a 1-D input is a 2-D one with one row (strides equal, as TF wants)
        if data_format == "channels_first":
            x = tf.transpose(x, _to_last(nd))
        kernel = tf.reshape(kernel, (*kernel.shape[:nd], channels, -1))
        if nd == 1:
            x, kernel, strides, dilation_rate = x[:, None], kernel[None], strides * 2, (1, *dilation_rate)
        out = tf.nn.depthwise_conv2d(x, kernel, (1, *strides, 1), padding.upper(), dilations=dilation_rate)
        out = out[:, 0] if nd == 1 else out
        return tf.transpose(out, _to_first(nd)) if data_format == "channels_first" else out

    def conv_transpose(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
        output_padding: Sequence[int] | None = None,
    ) -> Tensor:
        x, kernel = _t(x), _t(kernel)
        nd = x.shape.rank - 2
        spatial = x.shape[1:-1] if data_format == "channels_last" else x.shape[2:]
        geometry = zip(spatial, kernel.shape[:nd], strides, output_padding or (None,) * nd, dilation_rate)
        outs = [conv_transpose_geometry(n, k, s, padding, p, d)[0] for n, k, s, p, d in geometry]
        # TF's CPU kernel has no dilation, and takes only output lengths that its forward conv maps
        # back to the input length (then its crop is conv_transpose_geometry's)
        fits = [
            -(-o // s) == n if padding == "same" else o >= k and (o - k) // s + 1 == n
            for o, n, k, s in zip(outs, spatial, kernel.shape[:nd], strides)
        ]
        if max(dilation_rate) > 1 or not all(fits):
            return super().conv_transpose(x, kernel, strides, padding, data_format, dilation_rate, output_padding)
        if data_format == "channels_first":
            x = tf.transpose(x, _to_last(nd))
        batch = x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]
        out = tf.nn.conv_transpose(x, kernel, [batch, *outs, kernel.shape[-2]], list(strides), padding.upper())
        return tf.transpose(out, _to_first(nd)) if data_format == "channels_first" else out

    def _pool(
        self, op: Callable, x: Tensor, pool_size: Sequence[int], strides: Sequence[int], padding: str, data_format: str
    ) -> Tensor:
        x = _t(x)
        nd = x.shape.rank - 2
        if data_format == "channels_first":
            x = tf.transpose(x, _to_last(nd))
        if nd == 3:  # the generic 5-d pooling has no eager gradient (see _convolution)
            op = tf.nn.max_pool3d if op is tf.nn.max_pool else tf.nn.avg_pool3d
        out = op(x, list(pool_size), list(strides), padding.upper())
        return tf.transpose(out, _to_first(nd)) if data_format == "channels_first" else out

    def max_pool(
        self,
        x: Tensor,
        pool_size: Sequence[int],
        strides: Sequence[int],
        padding: str,
        data_format: str,
    ) -> Tensor:
        return self._pool(tf.nn.max_pool, x, pool_size, strides, padding, data_format)

    def avg_pool(
        self,
        x: Tensor,
        pool_size: Sequence[int],
        strides: Sequence[int],
        padding: str,
        data_format: str,
    ) -> Tensor:
        # TF's "SAME" average pooling already leaves padded cells out of the count
        return self._pool(tf.nn.avg_pool, x, pool_size, strides, padding, data_format)

    # ------------------------------------------------------------------ random (stateless, seeded)
    def random_uniform(self, shape: Sequence[int], minval: float, maxval: float, dtype: str, seed: Seed) -> Tensor:
        return tf.random.stateless_uniform(shape, _seed(seed), minval, maxval, _DTYPES[dtype])

    def random_normal(self, shape: Sequence[int], mean: float, stddev: float, dtype: str, seed: Seed) -> Tensor:
        return tf.random.stateless_normal(shape, _seed(seed), mean, stddev, _DTYPES[dtype])

    def random_randint(self, shape: Sequence[int], minval: int, maxval: int, dtype: str, seed: Seed) -> Tensor:
        dt = _DTYPES[dtype]
        draw = tf.int64 if dtype in ("int64", "uint8") else tf.int32  # the kernel's only int dtypes
        out = tf.random.stateless_uniform(shape, _seed(seed), minval, maxval, draw)
        return out if draw == dt else tf.cast(out, dt)

    def random_categorical(self, logits: Tensor, num_samples: int, seed: Seed) -> Tensor:
        # Gumbel-max, not tf.random.stateless_categorical: XLA has no StatelessMultinomial kernel on CPU
        logits = _t(logits)
        dt = tf.float64 if logits.dtype == tf.float64 else tf.float32
        n, k = logits.shape
        u = tf.random.stateless_uniform((n, num_samples, k), _seed(seed), _TINY[dt], 1.0, dt)
        gumbel = -tf.math.log(-tf.math.log(u))
        return tf.argmax(tf.cast(logits, dt)[:, None, :] + gumbel, -1, output_type=tf.int32)

    def random_shuffle(self, x: Tensor, seed: Seed) -> Tensor:
        x = _t(x)
        keys = tf.random.stateless_uniform(x.shape[:1], _seed(seed), None, None, tf.int64)
        return tf.gather(x, tf.argsort(keys))

    # ------------------------------------------------------------------ variables & gradients
    def variable_create(self, value: np.ndarray, trainable: bool) -> Any:
        return tf.Variable(value, trainable=trainable)

    def variable_read(self, handle: Any) -> Tensor:
        # A snapshot (ReadVariableOp), not the handle: an op using the handle would read it
        # later, after any assign in between. Watched handles are still tracked by GradientTape.
        return handle.value()

    def variable_assign(self, handle: Any, value: Tensor) -> Any:
        if not isinstance(value, tf.Tensor):
            value = _like(value, handle.dtype)
        if value.dtype != handle.dtype:
            value = tf.cast(value, handle.dtype)
        handle.assign(value, read_value=False)
        return handle

    def stop_gradient(self, x: Tensor) -> Tensor:
        return tf.stop_gradient(x)

    def value_and_grad(
        self, fn: Callable[..., Any], variables: Sequence[Any], has_aux: bool = False
    ) -> Callable[..., tuple[Any, list[Tensor]]]:
        variables = list(variables)
        floats = [v.dtype in _FLOATS for v in variables]

        def value_and_grad_fn(*args: Any, **kwargs: Any) -> tuple[Any, list[Tensor]]:
            scope = active_scope()
            targets = []
            for v in variables:
                scoped = scope.get(v) if scope is not None else None
                targets.append(v.handle if scoped is None else scoped)
            watched = [t for t, f in zip(targets, floats, strict=True) if f]
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(watched)
                out = fn(*args, **kwargs)
            grads = iter(tape.gradient(out[0] if has_aux else out, watched, unconnected_gradients=_ZERO))
            result = []
            for t, f in zip(targets, floats, strict=True):
                if not f:
                    result.append(tf.zeros(t.shape, t.dtype))
                    continue
                g = next(grads)
                result.append(g if isinstance(g, tf.Tensor) else tf.convert_to_tensor(g))  # IndexedSlices
            return out, result

        return value_and_grad_fn

    # ------------------------------------------------------------------ steps
    def make_step(
        self, fn: Callable[..., Any], state: Sequence[Any], jit_compile: bool | str = "auto"
    ) -> Callable[..., Any]:
        # One trace per distinct input shape (full batches, then the last smaller one), every
        # shape static: `shape()` must return ints, which reduce_retracing would break.
        # autograph=False: the step is plain Python over contract ops, traced as written.
        del state
        if jit_compile == "auto":
            # XLA wins on some models and loses on others (docs/performance.md): start on the graph
            # executor, try XLA once the run has proven long, keep the faster (step_tiering.py).
            on_cpu_only = not tf.config.list_logical_devices("GPU")
            compiled = TieredStep(
                tf.function(fn, jit_compile=False, autograph=False),
                lambda: tf.function(fn, jit_compile=True, autograph=False),
                synchronize=(lambda out: None) if on_cpu_only else (lambda out: self.synchronize()),
            )
        else:
            compiled = tf.function(fn, jit_compile=jit_compile is True, autograph=False)
        convert = tf.convert_to_tensor

        def step(*args: Any) -> Any:
            # Converting NumPy here is ~20 us an array; tf.function's own conversion of NumPy
            # arguments costs ~200 us an array (measured on the digits MLP step).
            return compiled(*[convert(a) if isinstance(a, np.ndarray) else a for a in args])

        step.compiled = compiled
        return step

    def synchronize(self, x: Any = None) -> None:
        del x
        tf.test.experimental.sync_devices()

    # ------------------------------------------------------------------ fused optimizer kernels
    # TF's training kernels (which tf.keras used) compute Keras's rules in place on the resource
    # handles: one op per variable instead of about ten. SGD/momentum match the composed rule
    # bit for bit; Adam rounds beta_1/beta_2 to the variable's dtype before taking 1 - beta
    # (measured: weights within 5e-7 of the composed rule after 200 float32 steps).
    def apply_sgd(
        self,
        variables: Sequence[Any],
        grads: Sequence[Tensor],
        momentums: Sequence[Any] | None,
        learning_rate: Tensor,
        momentum: float,
        nesterov: bool,
    ) -> None:
        if active_scope() is not None:
            return super().apply_sgd(variables, grads, momentums, learning_rate, momentum, nesterov)
        scalars: dict[tf.DType, tuple] = {}
        for i, (v, g) in enumerate(zip(variables, grads, strict=True)):
            h = v.handle
            if h.dtype not in scalars:
                scalars[h.dtype] = (tf.cast(learning_rate, h.dtype), tf.constant(momentum, h.dtype))
            lr, mom = scalars[h.dtype]
            if momentums is None:
                tf.raw_ops.ResourceApplyGradientDescent(var=h.handle, alpha=lr, delta=g)
            else:
                tf.raw_ops.ResourceApplyKerasMomentum(
                    var=h.handle, accum=momentums[i].handle.handle, lr=lr, grad=g, momentum=mom, use_nesterov=nesterov
                )
        return None

    def sparse_softmax_cross_entropy(self, labels: Tensor, logits: Tensor) -> Tensor:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=_t(labels), logits=_t(logits))

    def apply_adam(
        self,
        variables: Sequence[Any],
        grads: Sequence[Tensor],
        ms: Sequence[Any],
        vs: Sequence[Any],
        vhats: Sequence[Any] | None,
        learning_rate: Tensor,
        beta_1: float,
        beta_2: float,
        epsilon: float,
        step: Tensor,
    ) -> None:
        if active_scope() is not None or vhats is not None:  # ResourceApplyAdamWithAmsgrad has no XLA kernel
            return super().apply_adam(variables, grads, ms, vs, vhats, learning_rate, beta_1, beta_2, epsilon, step)
        step = _t(step)
        b1_power = tf.pow(tf.constant(beta_1, step.dtype), step)
        b2_power = tf.pow(tf.constant(beta_2, step.dtype), step)
        scalars: dict[tf.DType, tuple] = {}
        for w, g, m, v in zip(variables, grads, ms, vs, strict=True):
            h = w.handle
            dt = h.dtype
            if dt not in scalars:
                scalars[dt] = (
                    tf.cast(b1_power, dt),
                    tf.cast(b2_power, dt),
                    tf.cast(learning_rate, dt),
                    tf.constant(beta_1, dt),
                    tf.constant(beta_2, dt),
                    tf.constant(epsilon, dt),
                )
            b1p, b2p, lr, b1, b2, eps = scalars[dt]
            tf.raw_ops.ResourceApplyAdam(
                var=h.handle,
                m=m.handle.handle,
                v=v.handle.handle,
                beta1_power=b1p,
                beta2_power=b2p,
                lr=lr,
                beta1=b1,
                beta2=b2,
                epsilon=eps,
                grad=g,
            )
        return None

    # ------------------------------------------------------------------ recurrent kernels
    def _unstack(self, x: Tensor, axis: int) -> list[Tensor]:
        # scan stays the contract's unrolled loop, as a hand-written tf.function loop (tf.scan's
        # while loop is slower on CPU for short sequences); one unstack op per sequence instead of
        # a slice per step.
        return tf.unstack(tf.convert_to_tensor(x), axis=axis)

    # ------------------------------------------------------------------ linalg decompositions, autodiff (D1)
    def linalg_svd(self, x: Tensor, full_matrices: bool = True, compute_uv: bool = True) -> Any:
        if not compute_uv:
            return tf.linalg.svd(x, full_matrices=full_matrices, compute_uv=False)
        s, u, v = tf.linalg.svd(x, full_matrices=full_matrices, compute_uv=True)
        return u, s, tf.linalg.adjoint(v)

    def linalg_qr(self, x: Tensor, mode: str = "reduced") -> tuple[Tensor, Tensor]:
        q, r = tf.linalg.qr(x, full_matrices=mode == "complete")
        return q, r

    def linalg_eigh(self, x: Tensor) -> tuple[Tensor, Tensor]:
        w, v = tf.linalg.eigh(x)
        return w, v

    def linalg_eig(self, x: Tensor) -> tuple[Tensor, Tensor]:
        w, v = tf.linalg.eig(x)
        return w, v

    def jvp(
        self, fun: Callable[..., Any], primals: Sequence[Tensor], tangents: Sequence[Tensor], has_aux: bool = False
    ) -> tuple:
        primals = [tf.convert_to_tensor(p) for p in primals]
        tangents = [tf.cast(t, p.dtype) for t, p in zip(tangents, primals, strict=True)]
        with tf.autodiff.ForwardAccumulator(primals, tangents) as accumulator:
            result = fun(*primals)
            out, aux = result if has_aux else (result, None)
            flat = tf.nest.flatten(out)
            tangents_out = [accumulator.jvp(o, unconnected_gradients=tf.UnconnectedGradients.ZERO) for o in flat]
        tangents_out = tf.nest.pack_sequence_as(out, tangents_out)
        return (out, tangents_out, aux) if has_aux else (out, tangents_out)

    def custom_gradient(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @tf.custom_gradient
        def wrapped(*args: Any) -> Any:
            out, grad_fn = fn(*args)

            def grad(*upstreams: Any, variables: Any = None) -> Any:
                del variables
                grads = grad_fn(*upstreams)
                return list(grads) if isinstance(grads, (list, tuple)) else grads

            return out, grad

        return wrapped

    def bitcast(self, x: Tensor, dtype: str) -> Tensor:
        x = tf.convert_to_tensor(x)
        target = tf.as_dtype(dtype)
        source_size, target_size = x.dtype.size, target.size
        if source_size < target_size:  # tf.bitcast merges a trailing axis of target / source items
            x = tf.reshape(x, [*x.shape[:-1], x.shape[-1] // (target_size // source_size), target_size // source_size])
        out = tf.bitcast(x, target)
        if source_size > target_size:  # tf.bitcast adds a trailing axis of the split items
            out = tf.reshape(out, [*x.shape[:-1], x.shape[-1] * (source_size // target_size)])
        return out

    # ------------------------------------------------------------------ device placement (keras.device)
    def device_scope(self, device_name: str) -> Any:
        kind, _, index = device_name.partition(":")
        return tf.device(f"{'GPU' if kind in ('gpu', 'cuda') else kind.upper()}:{index or 0}")
