"""Audio preprocessing layers (STFTSpectrogram, MelSpectrogram)."""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np

from unikeras import config, initializers
from unikeras.initializers.stft import get_window
from unikeras.layers.convolution import output_length
from unikeras.layers.layer import Layer
from unikeras.ops import nn, signal
from unikeras.ops.dispatch import active

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
_FLOATS = ("float16", "float32", "float64")


class STFTSpectrogram(Layer):
    """Spectrogram of 1-D signals by a short-time Fourier transform computed as a strided convolution
    with DFT kernels (the non-trainable or trainable weights ``real_kernel`` / ``imag_kernel``, shape
    ``(frame_length, 1, fft_length // 2 + 1)``).

    Args:
        mode: ``"log"`` (log magnitude), ``"magnitude"``, ``"psd"`` (power spectral density, the
            one-sided bins doubled), ``"real"``, ``"imag"``, ``"angle"`` or ``"stft"`` (real and imaginary
            parts concatenated on the frequency axis). Defaults to ``"log"``.
        frame_length: samples per frame. Defaults to 256.
        frame_step: samples between consecutive frames. Defaults to ``frame_length // 2``.
        fft_length: size of the FFT of each frame (``>= frame_length``). Defaults to the smallest power
            of two ``>= frame_length``.
        window: ``"hann"``, ``"hamming"`` or another ``scipy.signal`` window name, the window's values,
            or ``None``. Defaults to ``"hann"``.
        periodic: whether a named window is periodic. Defaults to ``False``.
        scaling: ``"density"``, ``"spectrum"`` or ``None``. Defaults to ``"density"``.
        padding: ``"valid"`` or ``"same"``. Defaults to ``"valid"``.
        expand_dims: whether to keep the input channels as their own axis (an image-like output).
            Defaults to ``False``.
        data_format: ``"channels_last"`` (inputs ``(batch, time, channels)``) or ``"channels_first"``
            (``(batch, channels, time)``). Defaults to ``image_data_format()``.

    Input shape:
        3D ``(batch, time, channels)`` (channels_last) or ``(batch, channels, time)`` (channels_first).

    Output shape:
        ``(batch, frames, channels * freq)`` (channels_last) or ``(batch, channels * freq, frames)``;
        with ``expand_dims``, ``(batch, frames, freq, channels)`` or ``(batch, channels, frames, freq)``.
    """

    def __init__(
        self,
        mode: str = "log",
        frame_length: int = 256,
        frame_step: int | None = None,
        fft_length: int | None = None,
        window: Any = "hann",
        periodic: bool = False,
        scaling: str | None = "density",
        padding: str = "valid",
        expand_dims: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} '{self.name}'"
        if not isinstance(frame_length, int) or frame_length < 1:
            raise ValueError(
                f"{owner}: `frame_length` must be a positive integer. Received frame_length={frame_length}"
            )
        if frame_step is not None and (not isinstance(frame_step, int) or frame_step > frame_length or frame_step < 1):
            raise ValueError(
                f"{owner}: `frame_step` should be a positive integer not greater than `frame_length`. "
                f"Received frame_step={frame_step}, frame_length={frame_length}"
            )
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                f"{owner}: `fft_length` should be not less than `frame_length`. "
                f"Received fft_length={fft_length}, frame_length={frame_length}"
            )
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(
                f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}", stacklevel=2
            )
        if mode not in _MODES:
            raise ValueError(
                f"{owner}: output mode is invalid, it must be one of {', '.join(_MODES)}. Received: mode={mode}"
            )
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                f"{owner}: scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}"
            )
        if padding not in ("valid", "same"):
            raise ValueError(f"{owner}: padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown window name fails here
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window.tolist() if isinstance(window, np.ndarray) else window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = config.standardize_data_format(data_format, owner)
        self._expected_ndim = 3

    def build(self, input_shape: tuple) -> None:
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        self.real_kernel = self.imag_kernel = None
        for side in ("real", "imag"):
            if self.mode != ("imag" if side == "real" else "real"):
                initializer = initializers.STFT(side, self.window, self.scaling, self.periodic)
                setattr(
                    self,
                    f"{side}_kernel",
                    self.add_weight(shape, initializer, trainable=self.trainable, name=f"{side}_kernel"),
                )

    def _convolve(self, signals: Any, kernel: Any) -> Any:
        """``(batch * channels, time, 1)`` signals -> ``(batch * channels, frames, freq)``."""
        b = active()
        kernel = kernel.value
        if b.dtype_name(kernel) != b.dtype_name(signals):
            kernel = b.cast(kernel, b.dtype_name(signals))
        return nn.conv(signals, kernel, strides=self._frame_step, padding=self.padding, data_format="channels_last")

    def call(self, inputs: Any) -> Any:
        b = active()
        dtype = b.dtype_name(inputs)
        if dtype not in _FLOATS:
            raise TypeError(
                f"Invalid input type. Expected `float16`, `float32` or `float64`. Received: input type={dtype}"
            )
        if self.data_format == "channels_last":
            batch, time, channels = b.shape(inputs)
            signals = b.transpose(inputs, (0, 2, 1))
        else:
            batch, channels, time = b.shape(inputs)
            signals = inputs
        signals = b.reshape(signals, (batch * channels, time, 1))
        parts = {}
        for side in ("real", "imag"):
            kernel = getattr(self, f"{side}_kernel")
            if kernel is not None:
                out = self._convolve(signals, kernel)
                frames, freq = b.shape(out)[1:]
                parts[side] = b.reshape(out, (batch, channels, frames, freq))  # (batch, channels, frames, freq)
        if self.mode in ("real", "imag"):
            return self._arrange(parts[self.mode])
        real, imag = parts["real"], parts["imag"]
        if self.mode == "angle":
            from unikeras import ops

            return self._arrange(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._arrange(b.concatenate([real, imag], axis=3))
        power = b.add(b.square(real), b.square(imag))
        if self.mode == "psd":
            freq = b.shape(power)[3]
            doubled = np.ones(freq)
            doubled[1:-1] = 2.0
            return self._arrange(b.multiply(power, b.convert_to_tensor(doubled, b.dtype_name(power))))
        magnitude = b.sqrt(b.maximum(power, config.epsilon()))
        if self.mode == "log":
            magnitude = b.log(b.maximum(magnitude, config.epsilon()))
        return self._arrange(magnitude)

    def _arrange(self, outputs: Any) -> Any:
        """``(batch, channels, frames, freq)`` -> the layer's output layout."""
        b = active()
        batch, channels, frames, freq = b.shape(outputs)
        if self.data_format == "channels_last":
            if self.expand_dims:
                return b.transpose(outputs, (0, 2, 3, 1))
            return b.reshape(b.transpose(outputs, (0, 2, 1, 3)), (batch, frames, channels * freq))
        if self.expand_dims:
            return outputs
        return b.reshape(b.transpose(outputs, (0, 1, 3, 2)), (batch, channels * freq, frames))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) != 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected an input of rank 3, "
                f"received shape {tuple(input_shape)}."
            )
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        freq = self._fft_length // 2 + 1
        if self.mode == "stft":
            freq *= 2
        frames = None if time is None else output_length(time, self.frame_length, self.padding, self._frame_step, 1)
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, freq, channels)
            return (batch, channels, frames, freq)
        features = None if channels is None else channels * freq
        if self.data_format == "channels_last":
            return (batch, frames, features)
        return (batch, features, frames)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        }


_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies: np.ndarray | float) -> np.ndarray:
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + np.asarray(frequencies, dtype="float64") / _MEL_BREAK_FREQUENCY_HERTZ)


@functools.cache
def linear_to_mel_weight_matrix(
    num_mel_bins: int, num_spectrogram_bins: int, sampling_rate: float, lower_edge_hertz: float, upper_edge_hertz: float
) -> np.ndarray:
    """The ``(num_spectrogram_bins, num_mel_bins)`` matrix of triangular HTK mel filters (peak 1) over
    the linear bins of ``[0, sampling_rate / 2]`` (the DC bin excluded), float64."""
    linear = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None]
    edges = np.linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz), num_mel_bins + 2)
    lower, center, upper = edges[:-2][None, :], edges[1:-1][None, :], edges[2:][None, :]
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.pad(weights, [(1, 0), (0, 0)])


class MelSpectrogram(Layer):
    """Mel-scaled spectrogram of raw audio: a centred STFT (``ops.stft``), its magnitude raised to
    ``mag_exp``, triangular mel filters and, by default, a decibel scale clipped ``top_db`` below the
    maximum (the maximum over the whole input tensor).

    Args:
        fft_length: size of the FFT window. Defaults to 2048.
        sequence_stride: samples between successive STFT columns. Defaults to 512.
        sequence_length: size of the window (``<= fft_length``). Defaults to ``fft_length``.
        window: ``"hann"``, ``"hamming"`` or ``None``. Defaults to ``"hann"``.
        sampling_rate: sample rate of the input signal. Defaults to 16000.
        num_mel_bins: number of mel bins. Defaults to 128.
        min_freq: lowest frequency (Hz) of the mel filters. Defaults to 20.0.
        max_freq: highest frequency (Hz) of the mel filters. Defaults to ``sampling_rate / 2``.
        power_to_db: whether to convert the power to decibels. Defaults to ``True``.
        top_db: dynamic range (dB) kept below the maximum. Defaults to 80.0.
        mag_exp: exponent of the magnitude (1: magnitude, 2: power). Defaults to 2.0.
        min_power: floor of the power before the logarithm. Defaults to 1e-10.
        ref_power: power that maps to 0 dB. Defaults to 1.0.

    Input shape:
        ``(samples,)`` or ``(batch, samples)``.

    Output shape:
        ``(num_mel_bins, frames)`` or ``(batch, num_mel_bins, frames)``, ``frames = 1 + samples //
        sequence_stride`` for an even ``fft_length``.
    """

    def __init__(
        self,
        fft_length: int = 2048,
        sequence_stride: int = 512,
        sequence_length: int | None = None,
        window: str | None = "hann",
        sampling_rate: int = 16000,
        num_mel_bins: int = 128,
        min_freq: float = 20.0,
        max_freq: float | None = None,
        power_to_db: bool = True,
        top_db: float = 80.0,
        mag_exp: float = 2.0,
        min_power: float = 1e-10,
        ref_power: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `fft_length` must be greater than or equal to "
                f"`sequence_length`. Received: `sequence_length`={self.sequence_length}, "
                f"`fft_length`={self.fft_length}."
            )
        if not isinstance(sequence_stride, int) or sequence_stride < 1:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `sequence_stride` must be a positive integer. "
                f"Received: sequence_stride={sequence_stride}"
            )
        if isinstance(window, str) and window not in ("hann", "hamming"):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `window` must be 'hann', 'hamming' or None. "
                f"Received: window={window}"
            )
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power

    def _frames(self, samples: int | None) -> int | None:
        if samples is None:
            return None
        return 1 + (samples + 2 * (self.fft_length // 2) - self.fft_length) // self.sequence_stride

    def call(self, inputs: Any) -> Any:
        b = active()
        rank = len(b.shape(inputs))
        if rank not in (1, 2):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected an input of rank 1 (samples) or 2 (batch, samples), "
                f"received shape {b.shape(inputs)}."
            )
        out_dtype = self.compute_dtype
        dtype = out_dtype if out_dtype in ("float32", "float64") else "float32"
        if b.dtype_name(inputs) != dtype:
            inputs = b.cast(inputs, dtype)
        real, imag = signal.stft(
            inputs, self.sequence_length, self.sequence_stride, self.fft_length, window=self.window, center=True
        )
        spectrum = b.power(b.sqrt(b.add(b.square(real), b.square(imag))), float(self.mag_exp))
        matrix = linear_to_mel_weight_matrix(
            int(self.num_mel_bins),
            int(b.shape(spectrum)[-1]),
            float(self.sampling_rate),
            float(self.min_freq),
            float(self.max_freq),
        )
        outputs = b.matmul(spectrum, b.convert_to_tensor(matrix, dtype))
        if self.power_to_db:
            log_spec = b.multiply(b.divide(b.log(b.maximum(outputs, float(self.min_power))), math.log(10.0)), 10.0)
            log_spec = b.subtract(log_spec, 10.0 * math.log10(max(abs(float(self.ref_power)), float(self.min_power))))
            outputs = b.maximum(log_spec, b.subtract(b.max(log_spec), float(self.top_db)))
        outputs = b.transpose(outputs, (*range(rank - 1), rank, rank - 1))
        return outputs if out_dtype == dtype else b.cast(outputs, out_dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) == 1:
            return (self.num_mel_bins, self._frames(input_shape[0]))
        if len(input_shape) == 2:
            return (input_shape[0], self.num_mel_bins, self._frames(input_shape[1]))
        raise ValueError(
            f"{type(self).__name__} '{self.name}': expected an input of rank 1 (samples) or 2 (batch, samples), "
            f"received shape {tuple(input_shape)}."
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        }


__all__ = ["STFTSpectrogram", "MelSpectrogram"]
