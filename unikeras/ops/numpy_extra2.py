"""Still more of ``keras.ops.numpy``: inverse trigonometry, window functions, searching, NaN-aware quantiles.

``arctan`` has no primitive in the backend contract: it is computed from square roots and a
polynomial after reducing the argument (``arctan(x) = pi/2 - arctan(1/x)``, then two halvings
``arctan(x) = 2 arctan(x / (1 + sqrt(1 + x**2)))`` bring it below tan(pi/16), where 9 terms of the
series are exact to float64 rounding); ``arcsin``, ``arccos`` and ``arctan2`` follow from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _axis, _float, _ndim, _t

# --- inverse trigonometry ----------------------------------------------------------------------------


def _arctan_small(x: Any) -> Any:
    """arctan on |x| <= tan(pi/16) ~ 0.2: the odd Taylor series to x**17."""
    b = active()
    x2 = b.square(x)
    total = b.zeros_like(x)
    for k in range(8, -1, -1):  # Horner in x**2: sum (-1)^k x^(2k+1) / (2k+1)
        total = b.add(b.multiply(total, x2), ((-1) ** k) / (2 * k + 1))
    return b.multiply(total, x)


def arctan(x: Any) -> Any:
    """Inverse tangent, in ``(-pi/2, pi/2)``."""
    b = active()
    x = _float(x)
    ax = b.abs(x)
    big = b.greater(ax, 1.0)
    reduced = b.where(big, b.divide(1.0, b.maximum(ax, 1.0)), ax)  # now in [0, 1]
    for _ in range(2):  # arctan(y) = 2 arctan(y / (1 + sqrt(1 + y^2)))
        reduced = b.divide(reduced, b.add(1.0, b.sqrt(b.add(1.0, b.square(reduced)))))
    angle = b.multiply(_arctan_small(reduced), 4.0)
    angle = b.where(big, b.subtract(math.pi / 2, angle), angle)
    return b.where(b.isnan(x), x, b.multiply(b.sign(x), angle))


def arcsin(x: Any) -> Any:
    """Inverse sine, in ``[-pi/2, pi/2]`` (NaN outside ``[-1, 1]``)."""
    b = active()
    x = _float(x)
    cos = b.sqrt(b.subtract(1.0, b.square(x)))
    return arctan2(x, cos)


def arccos(x: Any) -> Any:
    """Inverse cosine, in ``[0, pi]`` (NaN outside ``[-1, 1]``)."""
    b = active()
    x = _float(x)
    sin = b.sqrt(b.subtract(1.0, b.square(x)))
    return arctan2(sin, x)


def arctan2(x1: Any, x2: Any) -> Any:
    """The angle of the point ``(x2, x1)``, in ``[-pi, pi]``, quadrant by the signs of both."""
    b = active()
    y, x = _float(x1), _float(x2)
    shape = np.broadcast_shapes(tuple(b.shape(y)), tuple(b.shape(x)))
    y, x = b.broadcast_to(y, shape), b.broadcast_to(x, shape)  # (adding zeros would lose -0.0)
    ay, ax = b.abs(y), b.abs(x)
    # arctan of the smaller over the larger ratio, then fold into the right octant
    swap = b.greater(ay, ax)
    numerator, denominator = b.where(swap, ax, ay), b.where(swap, ay, ax)
    safe = b.where(b.equal(denominator, 0.0), b.ones_like(denominator), denominator)
    base = arctan(b.divide(numerator, safe))
    base = b.where(swap, b.subtract(math.pi / 2, base), base)
    base = b.where(b.less(x, 0.0), b.subtract(math.pi, base), base)
    negative_y = b.logical_or(b.less(y, 0.0), b.logical_and(b.equal(y, 0.0), _negative_zero(y)))
    out = b.where(negative_y, b.negative(base), base)
    return b.where(b.logical_or(b.isnan(x), b.isnan(y)), b.add(x, y), out)


def _negative_zero(x: Any) -> Any:
    b = active()
    return b.less(b.divide(1.0, b.where(b.equal(x, 0.0), x, b.ones_like(x))), 0.0)


def angle(x: Any) -> Any:
    """The argument of each entry: ``pi`` for negative reals, 0 otherwise (unikeras tensors are real)."""
    b = active()
    x = _float(x)
    negative = b.logical_or(b.less(x, 0.0), b.logical_and(b.equal(x, 0.0), _negative_zero(x)))
    return b.where(negative, b.full(b.shape(x), math.pi, b.dtype_name(x)), b.zeros_like(x))


def ldexp(x1: Any, x2: Any) -> Any:
    """``x1 * 2**x2`` (``x2`` integer)."""
    b = active()
    x1 = _float(x1)
    return b.multiply(x1, b.power(2.0, b.cast(_t(x2), b.dtype_name(x1))))


# --- windows ------------------------------------------------------------------------------------------


def _window(M: int, coefficients: Sequence[float]) -> Any:  # noqa: N803 - NumPy's name
    b = active()
    if M < 1:
        return b.zeros((0,), config.floatx())
    if M == 1:
        return b.ones((1,), config.floatx())
    n = np.arange(M, dtype="float64")
    values = sum(((-1) ** k) * c * np.cos(2 * np.pi * k * n / (M - 1)) for k, c in enumerate(coefficients))
    return b.convert_to_tensor(values.astype(config.floatx()))


def hamming(x: int) -> Any:
    """The Hamming window of ``x`` points."""
    return _window(int(x), (0.54, 0.46))


def hanning(x: int) -> Any:
    """The Hann window of ``x`` points."""
    return _window(int(x), (0.5, 0.5))


def blackman(x: int) -> Any:
    """The Blackman window of ``x`` points."""
    return _window(int(x), (0.42, 0.5, 0.08))


def bartlett(x: int) -> Any:
    """The Bartlett (triangular) window of ``x`` points."""
    b = active()
    m = int(x)
    if m <= 1:
        return b.ones((max(m, 0),), config.floatx())
    n = np.arange(m, dtype="float64")
    return b.convert_to_tensor((1 - np.abs(2 * n / (m - 1) - 1)).astype(config.floatx()))


def i0(x: Any) -> Any:
    """The modified Bessel function of the first kind, order 0 (its power series; exact to float32
    rounding for ``|x| < 60``, past which float32 overflows anyway)."""
    b = active()
    x = _float(x)
    quarter = b.multiply(b.square(x), 0.25)
    term, total = b.ones_like(x), b.ones_like(x)
    for k in range(1, 90):
        term = b.multiply(term, b.divide(quarter, float(k * k)))
        total = b.add(total, term)
    return total


def kaiser(x: int, beta: float) -> Any:
    """The Kaiser window of ``x`` points with shape parameter ``beta``."""
    b = active()
    m = int(x)
    if m <= 1:
        return b.ones((max(m, 0),), config.floatx())
    n = np.arange(m, dtype="float64")
    argument = beta * np.sqrt(1 - (2 * n / (m - 1) - 1) ** 2)
    values = b.divide(i0(b.convert_to_tensor(argument)), i0(b.convert_to_tensor(np.float64(beta))))
    return b.cast(values, config.floatx())


# --- searching and selecting -----------------------------------------------------------------------


def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> Any:
    """Whether each entry of ``x1`` occurs in ``x2``."""
    b = active()
    x1, x2 = _t(x1), b.reshape(_t(x2), (-1,))
    found = b.any(b.equal(b.expand_dims(x1, -1), x2), axis=-1)
    return b.logical_not(found) if invert else found


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> Any:
    """Indices where ``values`` would be inserted into the 1-d ``sorted_sequence`` to keep it sorted."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: `side` must be 'left' or 'right'. Received: side={side!r}")
    b = active()
    sequence, values = _t(sorted_sequence), _t(values)
    if _ndim(sequence) != 1:
        raise ValueError(f"searchsorted: `sorted_sequence` must be 1-D. Received: shape={b.shape(sequence)}")
    compare = b.less if side == "left" else b.less_equal
    below = compare(sequence, b.expand_dims(values, -1))
    return b.sum(b.cast(below, "int32"), axis=-1)


def digitize(x: Any, bins: Any) -> Any:
    """The index of the bin of ``bins`` (increasing) each entry of ``x`` falls in (NumPy's ``right=False``)."""
    return searchsorted(bins, x, side="right")


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """Per entry, the choice of the first true condition, or ``default``."""
    b = active()
    if len(condlist) != len(choicelist):
        raise ValueError("select: `condlist` and `choicelist` must have the same length.")
    if not condlist:
        raise ValueError("select: `condlist` must not be empty.")
    choices = [_t(c) for c in choicelist]
    out = b.add(b.zeros_like(choices[0]), default)
    for condition, choice in zip(reversed(condlist), reversed(choices)):
        out = b.where(b.cast(_t(condition), "bool"), choice, out)
    return out


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple[Any, ...]:
    """The coordinates in an array of ``shape`` of flat ``indices`` (C order)."""
    b = active()
    rest = _t(indices)
    coordinates = []
    for size in reversed(tuple(shape)):
        coordinates.append(b.mod(rest, size))
        rest = b.floor_divide(rest, size)
    return tuple(reversed(coordinates))


# --- statistics and products ---------------------------------------------------------------------------


def corrcoef(x: Any) -> Any:
    """Pearson correlation coefficients between the rows of ``x``."""
    b = active()
    x = _float(x)
    if _ndim(x) == 1:
        x = b.reshape(x, (1, -1))
    centred = b.subtract(x, b.mean(x, axis=1, keepdims=True))
    cov = b.matmul(centred, b.transpose(centred))
    d = b.sqrt(b.sum(b.square(centred), axis=1))
    out = b.divide(cov, b.multiply(b.reshape(d, (-1, 1)), b.reshape(d, (1, -1))))
    return b.clip(out, -1.0, 1.0)


def correlate(x1: Any, x2: Any, mode: str = "valid") -> Any:
    """Cross-correlation of two 1-d sequences: ``c[k] = sum_n x1[n + k] * x2[n]`` (``"valid"``,
    ``"same"`` or ``"full"`` overlap, as NumPy)."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: `mode` must be 'valid', 'same' or 'full'. Received: mode={mode!r}")
    b = active()
    a, v = _float(x1), _float(x2)
    if _ndim(a) != 1 or _ndim(v) != 1:
        raise ValueError("correlate: both inputs must be 1-D.")
    n, m = b.shape(a)[0], b.shape(v)[0]
    if m > n:  # NumPy swaps and reverses
        return b.flip(correlate(v, a, mode), axis=0)
    if mode == "valid":
        left, right = 0, 0
    elif mode == "full":
        left, right = m - 1, m - 1
    else:
        left, right = m // 2, (m - 1) // 2
    padded = b.pad(a, [(left, right)], 0.0) if left or right else a
    length = n + left + right - m + 1
    windows = b.stack([b.slice(padded, [i], [length]) for i in range(m)], axis=1)  # (length, m)
    return b.sum(b.multiply(windows, b.reshape(v, (1, m))), axis=1)


def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """Cross product of vectors of 3 (or 2) components along ``axisa`` / ``axisb``, result along ``axisc``."""
    from unikeras.ops.numpy_extra import moveaxis

    b = active()
    if axis is not None:
        axisa = axisb = axisc = axis
    a, c = moveaxis(_t(x1), axisa, -1), moveaxis(_t(x2), axisb, -1)
    na, nc = b.shape(a)[-1], b.shape(c)[-1]
    if na not in (2, 3) or nc not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must be 2 or 3): {na}, {nc}")

    def part(x: Any, i: int, size: int) -> Any:
        if i >= size:
            return b.zeros(b.shape(x)[:-1], b.dtype_name(x))
        return b.squeeze(b.slice(x, [0] * (_ndim(x) - 1) + [i], list(b.shape(x)[:-1]) + [1]), -1)

    a0, a1, a2 = (part(a, i, na) for i in range(3))
    c0, c1, c2 = (part(c, i, nc) for i in range(3))
    z = b.subtract(b.multiply(a0, c1), b.multiply(a1, c0))
    if na == 2 and nc == 2:
        return z
    x = b.subtract(b.multiply(a1, c2), b.multiply(a2, c1))
    y = b.subtract(b.multiply(a2, c0), b.multiply(a0, c2))
    out = b.stack([x, y, z], axis=-1)
    return moveaxis(out, -1, axisc)


# --- NaN-aware quantiles ---------------------------------------------------------------------------------


def nanquantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """``quantile`` ignoring NaNs (NaN where a slice holds only NaNs)."""
    if method not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"nanquantile: unknown method {method!r}.")
    b = active()
    x = _float(x)
    n = _ndim(x)
    q_np = np.asarray(q, dtype="float64")
    if (q_np < 0).any() or (q_np > 1).any():
        raise ValueError(f"nanquantile: `q` must be in the range [0, 1]. Received: q={q}")
    axes = list(range(n)) if axis is None else [_axis(a, n) for a in ([axis] if isinstance(axis, int) else axis)]
    rest = [a for a in range(n) if a not in axes]
    data = b.transpose(x, rest + axes)
    data = b.reshape(data, tuple(b.shape(data)[: len(rest)]) + (-1,))
    if not rest:  # one leading axis, so that every reduction below keeps a batch axis
        data = b.reshape(data, (1, -1))
    dtype = b.dtype_name(data)
    nan = b.isnan(data)
    count = b.sum(b.cast(b.logical_not(nan), dtype), axis=-1, keepdims=True)  # (..., 1)
    data = b.sort(b.where(nan, b.full(b.shape(data), math.inf, dtype), data), axis=-1)
    outs = []
    for qi in q_np.reshape(-1):
        position = b.multiply(b.maximum(b.subtract(count, 1.0), 0.0), float(qi))
        lower = b.floor(position)
        upper = b.minimum(b.add(lower, 1.0), b.maximum(b.subtract(count, 1.0), 0.0))
        fraction = b.subtract(position, lower)
        if method == "lower":
            upper, fraction = lower, b.zeros_like(fraction)
        elif method == "higher":
            lower = upper = b.ceil(position)
            fraction = b.zeros_like(fraction)
        elif method == "midpoint":
            fraction = b.where(b.greater(upper, lower), b.full(b.shape(fraction), 0.5, dtype), b.zeros_like(fraction))
        elif method == "nearest":
            lower = upper = b.round(position)
            fraction = b.zeros_like(fraction)
        low = b.take_along_axis(data, b.cast(lower, "int32"), axis=-1)
        high = b.take_along_axis(data, b.cast(upper, "int32"), axis=-1)
        value = b.add(low, b.multiply(b.subtract(high, low), fraction))
        value = b.where(b.equal(count, 0.0), b.full(b.shape(value), math.nan, dtype), value)
        value = b.squeeze(value, -1)
        if not rest:
            value = b.squeeze(value, 0)
        if keepdims:
            value = b.reshape(value, [1 if a in axes else d for a, d in enumerate(b.shape(x))])
        outs.append(value)
    return outs[0] if q_np.ndim == 0 else b.stack(outs, axis=0)


def nanpercentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """``percentile`` ignoring NaNs (``q`` in [0, 100])."""
    return nanquantile(x, np.asarray(q, dtype="float64") / 100.0, axis=axis, method=method, keepdims=keepdims)


def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The median ignoring NaNs."""
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


__all__ = [
    "angle",
    "arccos",
    "arcsin",
    "arctan",
    "arctan2",
    "bartlett",
    "blackman",
    "corrcoef",
    "correlate",
    "cross",
    "digitize",
    "hamming",
    "hanning",
    "i0",
    "isin",
    "kaiser",
    "ldexp",
    "nanmedian",
    "nanpercentile",
    "nanquantile",
    "searchsorted",
    "select",
    "unravel_index",
]
