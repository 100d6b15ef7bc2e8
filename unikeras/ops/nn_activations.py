"""More activations of ``keras.ops.nn`` (and ``keras.activations``), composed from the backend contract.

``celu``, ``glu``, ``hard_shrink``, ``hard_tanh``, ``soft_shrink``, ``sparse_plus``,
``sparse_sigmoid``, ``sparsemax``, ``squareplus``, ``tanh_shrink``, ``threshold``: same names,
arguments and defaults as Keras, elementwise in the input's dtype.
"""

from __future__ import annotations

from typing import Any

from unikeras.ops.dispatch import active
from unikeras.variables import Variable


def _tensor(x: Any) -> Any:
    b = active()
    if isinstance(x, Variable):
        return x.value
    return x if b.is_tensor(x) else b.convert_to_tensor(x)


def _const(x: Any, value: float) -> Any:
    """``value`` broadcast to a tensor like ``x`` (its dtype)."""
    return active().full(active().shape(x), value, active().dtype_name(x))


def celu(x: Any, alpha: float = 1.0) -> Any:
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``."""
    b = active()
    x = _tensor(x)
    negative = b.multiply(b.expm1(b.divide(b.minimum(x, 0.0), alpha)), alpha)
    return b.add(b.maximum(x, 0.0), negative)


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis``; ``a * sigmoid(b)``."""
    b = active()
    x = _tensor(x)
    size = b.shape(x)[axis]
    if size % 2 != 0:
        raise ValueError(f"glu: axis size must be divisible by 2. Received: x.shape={b.shape(x)} with axis={axis}")
    first, second = b.split(x, 2, axis)
    return b.multiply(first, b.sigmoid(second))


def hard_tanh(x: Any) -> Any:
    """``clip(x, -1, 1)``."""
    return active().clip(_tensor(x), -1.0, 1.0)


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` where ``|x| > threshold``, else 0."""
    b = active()
    x = _tensor(x)
    return b.where(b.greater(b.abs(x), threshold), x, b.zeros_like(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    b = active()
    x = _tensor(x)
    shrunk = b.where(b.greater(x, threshold), b.subtract(x, threshold), b.zeros_like(x))
    return b.where(b.less(x, -threshold), b.add(x, threshold), shrunk)


def sparse_plus(x: Any) -> Any:
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``."""
    b = active()
    x = _tensor(x)
    middle = b.multiply(b.square(b.add(x, 1.0)), 0.25)
    return b.where(b.less_equal(x, -1.0), b.zeros_like(x), b.where(b.less(x, 1.0), middle, x))


def sparse_sigmoid(x: Any) -> Any:
    """0 for ``x <= -1``, ``(x + 1) / 2`` in between, 1 for ``x >= 1``."""
    b = active()
    return b.clip(b.multiply(b.add(_tensor(x), 1.0), 0.5), 0.0, 1.0)


def squareplus(x: Any, b: float = 4) -> Any:  # noqa: N803 - Keras's argument name
    """``(x + sqrt(x**2 + b)) / 2``."""
    be = active()
    x = _tensor(x)
    return be.multiply(be.add(x, be.sqrt(be.add(be.square(x), float(b)))), 0.5)


def tanh_shrink(x: Any) -> Any:
    """``x - tanh(x)``."""
    b = active()
    x = _tensor(x)
    return b.subtract(x, b.tanh(x))


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    """``x`` where ``x > threshold``, else ``default_value``."""
    b = active()
    x = _tensor(x)
    return b.where(b.greater(x, threshold), x, _const(x, default_value))


def sparsemax(x: Any, axis: int = -1) -> Any:
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Like softmax its outputs are non-negative and sum to 1, but small entries are exactly 0.
    """
    b = active()
    x = _tensor(x)
    ndim = len(b.shape(x))
    axis = axis % ndim
    n = b.shape(x)[axis]
    dtype = b.dtype_name(x)
    # the support size k from the values sorted in decreasing order (no gradient needed)
    ordered = b.flip(b.sort(b.stop_gradient(x), axis=axis), axis=axis)
    ranks = b.reshape(b.arange(1, n + 1, dtype=dtype), [n if i == axis else 1 for i in range(ndim)])
    in_support = b.greater(b.multiply(ordered, ranks), b.subtract(b.cumsum(ordered, axis=axis), 1.0))
    k = b.sum(b.cast(in_support, "int32"), axis=axis, keepdims=True)
    kth = b.take_along_axis(ordered, b.subtract(k, 1), axis=axis)
    # tau from x itself, so that the gradient flows without differentiating a sort
    support = b.greater_equal(x, kth)
    total = b.sum(b.where(support, x, b.zeros_like(x)), axis=axis, keepdims=True)
    tau = b.divide(b.subtract(total, 1.0), b.cast(k, dtype))
    return b.maximum(b.subtract(x, tau), 0.0)


__all__ = [
    "celu",
    "glu",
    "hard_shrink",
    "hard_tanh",
    "soft_shrink",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "tanh_shrink",
    "threshold",
]
