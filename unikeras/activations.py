"""Activation functions by Keras name; ``get("relu")`` resolves a name or passes a callable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unikeras.ops import nn
from unikeras.ops.dispatch import active


def linear(x: Any) -> Any:
    return x


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Any:
    """Rectified linear unit, with Keras's optional slope, cap and threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    b = active()
    out = b.where(b.greater_equal(x, threshold), x, b.multiply(b.subtract(x, threshold), negative_slope))
    return out if max_value is None else b.minimum(out, max_value)


def softmax(x: Any, axis: int = -1) -> Any:
    return nn.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    return nn.log_softmax(x, axis=axis)


def tanh(x: Any) -> Any:
    return active().tanh(x)


def exponential(x: Any) -> Any:
    return active().exp(x)


def gelu(x: Any, approximate: bool = False) -> Any:
    """GELU; exact (``erf``) by default, as Keras's activation."""
    return nn.gelu(x, approximate=approximate)


sigmoid = nn.sigmoid
elu = nn.elu
selu = nn.selu
softplus = nn.softplus
softsign = nn.softsign
silu = nn.silu
swish = nn.silu
hard_sigmoid = nn.hard_sigmoid
hard_silu = nn.hard_silu
hard_swish = nn.hard_silu
leaky_relu = nn.leaky_relu
relu6 = nn.relu6
log_sigmoid = nn.log_sigmoid

_BY_NAME: dict[str, Callable[..., Any]] = {
    "linear": linear,
    "relu": relu,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "tanh": tanh,
    "exponential": exponential,
    "gelu": gelu,
    "sigmoid": sigmoid,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "silu": silu,
    "swish": swish,
    "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu,
    "hard_swish": hard_swish,
    "leaky_relu": leaky_relu,
    "relu6": relu6,
    "log_sigmoid": log_sigmoid,
}


def get(identifier: str | Callable[..., Any] | None) -> Callable[..., Any]:
    """The activation function for a name, a callable, or ``None`` (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation {identifier!r}. Known: {', '.join(sorted(_BY_NAME))}.")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Cannot interpret activation {identifier!r}: expected a name or a callable.")


def serialize(fn: Callable[..., Any]) -> str:
    """The Keras name of an activation function."""
    for name, candidate in _BY_NAME.items():
        if candidate is fn:
            return name
    name = getattr(fn, "__name__", None)
    if name in _BY_NAME:
        return name
    raise ValueError(f"Activation {fn!r} has no registered name and cannot be serialized.")


# Keras's newer activations and `deserialize`, written in their own modules
from unikeras.activation_extras import mish  # noqa: E402
from unikeras.deserializers import deserialize_activation as deserialize  # noqa: E402,F401
from unikeras.ops.nn_activations import (  # noqa: E402
    celu,
    glu,
    hard_shrink,
    hard_tanh,
    soft_shrink,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh_shrink,
    threshold,
)

_BY_NAME.update(
    {
        fn.__name__: fn
        for fn in (
            celu,
            glu,
            hard_shrink,
            hard_tanh,
            mish,
            soft_shrink,
            sparse_plus,
            sparse_sigmoid,
            sparsemax,
            squareplus,
            tanh_shrink,
            threshold,
        )
    }
)
