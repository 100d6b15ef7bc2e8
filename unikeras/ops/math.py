"""Math ops (Keras's ``keras.ops.math``)."""

from __future__ import annotations

from unikeras.ops.dispatch import primitive

erf = primitive("erf")
rsqrt = primitive("rsqrt")
logsumexp = primitive("logsumexp")
top_k = primitive("top_k")

__all__ = [
    "erf",
    "rsqrt",
    "logsumexp",
    "top_k",
]
