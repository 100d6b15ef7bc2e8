"""NumPy ops with data-dependent output sizes or counts (unique, bincount, histogram, nonzero, ...),
and the bit-level ``view`` and ``nextafter``.

Ops whose output size depends on the values (``unique`` without ``size``, ``bincount``,
``nonzero``) need that size known when they run: they work eagerly and raise a ValueError inside a
compiled step (as Keras does on JAX). ``unique(size=...)``, ``histogram``, ``argpartition``,
``nextafter`` and ``view`` have static output shapes and also run inside compiled steps.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _ndim, _t


def _known(value: Any, op: str, hint: str) -> np.ndarray:
    """``value`` as NumPy; a ValueError naming ``op`` when it is only known inside a compiled step."""
    b = active()
    try:
        return np.asarray(b.to_numpy(value))
    except Exception as err:  # noqa: BLE001 - each framework raises its own tracer error
        raise ValueError(
            f"{op}: its output size depends on the values of its input, which are not known inside a compiled "
            f"step (backend {config.backend()!r}). {hint}"
        ) from err


def unique(
    x: Any,
    sorted: bool = True,  # noqa: A002 - Keras's name
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: int | None = None,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """The sorted unique elements of ``x`` (flattened), as ``numpy.unique``, with optionally the
    index of each one's first occurrence, the inverse indices (``x.shape``) that rebuild ``x`` from
    them, and their counts (int32).

    Args:
        x: input tensor.
        sorted: accepted for Keras compatibility; the unique values always come sorted.
        return_index, return_inverse, return_counts: what to return besides the values.
        axis: None (flatten) or an axis whose slices are the elements (eager only, without ``size``).
        size: a fixed output length: fewer unique values are padded with ``fill_value`` (their index
            and count with 0), more are truncated. Needed inside compiled steps.
        fill_value: the padding of the values (default 0).
    """
    del sorted
    b = active()
    x = _t(x)
    if axis is not None:
        if size is not None:
            raise ValueError(f"unique: `size` is supported with axis=None only. Received: axis={axis}, size={size}")
        out = np.unique(
            _known(x, "unique", "Pass axis=None and `size=`."),
            return_index=return_index,
            return_inverse=return_inverse,
            return_counts=return_counts,
            axis=axis,
        )
        if not isinstance(out, tuple):
            return b.convert_to_tensor(out)
        values, *rest = out
        return (b.convert_to_tensor(values), *(b.convert_to_tensor(r.astype("int32")) for r in rest))
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ValueError(f"unique: `size` must be a non-negative integer. Received: size={size}")
    shape = b.shape(x)
    n = int(np.prod(shape))
    flat = b.reshape(x, (n,))
    order = b.argsort(flat, axis=0)  # stable: the first occurrence of each value comes first
    ordered = b.take(flat, order, axis=0)
    if n:
        starts = b.concatenate(
            [b.ones((1,), "bool"), b.not_equal(b.slice(ordered, [1], [n - 1]), b.slice(ordered, [0], [n - 1]))],
            axis=0,
        )
    else:
        starts = b.zeros((0,), "bool")
    slot = b.subtract(b.cumsum(b.cast(starts, "int32"), axis=0), 1)  # the unique value each sorted entry is
    if size is None:
        size = int(_known(b.sum(b.cast(starts, "int32")), "unique", "Pass `size=` for a fixed output length."))
    slots = b.arange(size, dtype="int32")
    hits = b.equal(b.expand_dims(slot, 1), b.expand_dims(slots, 0))  # (n, size)
    firsts = b.logical_and(hits, b.expand_dims(starts, 1))
    present = b.any(firsts, axis=0)
    fill = _t(0 if fill_value is None else fill_value, b.dtype_name(x))
    picked = b.sum(b.where(firsts, b.expand_dims(ordered, 1), b.zeros_like(b.expand_dims(ordered, 1))), axis=0)
    values = b.where(present, b.cast(picked, b.dtype_name(x)), b.broadcast_to(fill, (size,)))
    out = [values]
    if return_index:
        first = b.sum(b.where(firsts, b.expand_dims(order, 1), b.zeros((n, 1), "int32")), axis=0)
        out.append(b.cast(first, "int32"))
    if return_inverse:
        inverse = b.take(slot, b.argsort(order, axis=0), axis=0)
        out.append(b.reshape(b.cast(inverse, "int32"), shape))
    if return_counts:
        out.append(b.cast(b.sum(b.cast(hits, "int32"), axis=0), "int32"))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False) -> Any:
    """How many times each value ``0..max(x)`` (at least ``minlength`` bins) occurs in the 1-D
    non-negative int tensor ``x``, or the sum of ``weights`` at those positions (with ``weights``;
    a 2-D ``x`` counts each row). Eager only: the length depends on ``max(x)``."""
    b = active()
    if sparse:
        raise ValueError("bincount: sparse=True is not supported; unikeras has no sparse tensors.")
    if not isinstance(minlength, int) or minlength < 0:
        raise ValueError(f"bincount: `minlength` must be a non-negative integer. Received: minlength={minlength}")
    x = _t(x)
    if "int" not in b.dtype_name(x):
        raise ValueError(f"bincount: `x` must hold integers. Received dtype: {b.dtype_name(x)}")
    if _ndim(x) not in (1, 2):
        raise ValueError(f"bincount: `x` must be 1-D or 2-D. Received shape: {b.shape(x)}")
    top = _known(b.max(x), "bincount", "Count with ops.one_hot and ops.sum instead.") if b.shape(x)[-1] else -1
    if top.size and int(_known(b.min(x), "bincount", "")) < 0:
        raise ValueError("bincount: `x` must hold non-negative integers.")
    length = builtins.max(int(top) + 1, minlength)
    hits = b.one_hot(b.cast(x, "int32"), length, dtype="int32")
    if weights is None:
        return b.cast(b.sum(hits, axis=-2), "int32")
    weights = _t(weights)
    dtype = b.dtype_name(weights)
    return b.sum(b.multiply(b.cast(hits, dtype), b.expand_dims(weights, -1)), axis=-2)


def histogram(x: Any, bins: int = 10, range: tuple[float, float] | None = None) -> tuple[Any, Any]:  # noqa: A002
    """``numpy.histogram`` of the 1-D tensor ``x``: ``(counts, bin_edges)`` (int32 counts of
    ``bins`` equal-width bins over ``range`` — default ``(min(x), max(x))`` — the last bin closed,
    values outside it not counted; ``bins + 1`` float edges)."""
    b = active()
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"Argument `bins` must be of type `int`. Received: bins={bins}")
    if bins < 0:
        raise ValueError(f"Argument `bins` should be a non-negative integer. Received: bins={bins}")
    if range:
        if not isinstance(range, tuple) or len(range) < 2:
            raise ValueError(f"Argument `range` must be a tuple of two elements. Received: range={range}")
        if range[1] < range[0]:
            raise ValueError(f"The second element of `range` must be greater than the first. Received: range={range}")
    x = _t(x)
    if _ndim(x) != 1:
        raise ValueError(f"histogram: input tensor must be 1-dimensional. Received: shape={b.shape(x)}")
    dtype = b.dtype_name(x) if "float" in b.dtype_name(x) else config.floatx()
    x = b.cast(x, dtype)
    if range:
        lo, hi = _t(float(range[0]), dtype), _t(float(range[1]), dtype)
    else:
        lo, hi = b.min(x), b.max(x)
    same = b.equal(lo, hi)  # numpy widens an empty range by 0.5 on each side
    lo = b.where(same, b.subtract(lo, 0.5), lo)
    hi = b.where(same, b.add(hi, 0.5), hi)
    fractions = b.divide(b.arange(bins + 1, dtype=dtype), float(bins))
    edges = b.add(lo, b.multiply(fractions, b.subtract(hi, lo)))
    inside = b.logical_and(b.greater_equal(x, lo), b.less_equal(x, hi))
    position = b.floor(b.divide(b.multiply(b.subtract(x, lo), float(bins)), b.subtract(hi, lo)))
    index = b.cast(b.clip(position, 0, bins - 1), "int32")
    hits = b.multiply(b.one_hot(index, bins, dtype="int32"), b.expand_dims(b.cast(inside, "int32"), -1))
    return b.cast(b.sum(hits, axis=0), "int32"), edges


def nonzero(x: Any) -> tuple[Any, ...]:
    """The indices of the non-zero elements: one int32 tensor per axis of ``x``. Eager only."""
    b = active()
    found = np.nonzero(_known(_t(x), "nonzero", "Use ops.where(condition, x, y) to select instead."))
    return tuple(b.convert_to_tensor(i.astype("int32")) for i in found)


def argpartition(x: Any, kth: int, axis: int = -1) -> Any:
    """Indices (int32) that partition ``x`` along ``axis`` around its ``kth`` smallest element: the
    element at position ``kth`` is the one a sort would put there, none before it is larger and
    none after it smaller. (A stable argsort, which is such a partition.)"""
    b = active()
    x = _t(x)
    nd = _ndim(x)
    if nd == 0:
        raise ValueError("argpartition: `x` must have at least one dimension.")
    length = b.shape(x)[axis]
    if not -length <= kth < length:
        raise ValueError(f"argpartition: `kth` must be in [-{length}, {length}). Received: kth={kth}")
    return b.cast(b.argsort(x, axis=axis), "int32")


_BITS = {"float16": "int16", "bfloat16": "int16", "float32": "int32", "float64": "int64"}


def nextafter(x1: Any, x2: Any) -> Any:
    """The next floating-point value after ``x1`` towards ``x2``, elementwise (``numpy.nextafter``)."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    dtype = b.dtype_name(x1) if "float" in b.dtype_name(x1) else config.floatx()
    if "float" in b.dtype_name(x2) and np.dtype(b.dtype_name(x2)).itemsize > np.dtype(dtype).itemsize:
        dtype = b.dtype_name(x2)
    x1, x2 = b.cast(x1, dtype), b.cast(x2, dtype)
    shape = np.broadcast_shapes(tuple(b.shape(x1)), tuple(b.shape(x2)))
    x1, x2 = b.broadcast_to(x1, shape), b.broadcast_to(x2, shape)
    int_dtype = _BITS[dtype]
    bits = b.bitcast(x1, int_dtype)
    one = b.ones_like(bits)
    # away from zero is one more in the integer image of |x1|, towards zero one less
    away = b.equal(b.greater(x2, x1), b.greater(x1, b.zeros_like(x1)))
    stepped = b.bitcast(b.where(away, b.add(bits, one), b.subtract(bits, one)), dtype)
    # from zero: the smallest subnormal, with x2's sign
    tiny = b.bitcast(one, dtype)
    from_zero = b.where(b.less(x2, b.zeros_like(x2)), b.negative(tiny), tiny)
    out = b.where(b.equal(x1, b.zeros_like(x1)), from_zero, stepped)
    out = b.where(b.equal(x1, x2), x2, out)
    nan = b.logical_or(b.isnan(x1), b.isnan(x2))
    return b.where(nan, b.add(x1, x2), out)


def view(x: Any, dtype: str | None = None) -> Any:
    """The same bytes read as ``dtype`` (``numpy.ndarray.view``): an item size change scales the
    last axis. Eager only on MXNet (which has no bitcast kernel)."""
    b = active()
    x = _t(x)
    if dtype is None:
        return x
    dtype = np.dtype(dtype).name
    source = np.dtype(b.dtype_name(x)).itemsize
    target = np.dtype(dtype).itemsize
    if source != target:
        last = b.shape(x)[-1] if _ndim(x) else None
        if last is None or (last * source) % target:
            raise ValueError(
                f"view: the last axis ({last} items of {source} bytes) cannot be read as items of {target} bytes "
                f"({dtype})."
            )
    return b.bitcast(x, dtype)


__all__ = ["argpartition", "bincount", "histogram", "nextafter", "nonzero", "unique", "view"]
