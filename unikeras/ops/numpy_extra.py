"""More of ``keras.ops.numpy``, composed from the backend contract with NumPy's semantics.

Hyperbolic and logarithmic variants, NaN-aware reductions, quantiles, stacking and splitting,
triangles and diagonals, grids. unikeras has no complex dtypes: ``real``, ``imag``, ``conj`` and
``isreal`` act on real tensors.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.variables import Variable

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _t(x: Any, dtype: str | None = None) -> Any:
    """``x`` as a tensor of the active backend (a Python float becomes ``floatx()``)."""
    b = active()
    if isinstance(x, Variable):
        x = x.value
    if not b.is_tensor(x):
        if isinstance(x, float) or (isinstance(x, (list, tuple)) and _has_float(x)):
            x = b.convert_to_tensor(x, dtype or config.floatx())
        else:
            x = b.convert_to_tensor(x)
    return b.cast(x, dtype) if dtype is not None and b.dtype_name(x) != dtype else x


def _has_float(values: Any) -> bool:
    return any(_has_float(v) if isinstance(v, (list, tuple)) else isinstance(v, float) for v in values)


def _float(x: Any) -> Any:
    """``x`` as a float tensor (ints and bools become ``floatx()``)."""
    b = active()
    x = _t(x)
    return x if b.dtype_name(x).startswith(("float", "bfloat")) else b.cast(x, config.floatx())


def _ndim(x: Any) -> int:
    return len(active().shape(x))


def _axis(axis: int, ndim: int) -> int:
    return axis + ndim if axis < 0 else axis


# --- elementwise ------------------------------------------------------------------------------------


def cosh(x: Any) -> Any:
    """Hyperbolic cosine."""
    b = active()
    x = _float(x)
    return b.multiply(b.add(b.exp(x), b.exp(b.negative(x))), 0.5)


def sinh(x: Any) -> Any:
    """Hyperbolic sine."""
    b = active()
    x = _float(x)
    return b.multiply(b.subtract(b.expm1(x), b.expm1(b.negative(x))), 0.5)


def tan(x: Any) -> Any:
    """Tangent."""
    b = active()
    x = _float(x)
    return b.divide(b.sin(x), b.cos(x))


def arcsinh(x: Any) -> Any:
    """Inverse hyperbolic sine."""
    b = active()
    x = _float(x)
    ax = b.abs(x)
    return b.multiply(b.sign(x), b.log(b.add(ax, b.sqrt(b.add(b.square(ax), 1.0)))))


def arccosh(x: Any) -> Any:
    """Inverse hyperbolic cosine (NaN below 1)."""
    b = active()
    x = _float(x)
    return b.log(b.add(x, b.sqrt(b.subtract(b.square(x), 1.0))))


def arctanh(x: Any) -> Any:
    """Inverse hyperbolic tangent."""
    b = active()
    x = _float(x)
    return b.multiply(b.subtract(b.log1p(x), b.log1p(b.negative(x))), 0.5)


def log2(x: Any) -> Any:
    """Base-2 logarithm."""
    return active().divide(active().log(_float(x)), _LN2)


def log10(x: Any) -> Any:
    """Base-10 logarithm."""
    return active().divide(active().log(_float(x)), _LN10)


def exp2(x: Any) -> Any:
    """``2 ** x``."""
    return active().exp(active().multiply(_float(x), _LN2))


def logaddexp(x1: Any, x2: Any) -> Any:
    """``log(exp(x1) + exp(x2))`` without overflow."""
    b = active()
    x1, x2 = _float(x1), _float(x2)
    high = b.maximum(x1, x2)
    return b.add(high, b.log1p(b.exp(b.negative(b.abs(b.subtract(x1, x2))))))


def logaddexp2(x1: Any, x2: Any) -> Any:
    """``log2(2**x1 + 2**x2)``."""
    b = active()
    return b.divide(logaddexp(b.multiply(_float(x1), _LN2), b.multiply(_float(x2), _LN2)), _LN2)


def reciprocal(x: Any) -> Any:
    """``1 / x``."""
    return active().divide(1.0, _float(x))


def true_divide(x1: Any, x2: Any) -> Any:
    """``x1 / x2``."""
    return active().divide(_t(x1), _t(x2))


def trunc(x: Any) -> Any:
    """Round towards zero."""
    b = active()
    x = _t(x)
    if not b.dtype_name(x).startswith(("float", "bfloat")):
        return x
    return b.where(b.less(x, 0.0), b.ceil(x), b.floor(x))


def fabs(x: Any) -> Any:
    """Absolute value, as a float."""
    return active().abs(_float(x))


def deg2rad(x: Any) -> Any:
    """Degrees to radians."""
    return active().multiply(_float(x), math.pi / 180.0)


def rad2deg(x: Any) -> Any:
    """Radians to degrees."""
    return active().multiply(_float(x), 180.0 / math.pi)


def hypot(x1: Any, x2: Any) -> Any:
    """``sqrt(x1**2 + x2**2)``."""
    b = active()
    return b.sqrt(b.add(b.square(_float(x1)), b.square(_float(x2))))


def cbrt(x: Any) -> Any:
    """Cube root (negative for negative ``x``)."""
    b = active()
    x = _float(x)
    return b.multiply(b.sign(x), b.power(b.abs(x), 1.0 / 3.0))


def signbit(x: Any) -> Any:
    """Whether the sign bit is set (true for ``-0.0``)."""
    b = active()
    x = _t(x)
    if not b.dtype_name(x).startswith(("float", "bfloat")):
        return b.less(x, 0)
    negative_zero = b.logical_and(b.equal(x, 0.0), b.less(b.divide(1.0, x), 0.0))
    return b.logical_or(b.less(x, 0.0), negative_zero)


def isinf(x: Any) -> Any:
    """Whether each entry is +inf or -inf."""
    b = active()
    x = _t(x)
    return b.logical_and(b.logical_not(b.isfinite(x)), b.logical_not(b.isnan(x)))


def isposinf(x: Any) -> Any:
    """Whether each entry is +inf."""
    b = active()
    x = _t(x)
    return b.logical_and(isinf(x), b.greater(x, 0))


def isneginf(x: Any) -> Any:
    """Whether each entry is -inf."""
    b = active()
    x = _t(x)
    return b.logical_and(isinf(x), b.less(x, 0))


def isreal(x: Any) -> Any:
    """True everywhere: unikeras tensors are real."""
    b = active()
    return b.ones_like(_t(x), "bool")


def real(x: Any) -> Any:
    """The real part: ``x`` itself (unikeras tensors are real)."""
    return _t(x)


def imag(x: Any) -> Any:
    """The imaginary part: zeros (unikeras tensors are real)."""
    return active().zeros_like(_t(x))


def conjugate(x: Any) -> Any:
    """The complex conjugate: ``x`` itself (unikeras tensors are real)."""
    return _t(x)


conj = conjugate


def heaviside(x1: Any, x2: Any) -> Any:
    """0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``."""
    b = active()
    x1, x2 = _float(x1), _float(x2)
    ones, zeros = b.ones_like(x1), b.zeros_like(x1)
    return b.where(b.less(x1, 0.0), zeros, b.where(b.greater(x1, 0.0), ones, b.add(zeros, x2)))


def fmod(x1: Any, x2: Any) -> Any:
    """C's remainder: the sign of ``x1`` (NumPy's ``fmod``)."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    remainder = b.mod(b.abs(x1), b.abs(x2))
    return b.where(b.less(x1, 0), b.negative(remainder), remainder)


def fmax(x1: Any, x2: Any) -> Any:
    """Elementwise maximum that ignores a NaN when the other entry is a number."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    return b.where(b.isnan(x1), x2, b.where(b.isnan(x2), x1, b.maximum(x1, x2)))


def fmin(x1: Any, x2: Any) -> Any:
    """Elementwise minimum that ignores a NaN when the other entry is a number."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    return b.where(b.isnan(x1), x2, b.where(b.isnan(x2), x1, b.minimum(x1, x2)))


def logical_xor(x1: Any, x2: Any) -> Any:
    """Truth of exactly one of ``x1``, ``x2``."""
    b = active()
    return b.not_equal(b.cast(_t(x1), "bool"), b.cast(_t(x2), "bool"))


def divide_no_nan(x1: Any, x2: Any) -> Any:
    """``x1 / x2``, and 0 where ``x2 == 0``."""
    b = active()
    x1, x2 = _float(x1), _float(x2)
    zero = b.equal(x2, 0.0)
    safe = b.where(zero, b.ones_like(x2), x2)
    quotient = b.divide(x1, safe)
    return b.where(zero, b.zeros_like(quotient), quotient)


def sinc(x: Any) -> Any:
    """``sin(pi x) / (pi x)``, 1 at 0."""
    b = active()
    x = _float(x)
    zero = b.equal(x, 0.0)
    scaled = b.multiply(b.where(zero, b.ones_like(x), x), math.pi)
    return b.where(zero, b.ones_like(x), b.divide(b.sin(scaled), scaled))


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
    """NaN to ``nan``, +inf to ``posinf`` (the dtype's largest), -inf to ``neginf`` (its lowest)."""
    import numpy as np

    b = active()
    x = _t(x)
    dtype = b.dtype_name(x)
    if not dtype.startswith(("float", "bfloat")):
        return x
    info = np.finfo(np.float32 if dtype == "bfloat16" else dtype)
    high = float(info.max) if posinf is None else posinf
    low = float(info.min) if neginf is None else neginf
    fill = b.full(b.shape(x), 0.0, dtype)
    x = b.where(b.isnan(x), b.add(fill, nan), x)
    x = b.where(isposinf(x), b.add(fill, high), x)
    return b.where(isneginf(x), b.add(fill, low), x)


def isclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Any:
    """``|x1 - x2| <= atol + rtol * |x2|`` elementwise (equal infinities are close)."""
    b = active()
    x1, x2 = _float(x1), _float(x2)
    close = b.less_equal(b.abs(b.subtract(x1, x2)), b.add(b.multiply(b.abs(x2), rtol), atol))
    close = b.logical_or(close, b.logical_and(isinf(x1), b.equal(x1, x2)))
    if equal_nan:
        close = b.logical_or(close, b.logical_and(b.isnan(x1), b.isnan(x2)))
    return close


def allclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Any:
    """Whether every entry of ``x1`` is close to ``x2`` (see ``isclose``)."""
    return active().all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


# --- shapes, stacking and splitting -----------------------------------------------------------------


def ravel(x: Any) -> Any:
    """``x`` flattened to one axis."""
    return active().reshape(_t(x), (-1,))


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """``x`` with two axes exchanged."""
    b = active()
    x = _t(x)
    order = list(range(_ndim(x)))
    a1, a2 = _axis(axis1, len(order)), _axis(axis2, len(order))
    order[a1], order[a2] = order[a2], order[a1]
    return b.transpose(x, order)


def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """``x`` with axes ``source`` moved to positions ``destination``."""
    b = active()
    x = _t(x)
    n = _ndim(x)
    source = [_axis(a, n) for a in ([source] if isinstance(source, int) else source)]
    destination = [_axis(a, n) for a in ([destination] if isinstance(destination, int) else destination)]
    if len(source) != len(destination):
        raise ValueError("moveaxis: `source` and `destination` must have the same number of elements.")
    order = [a for a in range(n) if a not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return b.transpose(x, order)


def _atleast(x: Any, ndim: int) -> Any:
    b = active()
    x = _t(x)
    shape = b.shape(x)
    if len(shape) >= ndim:
        return x
    if ndim == 2:
        return b.reshape(x, (1, -1) if len(shape) == 1 else (1, 1))
    if len(shape) == 0:
        return b.reshape(x, (1, 1, 1))
    if len(shape) == 1:
        return b.reshape(x, (1, shape[0], 1))
    return b.expand_dims(x, -1)


def hstack(xs: Sequence[Any]) -> Any:
    """Concatenate along axis 1 (axis 0 for 1-d arrays)."""
    xs = [_t(x) for x in xs]
    return active().concatenate(xs, axis=0 if _ndim(xs[0]) == 1 else 1)


def vstack(xs: Sequence[Any]) -> Any:
    """Concatenate along axis 0, 1-d arrays as rows."""
    return active().concatenate([_atleast(x, 2) for x in xs], axis=0)


def dstack(xs: Sequence[Any]) -> Any:
    """Concatenate along axis 2, lower-rank arrays raised to 3-d first."""
    return active().concatenate([_atleast(x, 3) for x in xs], axis=2)


def append(x1: Any, x2: Any, axis: int | None = None) -> Any:
    """``x2`` appended to ``x1`` (both flattened when ``axis`` is None)."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    if axis is None:
        return b.concatenate([b.reshape(x1, (-1,)), b.reshape(x2, (-1,))], axis=0)
    return b.concatenate([x1, x2], axis=axis)


def array_split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Any]:
    """``x`` split into ``indices_or_sections`` parts of sizes differing by at most 1, or at the given indices."""
    b = active()
    x = _t(x)
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0:
            raise ValueError(f"array_split: the number of sections must be > 0. Received: {indices_or_sections}")
        size = b.shape(x)[axis]
        base, extra = divmod(size, indices_or_sections)
        sizes = [base + 1] * extra + [base] * (indices_or_sections - extra)
        points = [builtins.sum(sizes[:i]) for i in range(1, indices_or_sections)]
    else:
        points = list(indices_or_sections)
    return _split_at(x, points, axis)


def _split_at(x: Any, points: list[int], axis: int) -> list[Any]:
    b = active()
    n = _ndim(x)
    axis = _axis(axis, n)
    size = b.shape(x)[axis]
    bounds = [0, *[builtins.min(builtins.max(p if p >= 0 else p + size, 0), size) for p in points], size]
    parts = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        stop = builtins.max(start, stop)
        begin = [0] * n
        begin[axis] = start
        shape = list(b.shape(x))
        shape[axis] = stop - start
        parts.append(b.slice(x, begin, shape))
    return parts


def _split_even(x: Any, indices_or_sections: Any, axis: int, name: str) -> list[Any]:
    b = active()
    if isinstance(indices_or_sections, int) and b.shape(x)[axis] % indices_or_sections:
        raise ValueError(f"{name}: array split does not result in an equal division.")
    return array_split(x, indices_or_sections, axis)


def hsplit(x: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """Split along axis 1 (axis 0 for 1-d arrays) into equal parts or at indices."""
    x = _t(x)
    return _split_even(x, indices_or_sections, 0 if _ndim(x) == 1 else 1, "hsplit")


def vsplit(x: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """Split along axis 0 into equal parts or at indices."""
    return _split_even(_t(x), indices_or_sections, 0, "vsplit")


def dsplit(x: Any, indices_or_sections: int | Sequence[int]) -> list[Any]:
    """Split along axis 2 into equal parts or at indices."""
    return _split_even(_t(x), indices_or_sections, 2, "dsplit")


def fliplr(x: Any) -> Any:
    """``x`` reversed along axis 1."""
    return active().flip(_t(x), axis=1)


def flipud(x: Any) -> Any:
    """``x`` reversed along axis 0."""
    return active().flip(_t(x), axis=0)


def rot90(array: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Any:
    """``array`` rotated by 90 degrees ``k`` times in the plane of ``axes`` (from the first towards the second)."""
    b = active()
    x = _t(array)
    n = _ndim(x)
    a0, a1 = _axis(axes[0], n), _axis(axes[1], n)
    if a0 == a1:
        raise ValueError("rot90: `axes` must be two different axes.")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return b.flip(b.flip(x, axis=a0), axis=a1)
    order = list(range(n))
    order[a0], order[a1] = order[a1], order[a0]
    if k == 1:
        return b.transpose(b.flip(x, axis=a1), order)
    return b.flip(b.transpose(x, order), axis=a1)


def diff(a: Any, n: int = 1, axis: int = -1) -> Any:
    """The ``n``-th discrete difference along ``axis``."""
    b = active()
    x = _t(a)
    nd = _ndim(x)
    axis = _axis(axis, nd)
    for _ in range(n):
        size = b.shape(x)[axis]
        if size <= 1:
            shape = list(b.shape(x))
            shape[axis] = 0
            return b.zeros(shape, b.dtype_name(x))
        head, tail = _split_at(x, [size - 1], axis)[0], _split_at(x, [1], axis)[1]
        x = b.subtract(tail, head)
    return x


# --- products -----------------------------------------------------------------------------------


def outer(x1: Any, x2: Any) -> Any:
    """Outer product of the flattened inputs."""
    b = active()
    return b.multiply(b.reshape(_t(x1), (-1, 1)), b.reshape(_t(x2), (1, -1)))


def inner(x1: Any, x2: Any) -> Any:
    """Sum product over the last axes."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    if _ndim(x1) == 0 or _ndim(x2) == 0:
        return b.multiply(x1, x2)
    return b.tensordot(x1, x2, axes=([_ndim(x1) - 1], [_ndim(x2) - 1]))


def vdot(x1: Any, x2: Any) -> Any:
    """Dot product of the flattened inputs."""
    b = active()
    return b.sum(b.multiply(b.reshape(_t(x1), (-1,)), b.reshape(_t(x2), (-1,))))


def dot(x1: Any, x2: Any) -> Any:
    """NumPy's ``dot``: products of scalars, vectors and matrices; last axis of ``x1`` with the
    second-to-last of ``x2`` beyond."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    n1, n2 = _ndim(x1), _ndim(x2)
    if n1 == 0 or n2 == 0:
        return b.multiply(x1, x2)
    if n2 == 1:
        return b.tensordot(x1, x2, axes=([n1 - 1], [0]))
    return b.tensordot(x1, x2, axes=([n1 - 1], [n2 - 2]))


def kron(x1: Any, x2: Any) -> Any:
    """Kronecker product."""
    b = active()
    x1, x2 = _t(x1), _t(x2)
    n = builtins.max(_ndim(x1), _ndim(x2))
    s1 = (1,) * (n - _ndim(x1)) + tuple(b.shape(x1))
    s2 = (1,) * (n - _ndim(x2)) + tuple(b.shape(x2))
    a = b.reshape(x1, [d for s in s1 for d in (s, 1)])
    c = b.reshape(x2, [d for s in s2 for d in (1, s)])
    return b.reshape(b.multiply(a, c), [p * q for p, q in zip(s1, s2)])


# --- triangles and diagonals ---------------------------------------------------------------------


def _tri_mask(rows: int, cols: int, k: int) -> Any:
    b = active()
    i = b.reshape(b.arange(rows, dtype="int32"), (rows, 1))
    j = b.reshape(b.arange(cols, dtype="int32"), (1, cols))
    return b.less_equal(b.subtract(j, i), k)


def tri(N: int, M: int | None = None, k: int = 0, dtype: str | None = None) -> Any:  # noqa: N803 - NumPy's names
    """Ones at and below the ``k``-th diagonal of an ``N x M`` matrix."""
    return active().cast(_tri_mask(N, N if M is None else M, k), dtype or config.floatx())


def tril(x: Any, k: int = 0) -> Any:
    """``x`` with the entries above the ``k``-th diagonal (of the last two axes) zeroed."""
    b = active()
    x = _t(x)
    rows, cols = b.shape(x)[-2:]
    return b.where(_tri_mask(rows, cols, k), x, b.zeros_like(x))


def triu(x: Any, k: int = 0) -> Any:
    """``x`` with the entries below the ``k``-th diagonal (of the last two axes) zeroed."""
    b = active()
    x = _t(x)
    rows, cols = b.shape(x)[-2:]
    return b.where(_tri_mask(rows, cols, k - 1), b.zeros_like(x), x)


def identity(n: int, dtype: str | None = None) -> Any:
    """The ``n x n`` identity matrix."""
    return active().eye(n, dtype=dtype or config.floatx())


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset`` diagonal of the plane ``(axis1, axis2)``, as the last axis."""
    b = active()
    x = _t(x)
    n = _ndim(x)
    a1, a2 = _axis(axis1, n), _axis(axis2, n)
    x = b.transpose(x, [a for a in range(n) if a not in (a1, a2)] + [a1, a2])
    rows, cols = b.shape(x)[-2:]
    start_row, start_col = (0, offset) if offset >= 0 else (-offset, 0)
    length = builtins.max(0, builtins.min(rows - start_row, cols - start_col))
    if length == 0:
        return b.zeros(tuple(b.shape(x)[:-2]) + (0,), b.dtype_name(x))
    flat = b.reshape(x, tuple(b.shape(x)[:-2]) + (rows * cols,))
    index = b.arange(length, dtype="int32")
    positions = b.add(b.multiply(b.add(index, start_row), cols), b.add(index, start_col))
    return b.take(flat, positions, axis=len(b.shape(flat)) - 1)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum along the ``offset`` diagonal of the plane ``(axis1, axis2)``."""
    return active().sum(diagonal(x, offset, axis1, axis2), axis=-1)


def diag(x: Any, k: int = 0) -> Any:
    """The ``k``-th diagonal of a matrix, or a square matrix with vector ``x`` on its ``k``-th diagonal."""
    b = active()
    x = _t(x)
    if _ndim(x) == 2:
        return diagonal(x, k)
    if _ndim(x) != 1:
        raise ValueError(f"diag: `x` must be 1-D or 2-D. Received: x.shape={b.shape(x)}")
    n = b.shape(x)[0]
    size = n + builtins.abs(k)
    i = b.reshape(b.arange(size, dtype="int32"), (size, 1))
    j = b.reshape(b.arange(size, dtype="int32"), (1, size))
    on = b.equal(b.subtract(j, i), k)
    padded = b.concatenate([x, b.zeros((builtins.abs(k),), b.dtype_name(x))], axis=0)
    values = b.reshape(padded, (size, 1) if k >= 0 else (1, size))  # row i holds x[i]; for k < 0 column j
    return b.where(on, b.broadcast_to(values, (size, size)), b.zeros((size, size), b.dtype_name(x)))


def diagflat(x: Any, k: int = 0) -> Any:
    """A matrix with the flattened ``x`` on its ``k``-th diagonal."""
    return diag(ravel(x), k)


# --- creation ----------------------------------------------------------------------------------------


def array(x: Any, dtype: str | None = None) -> Any:
    """``x`` as a tensor (of ``dtype``)."""
    return active().convert_to_tensor(x, dtype) if dtype is not None else _t(x)


def full_like(x: Any, fill_value: Any, dtype: str | None = None) -> Any:
    """A tensor shaped like ``x`` filled with ``fill_value``."""
    b = active()
    x = _t(x)
    return b.full(b.shape(x), fill_value, dtype or b.dtype_name(x))


def empty(shape: Any, dtype: str | None = None) -> Any:
    """A tensor of ``shape`` (zeros: unikeras does not hand out uninitialized memory)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return active().zeros(shape, dtype or config.floatx())


def empty_like(x: Any, dtype: str | None = None) -> Any:
    """A tensor shaped like ``x`` (zeros)."""
    b = active()
    x = _t(x)
    return b.zeros(b.shape(x), dtype or b.dtype_name(x))


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: str | None = None,
    axis: int = 0,
) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (included when ``endpoint``)."""
    if num < 0:
        raise ValueError(f"linspace: `num` must be non-negative. Received: num={num}")
    b = active()
    dtype = dtype or config.floatx()
    compute = "float64" if dtype.startswith(("int", "uint")) or dtype == "float64" else "float32"
    start, stop = _t(start, compute), _t(stop, compute)
    divisions = (num - 1) if endpoint else num
    step = b.divide(b.subtract(stop, start), float(builtins.max(divisions, 1)))
    shape = (num,) + (1,) * _ndim(start)
    steps = b.reshape(b.arange(num, dtype=compute), shape)
    out = b.add(start, b.multiply(steps, step))
    if axis != 0:
        out = moveaxis(out, 0, axis)
    out = b.cast(out, dtype)
    return (out, step) if retstep else out


def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10.0,
    dtype: str | None = None,
    axis: int = 0,
) -> Any:
    """``base ** linspace(start, stop, num)``."""
    b = active()
    exponents = linspace(start, stop, num, endpoint=endpoint, dtype="float32", axis=axis)
    return b.cast(b.exp(b.multiply(exponents, math.log(base))), dtype or config.floatx())


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: str | None = None, axis: int = 0):
    """``num`` values evenly spaced on a log scale from ``start`` to ``stop`` (same sign, non-zero)."""
    b = active()
    start_t, stop_t = _float(start), _float(stop)
    sign = b.sign(start_t)
    logs = linspace(
        b.log(b.abs(start_t)), b.log(b.abs(stop_t)), num, endpoint=endpoint, dtype=b.dtype_name(start_t), axis=axis
    )
    return b.cast(b.multiply(sign, b.exp(logs)), dtype or config.floatx())


def meshgrid(*x: Any, indexing: str = "xy") -> list[Any]:
    """Coordinate matrices from coordinate vectors (``"xy"``: Cartesian, ``"ij"``: matrix indexing)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: `indexing` must be 'xy' or 'ij'. Received: indexing={indexing!r}")
    b = active()
    vectors = [b.reshape(_t(v), (-1,)) for v in x]
    sizes = [b.shape(v)[0] for v in vectors]
    if indexing == "xy" and len(vectors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        axis = i
        if indexing == "xy" and len(vectors) >= 2 and i < 2:
            axis = 1 - i
        shape = [1] * len(vectors)
        shape[axis] = b.shape(v)[0]
        grids.append(b.broadcast_to(b.reshape(v, shape), sizes))
    return grids


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803 - NumPy's name
    """The Vandermonde matrix of vector ``x``: columns ``x**(N-1), ..., x**0`` (or increasing powers)."""
    b = active()
    x = _t(x)
    if _ndim(x) != 1:
        raise ValueError(f"vander: `x` must be 1-D. Received: x.shape={b.shape(x)}")
    n = b.shape(x)[0] if N is None else N
    powers = b.arange(n, dtype=b.dtype_name(x)) if increasing else b.arange(n - 1, -1, -1, dtype=b.dtype_name(x))
    return b.power(b.reshape(x, (-1, 1)), b.reshape(powers, (1, -1)))


# --- reductions ----------------------------------------------------------------------------------------


def count_nonzero(x: Any, axis: Any = None) -> Any:
    """The number of non-zero entries (along ``axis``)."""
    b = active()
    x = _t(x)
    return b.cast(b.sum(b.cast(b.not_equal(x, b.zeros_like(x)), "int32"), axis=axis), "int32")


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Range of values (maximum - minimum) along ``axis``."""
    b = active()
    x = _t(x)
    return b.subtract(b.max(x, axis=axis, keepdims=keepdims), b.min(x, axis=axis, keepdims=keepdims))


def average(x: Any, axis: int | None = None, weights: Any = None) -> Any:
    """Weighted mean along ``axis`` (the plain mean without ``weights``)."""
    b = active()
    x = _float(x)
    if weights is None:
        return b.mean(x, axis=axis)
    w = _t(weights, b.dtype_name(x))
    if axis is not None and _ndim(w) == 1 and _ndim(x) > 1:
        shape = [1] * _ndim(x)
        shape[_axis(axis, _ndim(x))] = b.shape(w)[0]
        w = b.reshape(w, shape)
    w = b.broadcast_to(w, b.shape(x))
    return b.divide(b.sum(b.multiply(x, w), axis=axis), b.sum(w, axis=axis))


def _without_nan(x: Any, fill: float) -> tuple[Any, Any]:
    b = active()
    x = _t(x)
    nan = b.isnan(x)
    return b.where(nan, b.full(b.shape(x), fill, b.dtype_name(x)), x), nan


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Sum ignoring NaNs."""
    return active().sum(_without_nan(x, 0.0)[0], axis=axis, keepdims=keepdims)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product ignoring NaNs."""
    return active().prod(_without_nan(x, 1.0)[0], axis=axis, keepdims=keepdims)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean ignoring NaNs (NaN where every entry is NaN)."""
    b = active()
    filled, nan = _without_nan(x, 0.0)
    count = b.sum(b.cast(b.logical_not(nan), b.dtype_name(filled)), axis=axis, keepdims=keepdims)
    return b.divide(b.sum(filled, axis=axis, keepdims=keepdims), count)


def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Variance ignoring NaNs."""
    b = active()
    filled, nan = _without_nan(x, 0.0)
    valid = b.cast(b.logical_not(nan), b.dtype_name(filled))
    count = b.sum(valid, axis=axis, keepdims=True)
    mean = b.divide(b.sum(filled, axis=axis, keepdims=True), count)
    squares = b.multiply(b.square(b.subtract(filled, mean)), valid)
    out = b.divide(b.sum(squares, axis=axis, keepdims=True), count)
    if not keepdims:
        out = b.reshape(out, b.shape(b.sum(filled, axis=axis)))
    return out


def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Standard deviation ignoring NaNs."""
    return active().sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum ignoring NaNs."""
    b = active()
    filled, nan = _without_nan(x, -math.inf)
    out = b.max(filled, axis=axis, keepdims=keepdims)
    return b.where(b.all(nan, axis=axis, keepdims=keepdims), b.full(b.shape(out), math.nan, b.dtype_name(out)), out)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum ignoring NaNs."""
    b = active()
    filled, nan = _without_nan(x, math.inf)
    out = b.min(filled, axis=axis, keepdims=keepdims)
    return b.where(b.all(nan, axis=axis, keepdims=keepdims), b.full(b.shape(out), math.nan, b.dtype_name(out)), out)


def nanargmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the maximum ignoring NaNs."""
    b = active()
    out = b.argmax(_without_nan(x, -math.inf)[0], axis=axis)
    return b.expand_dims(out, axis) if keepdims and axis is not None else out


def nanargmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the minimum ignoring NaNs."""
    b = active()
    out = b.argmin(_without_nan(x, math.inf)[0], axis=axis)
    return b.expand_dims(out, axis) if keepdims and axis is not None else out


def nancumsum(x: Any, axis: int | None = None, dtype: str | None = None) -> Any:
    """Cumulative sum treating NaNs as 0 (in ``dtype`` when given)."""
    b = active()
    out = b.cumsum(_without_nan(x, 0.0)[0], axis=axis)
    return b.cast(out, dtype) if dtype is not None else out


def nancumprod(x: Any, axis: int | None = None, dtype: str | None = None) -> Any:
    """Cumulative product treating NaNs as 1 (in ``dtype`` when given)."""
    b = active()
    out = b.cumprod(_without_nan(x, 1.0)[0], axis=axis)
    return b.cast(out, dtype) if dtype is not None else out


def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th quantiles (``q`` in [0, 1]) along ``axis`` with NumPy's interpolation ``method``
    (``linear``, ``lower``, ``higher``, ``midpoint``, ``nearest``)."""
    import numpy as np

    if method not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"quantile: unknown method {method!r}.")
    b = active()
    x = _float(x)
    n = _ndim(x)
    q_np = np.asarray(q, dtype="float64")
    if (q_np < 0).any() or (q_np > 1).any():
        raise ValueError(f"quantile: `q` must be in the range [0, 1]. Received: q={q}")
    if axis is None:
        data, reduce_axes = b.reshape(x, (-1,)), [0]
        axes = list(range(n))
    else:
        axes = [_axis(a, n) for a in ([axis] if isinstance(axis, int) else axis)]
        rest = [a for a in range(n) if a not in axes]
        data = b.transpose(x, rest + axes)
        shape = b.shape(data)
        data = b.reshape(data, tuple(shape[: len(rest)]) + (-1,))
        reduce_axes = [len(rest)]
    data = b.sort(data, axis=-1)
    size = b.shape(data)[-1]
    position = q_np.reshape(-1) * (size - 1)
    lower = np.floor(position).astype("int32")
    upper = np.minimum(lower + 1, size - 1).astype("int32")
    fraction = position - lower
    if method == "lower":
        upper, fraction = lower, np.zeros_like(fraction)
    elif method == "higher":
        lower, fraction = np.ceil(position).astype("int32"), np.zeros_like(fraction)
        upper = lower
    elif method == "midpoint":
        fraction = np.where(upper > lower, 0.5, 0.0)
    elif method == "nearest":
        nearest = np.round(position).astype("int32")  # round half to even, as NumPy
        lower, upper, fraction = nearest, nearest, np.zeros_like(fraction)
    dtype = b.dtype_name(data)
    low = b.take(data, b.convert_to_tensor(lower), axis=reduce_axes[0])
    high = b.take(data, b.convert_to_tensor(upper), axis=reduce_axes[0])
    out = b.add(low, b.multiply(b.subtract(high, low), b.convert_to_tensor(fraction.astype(dtype))))
    out = b.transpose(out, [len(b.shape(out)) - 1] + list(range(len(b.shape(out)) - 1)))  # q first
    if keepdims:
        shape = list(b.shape(out)[:1]) + [1 if a in axes else d for a, d in enumerate(b.shape(x))]
        out = b.reshape(out, shape)
    if q_np.ndim == 0:
        out = b.squeeze(out, 0)
    return out


def percentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th percentiles (``q`` in [0, 100]); see ``quantile``."""
    import numpy as np

    return quantile(x, np.asarray(q, dtype="float64") / 100.0, axis=axis, method=method, keepdims=keepdims)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The median along ``axis``."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """Integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x``, or spacing ``dx``)."""
    b = active()
    y = _float(y)
    axis = _axis(axis, _ndim(y))
    size = b.shape(y)[axis]
    head, tail = _split_at(y, [size - 1], axis)[0], _split_at(y, [1], axis)[1]
    mids = b.multiply(b.add(head, tail), 0.5)
    if x is None:
        return b.multiply(b.sum(mids, axis=axis), dx)
    widths = diff(_t(x, b.dtype_name(y)), axis=-1 if _ndim(_t(x)) == 1 else axis)
    if _ndim(widths) == 1 and _ndim(y) > 1:
        shape = [1] * _ndim(y)
        shape[axis] = b.shape(widths)[0]
        widths = b.reshape(widths, shape)
    return b.sum(b.multiply(mids, widths), axis=axis)


__all__ = [
    "allclose",
    "append",
    "arccosh",
    "arcsinh",
    "arctanh",
    "array",
    "array_split",
    "average",
    "cbrt",
    "conj",
    "conjugate",
    "cosh",
    "count_nonzero",
    "deg2rad",
    "diag",
    "diagflat",
    "diagonal",
    "diff",
    "divide_no_nan",
    "dot",
    "dsplit",
    "dstack",
    "empty",
    "empty_like",
    "exp2",
    "fabs",
    "fliplr",
    "flipud",
    "fmax",
    "fmin",
    "fmod",
    "full_like",
    "geomspace",
    "heaviside",
    "hsplit",
    "hstack",
    "hypot",
    "identity",
    "imag",
    "inner",
    "isclose",
    "isinf",
    "isneginf",
    "isposinf",
    "isreal",
    "kron",
    "linspace",
    "log10",
    "log2",
    "logaddexp",
    "logaddexp2",
    "logical_xor",
    "logspace",
    "meshgrid",
    "median",
    "moveaxis",
    "nan_to_num",
    "nanargmax",
    "nanargmin",
    "nancumprod",
    "nancumsum",
    "nanmax",
    "nanmean",
    "nanmin",
    "nanprod",
    "nanstd",
    "nansum",
    "nanvar",
    "outer",
    "percentile",
    "ptp",
    "quantile",
    "rad2deg",
    "ravel",
    "real",
    "reciprocal",
    "rot90",
    "signbit",
    "sinc",
    "sinh",
    "swapaxes",
    "tan",
    "trace",
    "trapezoid",
    "tri",
    "tril",
    "triu",
    "true_divide",
    "trunc",
    "vander",
    "vdot",
    "vsplit",
    "vstack",
]
