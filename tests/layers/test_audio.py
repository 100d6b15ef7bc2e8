"""STFTSpectrogram and MelSpectrogram against NumPy references and keras on every backend."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

import unikeras
from tests.reference import signal as ref
from unikeras import layers, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(11)
AUDIO = rng0.standard_normal((2, 30, 2)).astype("float32")
SAMPLES = rng0.standard_normal((2, 96)).astype("float32")
TOL = {"rtol": 1e-4, "atol": 1e-5}
STFT_ARGS = {"frame_length": 8, "frame_step": 4}
MEL_ARGS = {"fft_length": 32, "sequence_stride": 8, "num_mel_bins": 6, "sampling_rate": 8000, "min_freq": 100.0}


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@functools.cache
def _keras_stft(mode: str, extra: tuple = ()) -> tuple:
    layer = keras.layers.STFTSpectrogram(mode=mode, **STFT_ARGS, **dict(extra))
    out = np.asarray(layer(AUDIO))
    return layer.get_weights(), out


def test_stft_spectrogram_matches_numpy_and_keras(backend):
    real, imag = ref.spectrogram_kernels(8, 8, "hann", "density")
    for mode in ("log", "stft", "angle"):
        layer = layers.STFTSpectrogram(mode=mode, **STFT_ARGS)
        out = _np(layer(AUDIO))
        np.testing.assert_allclose(out, ref.stft_spectrogram(AUDIO.astype("float64"), real, imag, 4, mode), **TOL)
        weights, expected = _keras_stft(mode)
        assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
        assert [w.name for w in layer.weights] == ["real_kernel", "imag_kernel"]
        layer.set_weights(weights)
        np.testing.assert_allclose(_np(layer(AUDIO)), expected, **TOL)
    for mode, extra in [
        ("psd", (("padding", "same"), ("window", "hamming"), ("fft_length", 16))),
        ("imag", (("expand_dims", True),)),
    ]:
        layer = layers.STFTSpectrogram(mode=mode, **STFT_ARGS, **dict(extra))
        weights, expected = _keras_stft(mode, extra)
        layer(AUDIO)
        assert len(layer.weights) == len(weights)
        np.testing.assert_allclose(_np(layer(AUDIO)), expected, **TOL)
        assert layer.compute_output_shape(AUDIO.shape) == expected.shape
    # channels_first: the same numbers, laid out (batch, channels * freq, frames)
    layer = layers.STFTSpectrogram(mode="magnitude", data_format="channels_first", **STFT_ARGS)
    out = _np(layer(np.transpose(AUDIO, (0, 2, 1))))
    expected = ref.stft_spectrogram(AUDIO.astype("float64"), real, imag, 4, "magnitude")
    np.testing.assert_allclose(out, np.transpose(expected, (0, 2, 1)), **TOL)


def test_stft_spectrogram_kernel_gradients_match_finite_differences(backend):
    x = AUDIO[:1, :16].astype("float64")
    layer = layers.STFTSpectrogram(mode="magnitude", dtype="float64", **STFT_ARGS)
    layer(x)
    rng = np.random.default_rng(2)
    real, imag = (rng.uniform(-0.5, 0.5, (8, 1, 5)) for _ in range(2))
    layer.set_weights([real, imag])
    cot = rng.standard_normal(ref.stft_spectrogram(x, real, imag, 4, "magnitude").shape)

    def reference(r, i):
        return np.sum(ref.stft_spectrogram(x, r, i, 4, "magnitude") * cot)

    value, grads = ops.value_and_grad(lambda: ops.sum(ops.multiply(layer(x), cot)), layer.trainable_weights)()
    np.testing.assert_allclose(float(_np(value)), reference(real, imag), rtol=1e-6)
    h = 1e-6
    for which, grad in enumerate(grads):
        numeric = np.zeros_like(real)
        for index in [(0, 0, 0), (3, 0, 1), (5, 0, 4), (7, 0, 2)]:
            e = np.zeros_like(real)
            e[index] = h
            plus = reference(real + e, imag) if which == 0 else reference(real, imag + e)
            minus = reference(real - e, imag) if which == 0 else reference(real, imag - e)
            numeric[index] = (plus - minus) / (2 * h)
            np.testing.assert_allclose(_np(grad)[index], numeric[index], rtol=1e-3, atol=1e-5)


def test_stft_spectrogram_trains(backend):
    y = np.random.default_rng(0).standard_normal((2, 6, 10)).astype("float32")
    model = unikeras.Sequential([unikeras.Input((30, 2)), layers.STFTSpectrogram(mode="real", **STFT_ARGS)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.05), loss="mse")
    history = model.fit(AUDIO, y, epochs=3, batch_size=2, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def _mel_reference(x: np.ndarray) -> np.ndarray:
    spec = np.abs(ref.stft(x.astype("float64"), 32, 8, 32, "hann", True)) ** 2
    mel = spec @ ref.mel_matrix(6, 17, 8000, 100.0, 4000)
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    return np.swapaxes(np.maximum(db, db.max() - 80.0), -1, -2)


@functools.cache
def _keras_mel() -> np.ndarray:
    return np.asarray(keras.layers.MelSpectrogram(**MEL_ARGS)(SAMPLES))


def test_mel_spectrogram_matches_numpy_and_keras(backend):
    layer = layers.MelSpectrogram(**MEL_ARGS)
    out = _np(layer(SAMPLES))
    assert out.shape == layer.compute_output_shape(SAMPLES.shape) == (2, 6, 13)
    np.testing.assert_allclose(out, _mel_reference(SAMPLES), **TOL)
    np.testing.assert_allclose(out, _keras_mel(), **TOL)
    assert _np(layer(SAMPLES[0])).shape == (6, 13)  # unbatched
    linear = layers.MelSpectrogram(**MEL_ARGS, power_to_db=False, mag_exp=1.0)
    expected = np.swapaxes(
        np.abs(ref.stft(SAMPLES, 32, 8, 32, "hann", True)) @ ref.mel_matrix(6, 17, 8000, 100.0, 4000), -1, -2
    )
    np.testing.assert_allclose(_np(linear(SAMPLES)), expected, **TOL)


def test_config_round_trip_and_symbolic_shapes():
    for layer, shape in [
        (
            layers.STFTSpectrogram(mode="psd", window="hamming", padding="same", expand_dims=True, **STFT_ARGS),
            (None, 30, 2),
        ),
        (layers.MelSpectrogram(**MEL_ARGS), (None, 96)),
    ]:
        config = layer.get_config()
        assert layers.deserialize(layers.serialize(layer)).get_config() == config
        assert type(layer).from_config(config).get_config() == config
        keras_config = getattr(keras.layers, type(layer).__name__)(
            **{k: v for k, v in config.items() if k != "dtype"}
        ).get_config()
        assert set(config) == set(keras_config)
        symbolic = layer(unikeras.Input(shape[1:]))
        assert tuple(symbolic.shape) == layer.compute_output_shape(shape)


def test_bad_arguments():
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="fft_length"):
        layers.STFTSpectrogram(frame_length=8, fft_length=4)
    with pytest.raises(ValueError, match="mode"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="padding"):
        layers.STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError, match="Scaling|scaling"):
        layers.STFTSpectrogram(scaling="energy")
    with pytest.raises(ValueError, match="MelSpectrogram .*fft_length"):
        layers.MelSpectrogram(fft_length=16, sequence_length=32)
    with pytest.raises(ValueError, match="STFTSpectrogram .*rank 3"):
        layers.STFTSpectrogram(**STFT_ARGS)(AUDIO[0])
    with pytest.raises(ValueError, match="MelSpectrogram .*rank 1"):
        layers.MelSpectrogram(**MEL_ARGS)(AUDIO)
    with pytest.raises(TypeError, match="float"):
        layers.STFTSpectrogram(**STFT_ARGS)(AUDIO.astype("int32"))
