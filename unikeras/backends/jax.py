"""The JAX adapter: jax.numpy / lax ops, immutable arrays as variable handles, jitted pure steps."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from unikeras.backends.base import Axis, Backend, BackendError, Seed, Tensor, conv_transpose_geometry
from unikeras.variables import StatelessScope

# float64 / int64 must be real dtypes, as on every other backend; every creation op below
# passes an explicit dtype so nothing silently becomes 64-bit.
jax.config.update("jax_enable_x64", True)

_BF16 = np.dtype(jnp.bfloat16)
_DTYPES = {
    name: np.dtype(name)
    for name in ("float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool")
}
_DTYPES["bfloat16"] = _BF16
_INT32 = np.dtype("int32")
_Array = jax.Array


def _dt(name: Any) -> np.dtype:
    return _DTYPES.get(name) or np.dtype(name)


@functools.lru_cache(maxsize=64)
def _base_key(base: int) -> Any:
    # Built concretely even when first asked for inside a trace, so the cache never holds a tracer.
    with jax.ensure_compile_time_eval():
        return jax.random.key(base)


@functools.lru_cache(maxsize=256)
def _same_counts(spatial: tuple, pool: tuple, strides: tuple) -> np.ndarray:
    """How many real (unpadded) cells each output window of a "same" pooling covers."""
    counts = np.ones((), np.float64)
    for n, k, s in zip(spatial, pool, strides, strict=True):
        out = -(-n // s)
        before = max((out - 1) * s + k - n, 0) // 2
        starts = np.arange(out) * s - before
        per_dim = np.minimum(starts + k, n) - np.maximum(starts, 0)
        counts = np.multiply.outer(counts, per_dim)
    return counts


def _jit(*static: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return functools.partial(jax.jit, static_argnums=static)


# Eager calls of jax.numpy composites (reshape, softmax, relu's custom_jvp, ...) re-dispatch every
# primitive from Python: 50-2000 us each here. A pre-built jax.jit with the non-array arguments static
# takes the C++ fast path (10-30 us); inside a traced step it is inlined like any other call.
_cast = _jit(1)(lax.convert_element_type)
_zeros = _jit(0, 1)(jnp.zeros)
_ones = _jit(0, 1)(jnp.ones)
_full = _jit(0, 2)(lambda shape, value, dtype: jnp.full(shape, value, dtype))
_sum = _jit(1, 2)(lambda x, axis, keepdims: jnp.sum(x, axis=axis, keepdims=keepdims))
_mean = _jit(1, 2)(lambda x, axis, keepdims: jnp.mean(x, axis=axis, keepdims=keepdims))
_max = _jit(1, 2)(lambda x, axis, keepdims: jnp.max(x, axis=axis, keepdims=keepdims))
_min = _jit(1, 2)(lambda x, axis, keepdims: jnp.min(x, axis=axis, keepdims=keepdims))
_prod = _jit(1, 2)(lambda x, axis, keepdims: jnp.prod(x, axis=axis, keepdims=keepdims))
_var = _jit(1, 2)(lambda x, axis, keepdims: jnp.var(x, axis=axis, keepdims=keepdims))
_any = _jit(1, 2)(lambda x, axis, keepdims: jnp.any(x, axis=axis, keepdims=keepdims))
_all = _jit(1, 2)(lambda x, axis, keepdims: jnp.all(x, axis=axis, keepdims=keepdims))
_logsumexp = _jit(1, 2)(lambda x, axis, keepdims: jax.nn.logsumexp(x, axis=axis, keepdims=keepdims))
_argmax = _jit(1)(lambda x, axis: jnp.argmax(x, axis=axis).astype(_INT32))
_argmin = _jit(1)(lambda x, axis: jnp.argmin(x, axis=axis).astype(_INT32))
_argsort = _jit(1)(lambda x, axis: jnp.argsort(x, axis=axis, stable=True).astype(_INT32))
_cumsum = _jit(1)(lambda x, axis: jnp.cumsum(x, axis=axis))
_cumprod = _jit(1)(lambda x, axis: jnp.cumprod(x, axis=axis))
_sort = _jit(1)(lambda x, axis: jnp.sort(x, axis=axis))
_top_k = _jit(1)(lax.top_k)
_reshape = _jit(1)(jnp.reshape)
_transpose = _jit(1)(jnp.transpose)
_expand_dims = _jit(1)(jnp.expand_dims)
_squeeze = _jit(1)(jnp.squeeze)
_broadcast_to = _jit(1)(jnp.broadcast_to)
_concatenate = _jit(1)(lambda xs, axis: jnp.concatenate(xs, axis=axis))
_stack = _jit(1)(lambda xs, axis: jnp.stack(xs, axis=axis))
_slice = _jit(1, 2)(lax.slice)
_take = _jit(2)(lambda x, indices, axis: jnp.take(x, indices, axis=axis))
_take_along_axis = _jit(2)(lambda x, indices, axis: jnp.take_along_axis(x, indices, axis=axis))
_tile = _jit(1)(jnp.tile)
_repeat = _jit(1, 2)(lambda x, repeats, axis: jnp.repeat(x, repeats, axis=axis))
_pad = _jit(1)(lambda x, pad_width, value: jnp.pad(x, pad_width, constant_values=value))
_flip = _jit(1)(jnp.flip)
_roll = _jit(1, 2)(jnp.roll)
# jax.nn.one_hot compares with arange, so out-of-range and negative indices give zeros.
_one_hot = _jit(1, 2)(lambda x, n, dtype: jax.nn.one_hot(x, n, dtype=dtype))
_relu = jax.jit(jax.nn.relu)
_gelu = _jit(1)(jax.nn.gelu)
_softmax = _jit(1)(lambda x, axis: jax.nn.softmax(x, axis=axis))
_log_softmax = _jit(1)(lambda x, axis: jax.nn.log_softmax(x, axis=axis))


@_jit(2, 3, 4, 5)
def _conv(x: Any, kernel: Any, strides: tuple, padding: str, dilation: tuple, data_format: str) -> Any:
    spatial = "DHW"[3 - (x.ndim - 2) :]
    lhs = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    # String padding gives TensorFlow's "same" rule (the odd extra cell at the end), computed on the
    # dilated kernel.
    return lax.conv_general_dilated(
        x, kernel, strides, padding.upper(), rhs_dilation=dilation, dimension_numbers=(lhs, spatial + "IO", lhs)
    )


@_jit(2, 3, 4, 5, 6)
def _grouped_conv(
    x: Any, kernel: Any, strides: tuple, padding: str, dilation: tuple, data_format: str, groups: int
) -> Any:
    spatial = "DHW"[3 - (x.ndim - 2) :]
    lhs = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    return lax.conv_general_dilated(
        x,
        kernel,
        strides,
        padding.upper(),
        rhs_dilation=dilation,
        dimension_numbers=(lhs, spatial + "IO", lhs),
        feature_group_count=groups,
    )


@_jit(2, 3, 4, 5)
def _conv_transpose(x: Any, kernel: Any, strides: tuple, pads: tuple, dilation: tuple, data_format: str) -> Any:
    # lhs_dilation puts stride - 1 zeros between input cells, the explicit (possibly negative)
    # padding places the output window, and the kernel is flipped with its (filters, in) axes as (O, I)
    nd = x.ndim - 2
    spatial = "DHW"[3 - nd :]
    lhs = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    return lax.conv_general_dilated(
        x,
        lax.rev(kernel, tuple(range(nd))),
        (1,) * nd,
        pads,
        lhs_dilation=strides,
        rhs_dilation=dilation,
        dimension_numbers=(lhs, spatial + "OI", lhs),
    )


def _window(pool_size: tuple, strides: tuple, data_format: str) -> tuple:
    if data_format == "channels_last":
        return (1, *pool_size, 1), (1, *strides, 1)
    return (1, 1, *pool_size), (1, 1, *strides)


@_jit(1, 2, 3, 4)
def _max_pool(x: Any, pool_size: tuple, strides: tuple, padding: str, data_format: str) -> Any:
    window, steps = _window(pool_size, strides, data_format)
    # A concrete identity init makes lax pick the differentiable reduce_window_max primitive.
    init = -np.inf if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min
    return lax.reduce_window(x, np.array(init, x.dtype), lax.max, window, steps, padding.upper())


@_jit(1, 2, 3, 4)
def _avg_pool(x: Any, pool_size: tuple, strides: tuple, padding: str, data_format: str) -> Any:
    window, steps = _window(pool_size, strides, data_format)
    summed = lax.reduce_window(x, np.array(0, x.dtype), lax.add, window, steps, padding.upper())
    if padding.lower() == "valid":
        return summed / np.array(np.prod(pool_size), x.dtype)
    channels_last = data_format == "channels_last"
    counts = _same_counts(x.shape[1:-1] if channels_last else x.shape[2:], pool_size, strides).astype(x.dtype)
    return summed / (counts[..., None] if channels_last else counts)


# Random ops take the (concrete, cached) base key and the counter, which may be traced.
@_jit(2, 3)
def _uniform(key: Any, counter: Any, shape: tuple, dtype: np.dtype, minval: Any, maxval: Any) -> Any:
    return jax.random.uniform(jax.random.fold_in(key, counter), shape, dtype, minval, maxval)


@_jit(2, 3)
def _normal(key: Any, counter: Any, shape: tuple, dtype: np.dtype, mean: Any, stddev: Any) -> Any:
    return jax.random.normal(jax.random.fold_in(key, counter), shape, dtype) * stddev + mean


@_jit(2, 3)
def _randint(key: Any, counter: Any, shape: tuple, dtype: np.dtype, minval: Any, maxval: Any) -> Any:
    return jax.random.randint(jax.random.fold_in(key, counter), shape, minval, maxval, dtype)


@_jit(3)
def _categorical(key: Any, counter: Any, logits: Any, num_samples: int) -> Any:
    key = jax.random.fold_in(key, counter)
    return jax.random.categorical(key, logits, axis=-1, shape=(num_samples, logits.shape[0])).T.astype(_INT32)


@jax.jit
def _shuffle(key: Any, counter: Any, x: Any) -> Any:
    return jax.random.permutation(jax.random.fold_in(key, counter), x, axis=0, independent=False)


def _tuple(x: Any) -> Any:
    return tuple(x) if isinstance(x, list) else x


class JaxBackend(Backend):
    name = "jax"
    framework = "jax"
    pip_extra = "jax"

    # ------------------------------------------------------------------ identity
    def framework_version(self) -> str:
        return jax.__version__

    def list_devices(self) -> list[str]:
        return [f"{d.platform}:{d.id}" for d in jax.devices()]

    def set_float32_matmul_precision(self, precision: str) -> None:
        # Part of every trace's context: steps traced before a change are traced again after it.
        jax.config.update("jax_default_matmul_precision", "highest" if precision == "highest" else "tensorfloat32")

    # ------------------------------------------------------------------ tensors & dtypes
    def is_tensor(self, x: Any) -> bool:
        return isinstance(x, _Array)

    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Tensor:
        if dtype is None:
            if isinstance(x, _Array):
                return x
            # np.asarray first: Python scalars get NumPy's (strong) dtype, not a weak one.
            return jnp.asarray(x if isinstance(x, np.ndarray) else np.asarray(x))
        dt = _dt(dtype)
        if isinstance(x, _Array) and x.dtype == dt:
            return x
        return jnp.asarray(x, dtype=dt)

    def to_numpy(self, x: Tensor) -> np.ndarray:
        out = np.asarray(x)
        return out.astype(np.float32) if out.dtype == _BF16 else out

    def cast(self, x: Tensor, dtype: str) -> Tensor:
        return _cast(x, _dt(dtype))

    def dtype_name(self, x: Tensor) -> str:
        dtype = getattr(x, "dtype", None)
        return (dtype if dtype is not None else np.asarray(x).dtype).name

    def shape(self, x: Tensor) -> tuple[int, ...]:
        return tuple(np.shape(x))

    def zeros(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        return _zeros(tuple(shape), _dt(dtype))

    def ones(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        return _ones(tuple(shape), _dt(dtype))

    def full(self, shape: Sequence[int], fill_value: Any, dtype: str = "float32") -> Tensor:
        return _full(tuple(shape), fill_value, _dt(dtype))

    def arange(self, start: Any, stop: Any = None, step: Any = 1, dtype: str = "int32") -> Tensor:
        if stop is None:
            start, stop = 0, start
        return jnp.arange(start, stop, step, dtype=_dt(dtype))

    def eye(self, n: int, m: int | None = None, dtype: str = "float32") -> Tensor:
        return jnp.eye(n, m, dtype=_dt(dtype))

    def zeros_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        return jnp.zeros_like(x, dtype=None if dtype is None else _dt(dtype))

    def ones_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        return jnp.ones_like(x, dtype=None if dtype is None else _dt(dtype))

    def copy(self, x: Tensor) -> Tensor:
        return jnp.array(x, copy=True)

    # ------------------------------------------------------------------ elementwise
    def add(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.add(x, y)

    def subtract(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.subtract(x, y)

    def multiply(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.multiply(x, y)

    def divide(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.true_divide(x, y)

    def floor_divide(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.floor_divide(x, y)

    def mod(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.mod(x, y)

    def power(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.power(x, y)

    def maximum(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.maximum(x, y)

    def minimum(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.minimum(x, y)

    def negative(self, x: Tensor) -> Tensor:
        return jnp.negative(x)

    def abs(self, x: Tensor) -> Tensor:
        return jnp.abs(x)

    def sign(self, x: Tensor) -> Tensor:
        return jnp.sign(x)

    def square(self, x: Tensor) -> Tensor:
        return jnp.square(x)

    def sqrt(self, x: Tensor) -> Tensor:
        return jnp.sqrt(x)

    def rsqrt(self, x: Tensor) -> Tensor:
        return lax.rsqrt(x)

    def exp(self, x: Tensor) -> Tensor:
        return jnp.exp(x)

    def expm1(self, x: Tensor) -> Tensor:
        return jnp.expm1(x)

    def log(self, x: Tensor) -> Tensor:
        return jnp.log(x)

    def log1p(self, x: Tensor) -> Tensor:
        return jnp.log1p(x)

    def sin(self, x: Tensor) -> Tensor:
        return jnp.sin(x)

    def cos(self, x: Tensor) -> Tensor:
        return jnp.cos(x)

    def tanh(self, x: Tensor) -> Tensor:
        return jnp.tanh(x)

    def sigmoid(self, x: Tensor) -> Tensor:
        return jax.nn.sigmoid(x)

    def erf(self, x: Tensor) -> Tensor:
        return jax.scipy.special.erf(x)

    def floor(self, x: Tensor) -> Tensor:
        return jnp.floor(x)

    def ceil(self, x: Tensor) -> Tensor:
        return jnp.ceil(x)

    def round(self, x: Tensor) -> Tensor:
        return jnp.round(x)

    def clip(self, x: Tensor, x_min: Any, x_max: Any) -> Tensor:
        return jnp.clip(x, x_min, x_max)

    def where(self, condition: Tensor, x: Tensor, y: Tensor) -> Tensor:
        return jnp.where(condition, x, y)

    def equal(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.equal(x, y)

    def not_equal(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.not_equal(x, y)

    def less(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.less(x, y)

    def less_equal(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.less_equal(x, y)

    def greater(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.greater(x, y)

    def greater_equal(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.greater_equal(x, y)

    def logical_and(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.logical_and(x, y)

    def logical_or(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.logical_or(x, y)

    def logical_not(self, x: Tensor) -> Tensor:
        return jnp.logical_not(x)

    def isnan(self, x: Tensor) -> Tensor:
        return jnp.isnan(x)

    def isfinite(self, x: Tensor) -> Tensor:
        return jnp.isfinite(x)

    # ------------------------------------------------------------------ reductions
    def sum(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _sum(x, _tuple(axis), keepdims)

    def mean(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _mean(x, _tuple(axis), keepdims)

    def max(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _max(x, _tuple(axis), keepdims)

    def min(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _min(x, _tuple(axis), keepdims)

    def prod(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _prod(x, _tuple(axis), keepdims)

    def var(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _var(x, _tuple(axis), keepdims)

    def argmax(self, x: Tensor, axis: int | None = None) -> Tensor:
        return _argmax(x, axis)

    def argmin(self, x: Tensor, axis: int | None = None) -> Tensor:
        return _argmin(x, axis)

    def any(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _any(x, _tuple(axis), keepdims)

    def all(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _all(x, _tuple(axis), keepdims)

    def logsumexp(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _logsumexp(x, _tuple(axis), keepdims)

    def cumsum(self, x: Tensor, axis: int | None = None) -> Tensor:
        return _cumsum(x, axis)

    def cumprod(self, x: Tensor, axis: int | None = None) -> Tensor:
        return _cumprod(x, axis)

    def top_k(self, x: Tensor, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
        # lax.top_k always returns sorted values and int32 indices (lowest index first on ties).
        return _top_k(x, k)

    def sort(self, x: Tensor, axis: int = -1) -> Tensor:
        return _sort(x, axis)

    def argsort(self, x: Tensor, axis: int = -1) -> Tensor:
        return _argsort(x, axis)

    # ------------------------------------------------------------------ shape
    def reshape(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        return _reshape(x, tuple(shape))

    def transpose(self, x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
        return _transpose(x, _tuple(axes))

    def expand_dims(self, x: Tensor, axis: int) -> Tensor:
        return _expand_dims(x, axis)

    def squeeze(self, x: Tensor, axis: Axis = None) -> Tensor:
        return _squeeze(x, _tuple(axis))

    def broadcast_to(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        return _broadcast_to(x, tuple(shape))

    def concatenate(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        return _concatenate(list(xs), axis)

    def stack(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        return _stack(list(xs), axis)

    def split(self, x: Tensor, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
        return list(jnp.split(x, indices_or_sections, axis=axis))

    def slice(self, x: Tensor, start_indices: Sequence[int], shape: Sequence[int]) -> Tensor:
        return _slice(x, tuple(start_indices), tuple(s + n for s, n in zip(start_indices, shape, strict=True)))

    def take(self, x: Tensor, indices: Tensor, axis: int | None = None) -> Tensor:
        return _take(x, indices, axis)

    def take_along_axis(self, x: Tensor, indices: Tensor, axis: int) -> Tensor:
        return _take_along_axis(x, indices, axis)

    def scatter_update(self, x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
        indices = jnp.asarray(indices)
        index = tuple(indices[:, i] for i in range(indices.shape[1]))
        return jnp.asarray(x).at[index].set(updates)

    def tile(self, x: Tensor, repeats: Sequence[int]) -> Tensor:
        return _tile(x, tuple(repeats))

    def repeat(self, x: Tensor, repeats: int, axis: int | None = None) -> Tensor:
        return _repeat(x, repeats, axis)

    def pad(self, x: Tensor, pad_width: Sequence[tuple[int, int]], constant_values: Any = 0) -> Tensor:
        return _pad(x, tuple(tuple(p) for p in pad_width), constant_values)

    def flip(self, x: Tensor, axis: Axis = None) -> Tensor:
        return _flip(x, _tuple(axis))

    def roll(self, x: Tensor, shift: int, axis: int | None = None) -> Tensor:
        return _roll(x, shift, axis)

    def one_hot(self, indices: Tensor, num_classes: int, dtype: str = "float32") -> Tensor:
        return _one_hot(indices, num_classes, _dt(dtype))

    # ------------------------------------------------------------------ linear algebra
    def matmul(self, x: Tensor, y: Tensor) -> Tensor:
        return jnp.matmul(x, y)

    def einsum(self, subscripts: str, *operands: Tensor) -> Tensor:
        return jnp.einsum(subscripts, *operands)

    def tensordot(self, x: Tensor, y: Tensor, axes: int | Sequence[Sequence[int]] = 2) -> Tensor:
        return jnp.tensordot(x, y, axes)

    # ------------------------------------------------------------------ nn
    def relu(self, x: Tensor) -> Tensor:
        return _relu(x)

    def gelu(self, x: Tensor, approximate: bool = True) -> Tensor:
        return _gelu(x, approximate)

    def softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        return _softmax(x, axis)

    def log_softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        return _log_softmax(x, axis)

    def conv(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
    ) -> Tensor:
        return _conv(x, kernel, tuple(strides), padding, tuple(dilation_rate), data_format)

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
        return _grouped_conv(x, kernel, tuple(strides), padding, tuple(dilation_rate), data_format, groups)

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
        shape, kshape = np.shape(x), np.shape(kernel)
        nd = len(shape) - 2
        spatial = shape[1:-1] if data_format == "channels_last" else shape[2:]
        pads = []
        for n, k, s, p, d in zip(spatial, kshape[:nd], strides, output_padding or (None,) * nd, dilation_rate):
            out, crop = conv_transpose_geometry(n, k, s, padding, p, d)
            before = (k - 1) * d - crop  # the valid conv maps before + (n - 1) * s + 1 + after cells to out
            pads.append((before, out - (n - 1) * s - 1 + (k - 1) * d - before))
        return _conv_transpose(x, kernel, tuple(strides), tuple(pads), tuple(dilation_rate), data_format)

    def max_pool(
        self,
        x: Tensor,
        pool_size: Sequence[int],
        strides: Sequence[int],
        padding: str,
        data_format: str,
    ) -> Tensor:
        return _max_pool(x, tuple(pool_size), tuple(strides), padding, data_format)

    def avg_pool(
        self,
        x: Tensor,
        pool_size: Sequence[int],
        strides: Sequence[int],
        padding: str,
        data_format: str,
    ) -> Tensor:
        return _avg_pool(x, tuple(pool_size), tuple(strides), padding, data_format)

    # ------------------------------------------------------------------ random
    def random_uniform(self, shape: Sequence[int], minval: float, maxval: float, dtype: str, seed: Seed) -> Tensor:
        return _uniform(_base_key(int(seed[0])), seed[1], tuple(shape), _dt(dtype), minval, maxval)

    def random_normal(self, shape: Sequence[int], mean: float, stddev: float, dtype: str, seed: Seed) -> Tensor:
        return _normal(_base_key(int(seed[0])), seed[1], tuple(shape), _dt(dtype), mean, stddev)

    def random_randint(self, shape: Sequence[int], minval: int, maxval: int, dtype: str, seed: Seed) -> Tensor:
        return _randint(_base_key(int(seed[0])), seed[1], tuple(shape), _dt(dtype), minval, maxval)

    def random_categorical(self, logits: Tensor, num_samples: int, seed: Seed) -> Tensor:
        return _categorical(_base_key(int(seed[0])), seed[1], logits, num_samples)

    def random_shuffle(self, x: Tensor, seed: Seed) -> Tensor:
        return _shuffle(_base_key(int(seed[0])), seed[1], x)

    # ------------------------------------------------------------------ variables & gradients
    def variable_create(self, value: np.ndarray, trainable: bool) -> Any:
        # On CPU jnp.asarray zero-copies a 64-byte-aligned NumPy buffer, so copy it first (in NumPy:
        # jnp.array(copy=True) would compile an XLA copy per new shape).
        return jnp.asarray(np.array(value))

    def variable_read(self, handle: Any) -> Tensor:
        return handle

    def variable_assign(self, handle: Any, value: Tensor) -> Any:
        if isinstance(value, _Array):
            # .aval fields are plain attributes; Array.dtype / .shape are several times slower.
            new, old = value.aval, handle.aval
            if new.dtype == old.dtype and new.shape == old.shape and not new.weak_type:
                return value
            return lax.convert_element_type(value, old.dtype)
        return jnp.asarray(np.array(value, dtype=handle.dtype))

    def stop_gradient(self, x: Tensor) -> Tensor:
        return lax.stop_gradient(x)

    def value_and_grad(
        self, fn: Callable[..., Any], variables: Sequence[Any], has_aux: bool = False
    ) -> Callable[..., tuple[Any, list[Tensor]]]:
        variables = list(variables)

        def g(*args: Any, **kwargs: Any) -> tuple[Any, list[Tensor]]:
            assigned: list[Any] = []

            def pure(values: list[Tensor]) -> tuple[Tensor, tuple[Any, list[Tensor]]]:
                given = dict(zip(variables, values, strict=True))
                # Reads of variables not differentiated fall through to the enclosing scope.
                with StatelessScope(given) as scope:
                    out = fn(*args, **kwargs)
                assigned[:] = [v for v, val in scope.values.items() if given.get(v) is not val]
                loss, aux = out if has_aux else (out, None)
                return loss, (aux, [scope.values[v] for v in assigned])

            (loss, (aux, new_values)), grads = jax.value_and_grad(pure, has_aux=True)([v.value for v in variables])
            # Lands in the enclosing StatelessScope inside a compiled step, in the handle otherwise.
            for v, new in zip(assigned, new_values, strict=True):
                v.assign(new)
            return ((loss, aux) if has_aux else loss), grads

        return g

    # ------------------------------------------------------------------ steps
    def make_step(
        self, fn: Callable[..., Any], state: Sequence[Any], jit_compile: bool | str = "auto"
    ) -> Callable[..., Any]:
        state = list(state)

        def pure(values: list[Tensor], *args: Any, **kwargs: Any) -> tuple[Any, dict[int, Tensor]]:
            with StatelessScope(dict(zip(state, values, strict=True))) as scope:
                out = fn(*args, **kwargs)
            if len(scope.values) != len(state):
                known = set(state)
                names = ", ".join(repr(v.name) for v in scope.values if v not in known)
                raise BackendError(
                    f"backend 'jax': the step assigned variable(s) {names} that are not in its `state`; "
                    "add them to `state` so their new values can leave the compiled function."
                )
            # Every state value leaves the function: the inputs are donated, so XLA updates them in
            # place, and an unassigned variable's output aliases its input buffer (no copy).
            updates = []
            for v, old in zip(state, values, strict=True):
                new = scope.values[v]
                if new is old:
                    updates.append(new)
                    continue
                if np.shape(new) != old.shape:
                    raise ValueError(f"Variable {v.name!r} of shape {old.shape} was assigned shape {np.shape(new)}.")
                if new.dtype != old.dtype or new.aval.weak_type:
                    # Keep input and output signatures identical, so the next call does not retrace.
                    new = lax.convert_element_type(new, old.dtype)
                updates.append(new)
            return out, updates

        run = jax.jit(pure, donate_argnums=0) if jit_compile else pure

        def step(*args: Any, **kwargs: Any) -> Any:
            out, updates = run([v.handle for v in state], *args, **kwargs)
            for v, new in zip(state, updates):
                v.assign(new)
            return out

        return step

    def synchronize(self, x: Any = None) -> None:
        if x is not None:
            jax.block_until_ready(x)

    # ------------------------------------------------------------------ recurrent kernels
    def scan(
        self,
        fn: Callable[[list, list], tuple[list, list]],
        init: Sequence[Tensor],
        xs: Sequence[Tensor],
        axis: int = 0,
        reverse: bool = False,
    ) -> tuple[list[Tensor], list[Tensor]]:
        if not any(isinstance(a, jax.core.Tracer) for a in [*init, *xs]):
            # Eager call on concrete arrays: lax.scan would trace and compile its body on every call (a
            # new closure each time); eager ops are dispatched from JAX's per-op cache instead.
            return super().scan(fn, init, xs, axis, reverse)
        init = [jnp.asarray(c) for c in init]

        def body(carry: list, x: list) -> tuple[list, list]:
            new, y = fn(list(carry), list(x))
            # the carry keeps its input types exactly (no weak types, no promotion)
            return [lax.convert_element_type(c, i.dtype) for c, i in zip(new, init, strict=True)], list(y)

        xs = [jnp.moveaxis(jnp.asarray(x), axis, 0) for x in xs]
        carry, ys = lax.scan(body, init, xs, reverse=reverse)
        return list(carry), [jnp.moveaxis(y, 0, axis) for y in ys]

    # ------------------------------------------------------------------ linalg decompositions, autodiff (D1)
    def linalg_svd(self, x: Tensor, full_matrices: bool = True, compute_uv: bool = True) -> Any:
        out = jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
        return tuple(out) if compute_uv else out

    def linalg_qr(self, x: Tensor, mode: str = "reduced") -> tuple[Tensor, Tensor]:
        return tuple(jnp.linalg.qr(x, mode=mode))

    def linalg_eigh(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return tuple(jnp.linalg.eigh(x))

    def linalg_eig(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return tuple(jnp.linalg.eig(x))

    def jvp(
        self, fun: Callable[..., Any], primals: Sequence[Tensor], tangents: Sequence[Tensor], has_aux: bool = False
    ) -> tuple:
        primals = tuple(jnp.asarray(p) for p in primals)
        tangents = tuple(jnp.asarray(t, dtype=p.dtype) for t, p in zip(tangents, primals, strict=True))
        return jax.jvp(fun, primals, tangents, has_aux=has_aux)

    def custom_gradient(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def forward(*args: Any) -> Any:
            out, grad_fn = fn(*args)

            def vjp(upstream: Any) -> tuple:
                upstreams = upstream if isinstance(upstream, tuple) else (upstream,)
                grads = grad_fn(*upstreams)
                return tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)

            return out, vjp

        return jax.custom_gradient(forward)

    def bitcast(self, x: Tensor, dtype: str) -> Tensor:
        return jnp.asarray(x).view(dtype)

    # ------------------------------------------------------------------ rematerialization (keras.remat)
    def remat(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return jax.checkpoint(fn)

    # ------------------------------------------------------------------ device placement (keras.device)
    def device_scope(self, device_name: str) -> Any:
        kind, _, index = device_name.partition(":")
        try:
            devices = jax.devices("gpu" if kind == "cuda" else kind)
            return jax.default_device(devices[int(index or 0)])
        except (RuntimeError, IndexError) as err:
            raise BackendError(f"backend 'jax' has no device {device_name!r}: {err}") from None
