"""``STFT``: the kernel of a convolution that computes a short-time Fourier transform (Keras's
``STFTInitializer``), computed in NumPy like the other initializers."""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras import config
from unikeras.initializers.initializers import Initializer

_SIDES = ("real", "imag")
_SCALINGS = ("density", "spectrum")


def _cosine_window(coefficients: tuple[float, ...], n: int) -> np.ndarray:
    phase = 2 * np.pi * np.arange(n) / (n - 1)
    return sum(((-1) ** k) * c * np.cos(k * phase) for k, c in enumerate(coefficients))


def _bartlett(n: int) -> np.ndarray:
    return 1 - np.abs(2 * np.arange(n) / (n - 1) - 1)


_WINDOWS = {
    "hann": lambda n: _cosine_window((0.5, 0.5), n),
    "hamming": lambda n: _cosine_window((0.54, 0.46), n),
    "blackman": lambda n: _cosine_window((0.42, 0.5, 0.08), n),
    "bartlett": _bartlett,
    "boxcar": np.ones,
}


def get_window(name: str, length: int, periodic: bool = False) -> np.ndarray:
    """The window ``name`` of ``length`` points (symmetric, or periodic for spectral analysis).

    ``hann``, ``hamming``, ``blackman``, ``bartlett`` and ``boxcar`` are computed here; other names of
    ``scipy.signal.windows`` need SciPy.
    """
    if name in _WINDOWS:
        if length == 1:
            return np.ones(1)
        n = length + 1 if periodic else length
        return np.asarray(_WINDOWS[name](n), dtype="float64")[:length]
    try:
        import scipy.signal
    except ImportError as err:
        raise ValueError(
            f"Unknown window {name!r} without SciPy: use one of {sorted(_WINDOWS)}, or install scipy for the others."
        ) from err
    return np.asarray(scipy.signal.get_window(name, length, periodic), dtype="float64")


class STFT(Initializer):
    """Kernel of a 1-d convolution computing the real or imaginary part of a short-time Fourier transform.

    Called with ``shape=(frame_length, 1, fft_length // 2 + 1)``; used by an ``STFTSpectrogram``-style
    convolution over a signal.

    Args:
        side: ``"real"`` (cosines) or ``"imag"`` (sines).
        window: a window name (``"hann"``, ``"hamming"``, ..., as ``scipy.signal.windows``), the
            window's values (length ``frame_length``), or ``None`` for no window.
        scaling: ``"density"`` (divide by the window's L2 norm), ``"spectrum"`` (by its L1 norm), or
            ``None``.
        periodic: whether a named window is periodic (for spectral analysis) or symmetric.
    """

    def __init__(
        self, side: str = "real", window: Any = "hann", scaling: str | None = "density", periodic: bool = False
    ):
        if side not in _SIDES:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name fails here, as in Keras
        if scaling is not None and scaling not in _SCALINGS:
            raise ValueError(
                f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}"
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape: tuple[int, ...], dtype: str | None = None) -> np.ndarray:
        frame_length, _, fft_bins = tuple(shape)
        time = np.arange(frame_length, dtype="float64").reshape(frame_length, 1, 1)
        freq = np.arange(fft_bins, dtype="float64").reshape(1, 1, fft_bins) / ((fft_bins - 1) * 2)
        angle = -2.0 * np.pi * time * freq
        kernel = np.cos(angle) if self.side == "real" else np.sin(angle)
        if self.window is not None:
            if isinstance(self.window, str):
                win = get_window(self.window, frame_length, self.periodic)
            else:
                win = np.asarray(self.window, dtype="float64")
            if win.shape != (frame_length,):
                raise ValueError(
                    f"The shape of `window` must be equal to [frame_length]. Received: window shape={win.shape}"
                )
            win = win.reshape(frame_length, 1, 1)
            scale = {"density": np.sqrt(np.sum(win**2)), "spectrum": np.sum(np.abs(win)), None: 1.0}[self.scaling]
            kernel = kernel * win / scale
        return np.broadcast_to(kernel, tuple(shape)).astype(dtype or config.floatx())

    def get_config(self) -> dict:
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}


STFTInitializer = STFT

__all__ = ["STFT", "STFTInitializer", "get_window"]
