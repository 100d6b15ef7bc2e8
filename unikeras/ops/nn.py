"""Neural-network ops (Keras's ``keras.ops.nn``): fused kernels from the backend, the rest
composed here once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active, primitive
from unikeras.variables import Variable

relu = primitive("relu")
sigmoid = primitive("sigmoid")
softmax = primitive("softmax")
log_softmax = primitive("log_softmax")


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit (tanh approximation by default, as in Keras)."""
    return active().gelu(x, approximate=approximate)


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``."""
    return active().clip(x, 0.0, 6.0)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """``x`` where ``x >= 0``, else ``negative_slope * x``."""
    b = active()
    return b.where(b.greater_equal(x, 0.0), x, b.multiply(x, negative_slope))


def elu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    b = active()
    return b.where(b.greater(x, 0.0), x, b.multiply(b.expm1(b.minimum(x, 0.0)), alpha))


def selu(x: Any) -> Any:
    """Scaled ELU with the self-normalizing constants (``scale * elu(x, alpha)``)."""
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return active().multiply(elu(x, alpha), scale)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` without overflow."""
    b = active()
    return b.add(b.relu(x), b.log1p(b.exp(b.negative(b.abs(x)))))


def softsign(x: Any) -> Any:
    """``x / (|x| + 1)``."""
    b = active()
    return b.divide(x, b.add(b.abs(x), 1.0))


def silu(x: Any) -> Any:
    """``x * sigmoid(x)`` (also ``swish``)."""
    b = active()
    return b.multiply(x, b.sigmoid(x))


swish = silu


def hard_sigmoid(x: Any) -> Any:
    """``clip(x / 6 + 0.5, 0, 1)`` (Keras 3's piecewise-linear sigmoid)."""
    b = active()
    return b.clip(b.add(b.multiply(x, 1.0 / 6.0), 0.5), 0.0, 1.0)


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)`` (also ``hard_swish``)."""
    return active().multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x))`` without overflow."""
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


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x


def _conv_args(b: Any, op: str, inputs: Any, kernel: Any, strides: Any, padding: str, dilation_rate: Any) -> tuple:
    """(rank, strides, padding, dilation_rate) checked for an N-d conv op."""
    n = len(b.shape(inputs)) - 2
    if n not in (1, 2, 3) or len(b.shape(kernel)) != n + 2:
        raise ValueError(
            f"{op}(): expected inputs of rank 3, 4 or 5 and a kernel of the same rank, received shapes "
            f"{b.shape(inputs)} and {b.shape(kernel)}."
        )
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}(): `padding` must be 'valid' or 'same', received {padding!r}.")
    return n, _tuple(strides, n, "strides"), padding, _tuple(dilation_rate, n, "dilation_rate")


def conv(
    inputs: Any,
    kernel: Any,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> Any:
    """N-d convolution; ``kernel`` is ``(*kernel_size, in_channels // groups, out_channels)``, a grouped
    convolution when the kernel holds fewer input channels than ``inputs`` (as in Keras)."""
    b = active()
    inputs, kernel = _value(inputs), _value(kernel)
    n, strides, padding, dilation_rate = _conv_args(b, "conv", inputs, kernel, strides, padding, dilation_rate)
    data_format = data_format or config.image_data_format()
    channels = b.shape(inputs)[-1 if data_format == "channels_last" else 1]
    kernel_in, filters = b.shape(kernel)[-2:]
    if channels % kernel_in or filters % (channels // kernel_in):
        raise ValueError(
            f"conv(): the input's {channels} channels must be a multiple of the kernel's {kernel_in} input "
            f"channels, and the kernel's {filters} output channels a multiple of the ratio (the groups); "
            f"received inputs {b.shape(inputs)} and kernel {b.shape(kernel)} ({data_format})."
        )
    groups = channels // kernel_in
    if groups == 1:
        return b.conv(inputs, kernel, strides, padding, data_format, dilation_rate)
    return b.grouped_conv(inputs, kernel, strides, padding, data_format, dilation_rate, groups)


def depthwise_conv(
    inputs: Any,
    kernel: Any,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> Any:
    """Depthwise N-d convolution: each input channel convolved with its own ``depth_multiplier`` filters;
    ``kernel`` is ``(*kernel_size, in_channels, depth_multiplier)``, output channel ``c * depth_multiplier
    + m`` comes from input channel ``c`` and ``kernel[..., c, m]`` (a grouped convolution with one group
    per input channel)."""
    b = active()
    inputs, kernel = _value(inputs), _value(kernel)
    n, strides, padding, dilation_rate = _conv_args(
        b, "depthwise_conv", inputs, kernel, strides, padding, dilation_rate
    )
    data_format = data_format or config.image_data_format()
    channels = b.shape(inputs)[-1 if data_format == "channels_last" else 1]
    kshape = b.shape(kernel)
    if kshape[-2] != channels:
        raise ValueError(
            f"depthwise_conv(): the kernel's axis -2 must equal the input's {channels} channels, received "
            f"inputs {b.shape(inputs)} and kernel {kshape} ({data_format})."
        )
    grouped = b.reshape(kernel, kshape[:n] + (1, channels * kshape[-1]))
    return b.grouped_conv(inputs, grouped, strides, padding, data_format, dilation_rate, channels)


def separable_conv(
    inputs: Any,
    depthwise_kernel: Any,
    pointwise_kernel: Any,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> Any:
    """Depthwise convolution (``depthwise_kernel`` ``(*kernel_size, in_channels, depth_multiplier)``, with
    ``strides``, ``padding`` and ``dilation_rate``) followed by a pointwise one (``pointwise_kernel``
    ``(1, ..., 1, in_channels * depth_multiplier, filters)``)."""
    data_format = data_format or config.image_data_format()
    outputs = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(outputs, pointwise_kernel, 1, "valid", data_format)


def conv_transpose(
    inputs: Any,
    kernel: Any,
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    output_padding: int | Sequence[int] | None = None,
    data_format: str | None = None,
    dilation_rate: int | Sequence[int] = 1,
) -> Any:
    """N-d transposed convolution (the gradient of ``conv`` with respect to its input), as Keras's
    ``Conv*DTranspose``; ``kernel`` is ``(*kernel_size, filters, in_channels)``. The output length of each
    spatial axis is Keras's: ``"valid"`` ``(n - 1) * stride + (k - 1) * dilation + 1`` plus
    ``output_padding`` (default ``max(stride - effective kernel, 0)``), ``"same"`` ``n * stride`` (with
    ``output_padding``: ``(n - 1) * stride + effective kernel % 2 + output_padding``)."""
    b = active()
    inputs, kernel = _value(inputs), _value(kernel)
    n, strides, padding, dilation_rate = _conv_args(
        b, "conv_transpose", inputs, kernel, strides, padding, dilation_rate
    )
    data_format = data_format or config.image_data_format()
    channels = b.shape(inputs)[-1 if data_format == "channels_last" else 1]
    if b.shape(kernel)[-1] != channels:
        raise ValueError(
            f"conv_transpose(): the kernel's last axis must equal the input's {channels} channels, received "
            f"inputs {b.shape(inputs)} and kernel {b.shape(kernel)} ({data_format})."
        )
    if output_padding is not None:
        output_padding = _tuple(output_padding, n, "output_padding")
        if min(output_padding) < 0:
            raise ValueError(f"conv_transpose(): `output_padding` must be non-negative, received {output_padding}.")
    return b.conv_transpose(inputs, kernel, strides, padding, data_format, dilation_rate, output_padding)


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
    "conv_transpose",
    "depthwise_conv",
    "separable_conv",
    "max_pool",
    "average_pool",
    "moments",
]

# more activations (Keras's celu, glu, sparsemax, ...), composed in their own module
from unikeras.ops import nn_activations as _nn_activations  # noqa: E402
from unikeras.ops import nn_extra as _nn_extra  # noqa: E402
from unikeras.ops import nn_sequence as _nn_sequence  # noqa: E402
from unikeras.ops.nn_activations import *  # noqa: E402,F403
from unikeras.ops.nn_extra import *  # noqa: E402,F403
from unikeras.ops.nn_sequence import *  # noqa: E402,F403

__all__ += _nn_activations.__all__ + _nn_extra.__all__ + _nn_sequence.__all__
