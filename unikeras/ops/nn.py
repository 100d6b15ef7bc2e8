"""Neural-network ops (Keras's ``keras.ops.nn``): fused kernels from the backend, the rest
composed here once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active, primitive

relu = primitive("relu")
sigmoid = primitive("sigmoid")
softmax = primitive("softmax")
log_softmax = primitive("log_softmax")


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit (tanh approximation by default, as in Keras)."""
    return active().gelu(x, approximate=approximate)


def relu6(x: Any) -> Any:
    return active().clip(x, 0.0, 6.0)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    b = active()
    return b.where(b.greater_equal(x, 0.0), x, b.multiply(x, negative_slope))


def elu(x: Any, alpha: float = 1.0) -> Any:
    b = active()
    return b.where(b.greater(x, 0.0), x, b.multiply(b.expm1(b.minimum(x, 0.0)), alpha))


def selu(x: Any) -> Any:
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return active().multiply(elu(x, alpha), scale)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` without overflow."""
    b = active()
    return b.add(b.relu(x), b.log1p(b.exp(b.negative(b.abs(x)))))


def softsign(x: Any) -> Any:
    b = active()
    return b.divide(x, b.add(b.abs(x), 1.0))


def silu(x: Any) -> Any:
    b = active()
    return b.multiply(x, b.sigmoid(x))


swish = silu


def hard_sigmoid(x: Any) -> Any:
    b = active()
    return b.clip(b.add(b.multiply(x, 1.0 / 6.0), 0.5), 0.0, 1.0)


def hard_silu(x: Any) -> Any:
    return active().multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def log_sigmoid(x: Any) -> Any:
    return active().negative(softplus(active().negative(x)))


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: str | None = None) -> Any:
    """One-hot encoding of integer ``x``; out-of-range indices give zeros."""
    b = active()
    out = b.one_hot(x, num_classes, dtype or config.floatx())
    if axis not in (-1, len(b.shape(out)) - 1):
        out = b.transpose(out, _move_last_axis_to(len(b.shape(out)), axis))
    return out


def _move_last_axis_to(ndim: int, axis: int) -> list[int]:
    axis = axis % ndim
    order = list(range(ndim - 1))
    order.insert(axis, ndim - 1)
    return order


def _tuple(value: int | Sequence[int], n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"`{name}` must be an int or a tuple of {n} ints, received {value}.")
    return value


def conv(
    inputs: Any,
    kernel: Any,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> Any:
    """N-d convolution; ``kernel`` is ``(*kernel_size, in_channels, out_channels)``."""
    b = active()
    n = len(b.shape(inputs)) - 2
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"conv(): `padding` must be 'valid' or 'same', received {padding!r}.")
    return b.conv(
        inputs,
        kernel,
        _tuple(strides, n, "strides"),
        padding,
        data_format or config.image_data_format(),
        _tuple(dilation_rate, n, "dilation_rate"),
    )


def _pool(kind: str, inputs: Any, pool_size: Any, strides: Any, padding: str, data_format: str | None) -> Any:
    b = active()
    n = len(b.shape(inputs)) - 2
    pool_size = _tuple(pool_size, n, "pool_size")
    strides = pool_size if strides is None else _tuple(strides, n, "strides")
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{kind}(): `padding` must be 'valid' or 'same', received {padding!r}.")
    fn = b.max_pool if kind == "max_pool" else b.avg_pool
    return fn(inputs, pool_size, strides, padding, data_format or config.image_data_format())


def max_pool(
    inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: str | None = None
) -> Any:
    """N-d max pooling."""
    return _pool("max_pool", inputs, pool_size, strides, padding, data_format)


def average_pool(
    inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: str | None = None
) -> Any:
    """N-d average pooling (``"same"`` padding does not count padded cells)."""
    return _pool("average_pool", inputs, pool_size, strides, padding, data_format)


def moments(x: Any, axes: Any, keepdims: bool = False) -> tuple[Any, Any]:
    """Mean and variance over ``axes``."""
    b = active()
    axes = tuple(axes) if not isinstance(axes, int) else axes
    return b.mean(x, axis=axes, keepdims=keepdims), b.var(x, axis=axes, keepdims=keepdims)


__all__ = [
    "relu",
    "sigmoid",
    "softmax",
    "log_softmax",
    "gelu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "silu",
    "swish",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "log_sigmoid",
    "one_hot",
    "conv",
    "max_pool",
    "average_pool",
    "moments",
]
