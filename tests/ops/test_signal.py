"""Fourier ops (fft, fft2, ifft2, rfft, irfft, stft, istft) against numpy.fft, a NumPy STFT reference
and keras.ops on every backend."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

import unikeras
from tests.reference import signal as ref
from unikeras import ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(3)
RE = rng0.standard_normal((2, 3, 6)).astype("float32")
IM = rng0.standard_normal((2, 3, 6)).astype("float32")
SIGNAL = rng0.standard_normal((2, 37)).astype("float32")
TOL = {"rtol": 1e-4, "atol": 1e-5}

# (sequence_length, sequence_stride, fft_length, window, center)
STFT_CASES = [(8, 4, 16, "hann", True), (8, 3, 8, "hamming", False), (7, 2, 8, None, True)]


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _close_complex(pair, expected):
    np.testing.assert_allclose(_np(pair[0]), expected.real, **TOL)
    np.testing.assert_allclose(_np(pair[1]), expected.imag, **TOL)


def test_fft_family_matches_numpy(backend):
    z = RE.astype("float64") + 1j * IM
    _close_complex(ops.fft((RE, IM)), np.fft.fft(z))
    _close_complex(ops.fft2((RE, IM)), np.fft.fft2(z))
    _close_complex(ops.ifft2((RE, IM)), np.fft.ifft2(z))
    _close_complex(ops.rfft(RE), np.fft.rfft(RE.astype("float64")))
    _close_complex(ops.rfft(RE, 9), np.fft.rfft(RE.astype("float64"), 9))  # zero-padded, odd
    _close_complex(ops.rfft(RE, 4), np.fft.rfft(RE.astype("float64"), 4))  # cropped
    np.testing.assert_allclose(_np(ops.irfft((RE, IM))), np.fft.irfft(z), **TOL)
    np.testing.assert_allclose(_np(ops.irfft((RE, IM), 7)), np.fft.irfft(z, 7), **TOL)
    np.testing.assert_allclose(_np(ops.irfft((RE, IM), 14)), np.fft.irfft(z, 14), **TOL)
    assert unikeras.ops.math.fft is unikeras.ops.signal.fft  # keras.ops.math holds them too


@functools.cache
def _keras_stft(case: tuple) -> tuple:
    spec = [np.asarray(v) for v in keras.ops.stft(SIGNAL, *case)]
    inverse = np.asarray(keras.ops.istft(tuple(spec), case[0], case[1], case[2], window=case[3], center=case[4]))
    clipped = np.asarray(keras.ops.istft(tuple(spec), *case[:3], length=20, window=case[3], center=case[4]))
    return spec, inverse, clipped


def test_stft_and_istft_match_numpy_and_keras(backend):
    for case in STFT_CASES:
        length, stride, fft_length, window, center = case
        spec = ops.stft(SIGNAL, *case)
        expected = ref.stft(SIGNAL, *case)
        _close_complex(spec, expected)
        # inverse: the NumPy overlap-add, cropped as keras does; the interior is the signal again
        full = ref.istft(expected, length, stride, fft_length, window)
        start = fft_length // 2 if center else 0
        end = full.shape[-1] - start
        inverse = _np(ops.istft(spec, *case[:3], window=window, center=center))
        np.testing.assert_allclose(inverse, full[..., start:end], **TOL)
        if center and window is not None:
            np.testing.assert_allclose(inverse[..., 8:-8], SIGNAL[..., 8 : inverse.shape[-1] - 8], **TOL)
        clipped = _np(ops.istft(spec, *case[:3], length=20, window=window, center=center))
        np.testing.assert_allclose(clipped, full[..., start : start + 20], **TOL)
        if (
            length % 2 == 0 or window is None
        ):  # tf.signal's "periodic" window is symmetric for odd lengths (keras differs by backend)
            k_spec, k_inverse, k_clipped = _keras_stft(case)
            np.testing.assert_allclose(_np(spec[0]), k_spec[0], **TOL)
            np.testing.assert_allclose(_np(spec[1]), k_spec[1], **TOL)
            np.testing.assert_allclose(inverse, k_inverse, **TOL)
            np.testing.assert_allclose(clipped, k_clipped, **TOL)


def test_stft_gradient_matches_finite_differences(backend):
    x = SIGNAL[:1, :20].astype("float64")
    cot = np.random.default_rng(1).standard_normal(ref.stft(x, 8, 4, 8, "hann", True).shape)

    def reference(v):
        s = ref.stft(v, 8, 4, 8, "hann", True)
        return np.sum(s.real * cot.real + s.imag * cot.imag)

    variable = unikeras.Variable(x, dtype="float64")

    def loss():
        real, imag = ops.stft(variable, 8, 4, 8, "hann", True)
        return ops.add(ops.sum(ops.multiply(real, cot.real)), ops.sum(ops.multiply(imag, cot.imag)))

    value, (grad,) = ops.value_and_grad(loss, [variable])()
    np.testing.assert_allclose(float(_np(value)), reference(x), rtol=1e-6)
    h, numeric = 1e-6, np.zeros_like(x)
    for i in range(x.shape[1]):
        e = np.zeros_like(x)
        e[0, i] = h
        numeric[0, i] = (reference(x + e) - reference(x - e)) / (2 * h)
    np.testing.assert_allclose(_np(grad), numeric, rtol=1e-3, atol=1e-5)


def test_symbolic_shapes():
    x = unikeras.Input((37,))
    real, imag = ops.stft(x, 8, 4, 16)
    assert tuple(real.shape) == (None, 10, 9) == tuple(imag.shape)
    assert tuple(ops.istft((real, imag), 8, 4, 16).shape) == (None, 36)
    assert tuple(ops.rfft(x, 10)[0].shape) == (None, 6)
    assert tuple(ops.irfft(ops.rfft(x, 10), 10).shape) == (None, 10)


def test_bad_arguments(backend):
    with pytest.raises(ValueError, match="sequence_stride"):
        ops.stft(SIGNAL, 8, 0, 8)
    with pytest.raises(ValueError, match="fft_length"):
        ops.stft(SIGNAL, 8, 4, 6)
    with pytest.raises(ValueError, match="window"):
        ops.stft(SIGNAL, 8, 4, 8, window="kaiser")
    with pytest.raises(ValueError, match="sequence_length"):
        ops.stft(SIGNAL, 8, 4, 8, window=np.ones(5))
    with pytest.raises(TypeError, match="float32"):
        ops.stft(SIGNAL.astype("int32"), 8, 4, 8)
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.fft(RE)
    with pytest.raises(ValueError, match="same shape"):
        ops.fft2((RE, IM[..., :3]))
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.ifft2((RE[0, 0], IM[0, 0]))
