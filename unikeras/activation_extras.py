"""Activations of ``keras.activations`` beyond ``keras.ops.nn``: ``mish``."""

from __future__ import annotations

from typing import Any

from unikeras.ops import nn
from unikeras.ops.dispatch import active


def mish(x: Any) -> Any:
    """Mish: ``x * tanh(softplus(x))``."""
    b = active()
    return b.multiply(x, b.tanh(nn.softplus(x)))


__all__ = ["mish"]
