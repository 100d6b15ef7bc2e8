"""More of ``keras.ops.nn``: cross-entropies on tensors, normalizations, attention, pixel shuffles,
adaptive pooling, ``multi_hot`` and ``psnr``, composed from the backend contract."""

from __future__ import annotations

import math
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _axis, _float, _ndim, _t


def _large_negative(dtype: str) -> float:
    return -0.7 * (65500.0 if dtype == "float16" else 3.38953e38)


# --- cross-entropies (no reduction over the batch) ------------------------------------------------------


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    """Elementwise binary cross-entropy (probabilities clipped to ``[epsilon, 1 - epsilon]``)."""
    b = active()
    output = _float(output)
    target = _t(target, b.dtype_name(output))
    if b.shape(target) != b.shape(output):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={b.shape(target)}, output.shape={b.shape(output)}"
        )
    if from_logits:
        output = b.sigmoid(output)
    eps = config.epsilon()
    output = b.clip(output, eps, 1.0 - eps)
    positive = b.multiply(target, b.log(output))
    negative = b.multiply(b.subtract(1.0, target), b.log(b.subtract(1.0, output)))
    return b.negative(b.add(positive, negative))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Any:
    """Cross-entropy of one-hot ``target`` with ``output`` along ``axis``."""
    b = active()
    output = _float(output)
    target = _t(target, b.dtype_name(output))
    if b.shape(target) != b.shape(output):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={b.shape(target)}, output.shape={b.shape(output)}"
        )
    if from_logits:
        log_prob = b.log_softmax(output, axis=axis)
    else:
        eps = config.epsilon()
        output = b.divide(output, b.sum(output, axis=axis, keepdims=True))
        log_prob = b.log(b.clip(output, eps, 1.0 - eps))
    return b.negative(b.sum(b.multiply(target, log_prob), axis=axis))


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Any:
    """Cross-entropy of integer class ``target`` with ``output`` along ``axis``."""
    b = active()
    output = _float(output)
    target = _t(target)
    if _ndim(target) == _ndim(output) and b.shape(target)[-1] == 1:
        target = b.squeeze(target, -1)
    from unikeras.ops.numpy_extra import moveaxis

    axis = _axis(axis, _ndim(output))
    one_hot = b.cast(b.one_hot(b.cast(target, "int32"), b.shape(output)[axis]), b.dtype_name(output))
    if axis != _ndim(output) - 1:
        one_hot = moveaxis(one_hot, -1, axis)
    return categorical_crossentropy(one_hot, output, from_logits=from_logits, axis=axis)


# --- normalizations --------------------------------------------------------------------------------------


def _along(value: Any, x: Any, axis: Any) -> Any:
    """``value`` (one entry per position along ``axis``) reshaped to broadcast against ``x``."""
    b = active()
    value = _t(value, b.dtype_name(x))
    if _ndim(value) <= 1 and isinstance(axis, int) and _ndim(x) > 1:
        shape = [1] * _ndim(x)
        shape[_axis(axis, _ndim(x))] = -1
        value = b.reshape(value, shape)
    return value


def batch_normalization(
    x: Any, mean: Any, variance: Any, axis: int, offset: Any = None, scale: Any = None, epsilon: float = 1e-3
) -> Any:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the statistics given per position along ``axis``."""
    b = active()
    x = _float(x)
    out = b.multiply(b.subtract(x, _along(mean, x, axis)), b.rsqrt(b.add(_along(variance, x, axis), epsilon)))
    if scale is not None:
        out = b.multiply(out, _along(scale, x, axis))
    if offset is not None:
        out = b.add(out, _along(offset, x, axis))
    return out


def layer_normalization(
    x: Any, gamma: Any = None, beta: Any = None, axis: Any = -1, epsilon: float | None = None, **kwargs: Any
) -> Any:
    """Normalize ``x`` to zero mean and unit variance over ``axis``, then ``* gamma + beta``."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization() got unexpected keyword arguments {sorted(kwargs)}")
    if rms_scaling:
        return rms_normalization(x, scale=gamma, axis=axis, epsilon=epsilon)
    b = active()
    x = _float(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    mean = b.mean(x, axis=axis, keepdims=True)
    variance = b.var(x, axis=axis, keepdims=True)
    out = b.multiply(b.subtract(x, mean), b.rsqrt(b.add(variance, epsilon)))
    if gamma is not None:
        out = b.multiply(out, _along(gamma, x, axis))
    if beta is not None:
        out = b.add(out, _along(beta, x, axis))
    return out


def rms_normalization(x: Any, scale: Any = None, axis: Any = -1, epsilon: float | None = None) -> Any:
    """``x / sqrt(mean(x**2, axis) + epsilon) * scale``."""
    b = active()
    x = _float(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    out = b.multiply(x, b.rsqrt(b.add(b.mean(b.square(x), axis=axis, keepdims=True), epsilon)))
    return out if scale is None else b.multiply(out, _along(scale, x, axis))


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Any:
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``)."""
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    b = active()
    x = _float(x)
    if _ndim(x) == 0:
        x = b.expand_dims(x, 0)
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv = b.minimum(b.rsqrt(b.sum(b.square(x), axis=axis, keepdims=True)), 1.0 / epsilon)
        return b.multiply(x, inv)
    norm = b.power(b.sum(b.power(b.abs(x), float(order)), axis=axis, keepdims=True), 1.0 / order)
    return b.divide(x, b.maximum(norm, epsilon))


# --- encodings and metrics -----------------------------------------------------------------------------


def multi_hot(
    inputs: Any,
    num_classes: int | None = None,
    axis: int = -1,
    dtype: str | None = None,
    sparse: bool = False,
    **kwargs,
) -> Any:
    """For each sample (the last axis of ``inputs`` holds its class indices), a vector with 1 at those classes."""
    if "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"multi_hot() got unexpected keyword arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    if sparse:
        raise ValueError("multi_hot(sparse=True): unikeras has no sparse tensors; use the dense result.")
    b = active()
    inputs = b.cast(_t(inputs), "int32")
    dtype = dtype or config.floatx()
    squeeze = _ndim(inputs) == 1
    if squeeze:
        inputs = b.expand_dims(inputs, 0)
    encoded = b.cast(b.max(b.one_hot(inputs, num_classes), axis=-2), dtype)
    if axis != -1 and axis != _ndim(encoded) - 1:
        from unikeras.ops.numpy_extra import moveaxis

        encoded = moveaxis(encoded, -1, axis)
    return b.squeeze(encoded, 0) if squeeze else encoded


def psnr(x1: Any, x2: Any, max_val: float) -> Any:
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mean((x1 - x2)**2))``."""
    b = active()
    x1, x2 = _float(x1), _float(x2)
    if b.shape(x1) != b.shape(x2):
        raise ValueError(
            f"Input shapes {b.shape(x1)} and {b.shape(x2)} must match for PSNR calculation. "
            f"Received: x1.shape={b.shape(x1)} and x2.shape={b.shape(x2)}."
        )
    mse = b.mean(b.square(b.subtract(x1, x2)))
    return b.subtract(20.0 * math.log10(max_val), b.multiply(b.log(mse), 10.0 / math.log(10.0)))


# --- rearrangements ----------------------------------------------------------------------------------


def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> Any:
    """Move blocks of channels into ``block_size x block_size`` spatial blocks (pixel shuffle)."""
    b = active()
    x = _t(x)
    k = int(block_size)
    if data_format == "channels_last":
        n, h, w, c = b.shape(x)
        x = b.reshape(x, (n, h, w, k, k, c // (k * k)))
        return b.reshape(b.transpose(x, (0, 1, 3, 2, 4, 5)), (n, h * k, w * k, c // (k * k)))
    n, c, h, w = b.shape(x)
    x = b.reshape(x, (n, c // (k * k), k, k, h, w))
    return b.reshape(b.transpose(x, (0, 1, 4, 2, 5, 3)), (n, c // (k * k), h * k, w * k))


def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> Any:
    """Move ``block_size x block_size`` spatial blocks into channels (the inverse of ``depth_to_space``)."""
    b = active()
    x = _t(x)
    k = int(block_size)
    if data_format == "channels_last":
        n, h, w, c = b.shape(x)
        x = b.reshape(x, (n, h // k, k, w // k, k, c))
        return b.reshape(b.transpose(x, (0, 1, 3, 2, 4, 5)), (n, h // k, w // k, c * k * k))
    n, c, h, w = b.shape(x)
    x = b.reshape(x, (n, c, h // k, k, w // k, k))
    return b.reshape(b.transpose(x, (0, 1, 3, 5, 2, 4)), (n, c * k * k, h // k, w // k))


# --- attention ---------------------------------------------------------------------------------------


def dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    bias: Any = None,
    mask: Any = None,
    scale: float | None = None,
    is_causal: bool = False,
    flash_attention: bool | None = None,
    attn_logits_soft_cap: float | None = None,
) -> Any:
    """Scaled dot-product attention on ``(batch, length, heads, head_dim)`` tensors.

    ``key`` and ``value`` may have fewer heads (grouped-query attention: ``heads`` a multiple of theirs).
    ``mask`` (boolean, broadcastable to ``(batch, heads, query_len, key_len)``) keeps the positions
    where it is true; ``is_causal`` keeps only keys at or before each query.
    """
    if flash_attention:
        raise ValueError(
            f"dot_product_attention(flash_attention=True) is not available on backend {config.backend()!r} in "
            "unikeras: pass flash_attention=None or False."
        )
    b = active()
    query = _float(query)
    dtype = b.dtype_name(query)
    key, value = _t(key, dtype), _t(value, dtype)
    if _ndim(query) != 4:
        raise ValueError(f"dot_product_attention: `query` must be 4-D. Received: query.shape={b.shape(query)}")
    heads, kv_heads = b.shape(query)[2], b.shape(key)[2]
    if heads % kv_heads:
        raise ValueError(f"The number of query heads ({heads}) must be a multiple of the key heads ({kv_heads}).")
    if kv_heads != heads:
        key = b.repeat(key, heads // kv_heads, axis=2)
        value = b.repeat(value, heads // kv_heads, axis=2)
    scale = 1.0 / math.sqrt(b.shape(query)[-1]) if scale is None else scale
    logits = b.multiply(b.einsum("btnh,bsnh->bnts", query, key), scale)
    if attn_logits_soft_cap is not None:
        logits = b.multiply(b.tanh(b.divide(logits, attn_logits_soft_cap)), attn_logits_soft_cap)
    if bias is not None:
        logits = b.add(logits, _t(bias, dtype))
    keep = None
    if mask is not None:
        keep = b.cast(_t(mask), "bool")
    if is_causal:
        t, s = b.shape(logits)[-2:]
        rows = b.reshape(b.arange(t, dtype="int32"), (t, 1))
        cols = b.reshape(b.arange(s, dtype="int32"), (1, s))
        causal = b.greater_equal(rows, cols)
        keep = causal if keep is None else b.logical_and(keep, causal)
    if keep is not None:
        logits = b.where(keep, logits, b.full(b.shape(logits), _large_negative(dtype), dtype))
    weights = b.softmax(logits, axis=-1)
    return b.einsum("bnts,bsnh->btnh", weights, value)


# --- adaptive pooling ------------------------------------------------------------------------------


def _adaptive_pool(inputs: Any, output_size: Any, data_format: str | None, reduce: str) -> Any:
    b = active()
    x = _float(inputs)
    spatial = _ndim(x) - 2
    if spatial not in (1, 2, 3):
        raise ValueError(f"adaptive pooling expects a 3-D, 4-D or 5-D input. Received: shape={b.shape(x)}")
    sizes = (output_size,) * spatial if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != spatial:
        raise ValueError(
            f"`output_size` must have {spatial} entries for a {spatial}-D pooling. Received: {output_size}"
        )
    data_format = config.standardize_data_format(data_format, "adaptive pooling")
    if data_format == "channels_first":
        x = b.transpose(x, [0, *range(2, spatial + 2), 1])
    fn = b.mean if reduce == "average" else b.max
    for axis, out in zip(range(1, spatial + 1), sizes):
        length = b.shape(x)[axis]
        pieces = []
        for i in range(out):
            start, stop = (i * length) // out, -((-(i + 1) * length) // out)
            begin = [0] * _ndim(x)
            begin[axis] = start
            shape = list(b.shape(x))
            shape[axis] = stop - start
            pieces.append(fn(b.slice(x, begin, shape), axis=axis, keepdims=True))
        x = b.concatenate(pieces, axis=axis)
    if data_format == "channels_first":
        x = b.transpose(x, [0, spatial + 1, *range(1, spatial + 1)])
    return x


def adaptive_average_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Any:
    """Average pooling to a fixed ``output_size``: bin ``i`` of an axis of length ``L`` covers
    ``[floor(i L / out), ceil((i + 1) L / out))``."""
    return _adaptive_pool(inputs, output_size, data_format, "average")


def adaptive_max_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Any:
    """Max pooling to a fixed ``output_size`` (bins as ``adaptive_average_pool``)."""
    return _adaptive_pool(inputs, output_size, data_format, "max")


__all__ = [
    "adaptive_average_pool",
    "adaptive_max_pool",
    "batch_normalization",
    "binary_crossentropy",
    "categorical_crossentropy",
    "depth_to_space",
    "dot_product_attention",
    "layer_normalization",
    "multi_hot",
    "normalize",
    "psnr",
    "rms_normalization",
    "space_to_depth",
    "sparse_categorical_crossentropy",
]
