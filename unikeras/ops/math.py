"""Math ops (Keras's ``keras.ops.math``)."""

from __future__ import annotations

from unikeras.ops.dispatch import primitive
from unikeras.ops.signal import fft, fft2, ifft2, irfft, istft, rfft, stft  # noqa: F401 - keras.ops.math

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
